"""Run the runtime corpus (tests/runtime) and print its table in Markdown.

    python bench/runtime_corpus.py                 # every program but the llama_index ones
    python bench/runtime_corpus.py NAME...         # only these programs
    python bench/runtime_corpus.py --llama-index   # add the llama_index programs (own venv)
    python bench/runtime_corpus.py --jobs 1 -v     # one program at a time; explain failures

Each program is run as written with its key, migrated with the command line tool of this checkout,
then run (a) keyless, (b) keyless with the old key variables still set and (c) with the client id
only in a .env file. The table says which run failed and why; see tests/runtime/README.md.
Exit status: 0 when every run passed, was reported or was skipped, 1 otherwise.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.runtime.corpus import BY_NAME, PROGRAMS  # noqa: E402
from tests.runtime.harness import (  # noqa: E402
    make_tls,
    markdown_table,
    run_program_corpus,
    scratch_dir,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="programs to run (default: all)")
    parser.add_argument("--llama-index", action="store_true", help="include llama_index programs")
    parser.add_argument("--jobs", type=int, default=2, help="programs run at once (default 2)")
    parser.add_argument("-v", "--verbose", action="store_true", help="explain each failure")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)

    unknown = [name for name in args.names if name not in BY_NAME]
    if unknown:
        parser.error(f"unknown program(s): {', '.join(unknown)}")
    if args.names:
        programs = [BY_NAME[name] for name in args.names]
    else:
        programs = [p for p in PROGRAMS if p.marker is None or args.llama_index]

    scratch = scratch_dir()
    started = time.monotonic()
    try:
        tls = make_tls(scratch / "certs")

        def one(index_program):
            index, program = index_program
            return run_program_corpus(program, scratch / f"{index:02d}-{program.name}", tls)

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = list(pool.map(one, enumerate(programs)))
    finally:
        if args.keep:
            print(f"scratch folder kept: {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    elapsed = time.monotonic() - started

    print(markdown_table(results))
    runs = [r for result in results for r in result.runs.values()]
    passed = sum(r.status == "pass" for r in runs)
    failed = sum(r.status == "FAIL" for r in runs)
    reported = sum(r.status == "reported" for r in runs)
    skipped = len(runs) - passed - failed - reported
    originals = sum(result.original.status == "pass" for result in results)
    print(
        f"\n{len(results)} programs, {originals} originals ran; migrated runs: {passed} passed, "
        f"{failed} failed, {reported} reported (cannot pass for a reason the report names), "
        f"{skipped} skipped ({elapsed:.0f} s)"
    )
    if args.verbose:
        for result in results:
            if result.failures:
                print("\n" + result.explain())
    return 0 if all(not result.failures for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
