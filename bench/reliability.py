"""The reliability figures in the README, reproduced without pytest.

    python bench/reliability.py [--kills N] [--seed S]

Runs the hostile-input corpus (tests/reliability_corpus.py) through ``python -m migrator``,
kills runs over a tree of 100 client modules at random points (Ctrl-C to the process group, and
SIGKILL), runs two migrations at once, and plants keys everywhere to look for them in every
output, then runs each untrusted-repository area (tests/untrusted_<area>.py: verify's token
destinations, git settings and links, literal-key spellings, generated names, outputs and
notebooks). Prints the counts; exits 1 if any file was corrupted, any key leaked, any token
went to a non-Azure host or any command from a scanned repository ran.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.reliability_corpus import (  # noqa: E402
    KEYS,
    MARKER,
    ROOT,
    cases,
    client_tree,
    file_bytes,
    interrupt_once,
    leaks,
    migrated_copy,
    secret_outputs,
    verify,
)

# Issue 15's areas, each a module tests/untrusted_<area>.py with a measure(scratch) -> dict.
UNTRUSTED_AREAS = ("verify", "fsgit", "secrets", "codegen", "outputs")
# Figures that count harm: any of them above zero fails the run.
MUST_BE_ZERO = (
    "files_corrupted",
    "requests_to_non_azure_hosts",
    "commands_executed",
    "writes_through_links",
    "secrets_leaked",
    "literal_key_findings_missing",
    "migrated_modules_that_fail_to_import",
    "invalid_outputs",
    "notebooks_that_fail_top_to_bottom",
)


def untrusted(scratch: Path, areas: tuple[str, ...] = UNTRUSTED_AREAS) -> int:
    """Each area's hostile inputs through the real tool; prints the figures, returns the harm."""
    bad = 0
    print("\nUntrusted repositories (area: inputs tried, as expected; the area's own figures)")
    for area in areas:
        module = importlib.import_module(f"tests.untrusted_{area}")
        figures = dict(module.measure(scratch / f"untrusted-{area}"))
        problems = figures.pop("problems", [])
        tried = figures.pop("tried", 0)
        as_expected = figures.pop("as_expected", tried - len(problems))
        figures.pop("category", None)
        rest = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in figures.items())
        print(f"  {area:8} {tried:3} tried, {as_expected:3} as expected; {rest}")
        for problem in problems:
            print(f"  FAILED {area}: {str(problem)[:300]}", file=sys.stderr)
        bad += len(problems) + (tried - as_expected) + sum(figures.get(k, 0) for k in MUST_BE_ZERO)
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=12, help="kills per signal (default 12)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--untrusted-only",
        action="store_true",
        help="run only the untrusted-repository areas (a minute or two instead of about six)",
    )
    args = parser.parse_args()
    if args.untrusted_only:
        scratch = Path(tempfile.mkdtemp(prefix="aoai-reliability-"))
        try:
            return 1 if untrusted(scratch) else 0
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    rng = random.Random(args.seed)
    scratch = Path(tempfile.mkdtemp(prefix="aoai-reliability-"))
    bad = 0
    try:
        # 1. hostile inputs
        per_category: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
        corrupted = 0
        for i, case in enumerate(cases()):
            verdict = verify(case, scratch / f"case{i}")
            per_category[case.category][0] += 1
            per_category[case.category][1] += not verdict.problems
            corrupted += verdict.corrupted
            if verdict.problems:
                print(f"  FAILED {case.name}: {verdict.problems[0][:300]}", file=sys.stderr)
        print("Hostile inputs (category: cases, as expected)")
        for category, (tried, ok) in per_category.items():
            print(f"  {category:13} {tried:3} tried, {ok:3} as expected")
        total = sum(t for t, _ in per_category.values())
        as_expected = sum(o for _, o in per_category.values())
        print(
            f"  total         {total:3} tried, {as_expected:3} as expected; "
            f"files corrupted: {corrupted}"
        )
        bad += corrupted + (total - as_expected)

        # 2. interruptions
        original_root = scratch / "original"
        client_tree(original_root, 100)
        original = file_bytes(original_root)
        start = time.monotonic()
        migrated = migrated_copy(original, scratch / "migrated")
        took = time.monotonic() - start
        print(
            f"\nInterruptions over {len(original)} files (100 with a client); "
            f"a full run takes {took:.1f} s"
        )
        for sig in (signal.SIGINT, signal.SIGKILL):
            survived = torn = before_end = 0
            partial = 0
            for _ in range(args.kills):
                delay = rng.uniform(0.05, 1.0) * took
                result = interrupt_once(original, migrated, scratch / "work", sig, delay)
                if result.finished_first:
                    before_end += 1
                    continue
                if result.problems:
                    torn += 1
                    print(
                        f"  {sig.name} at {delay:.2f}s: {result.problems[0][:300]}", file=sys.stderr
                    )
                else:
                    survived += 1
                    partial += 0 < result.migrated < 100
            print(
                f"  {sig.name:8} {args.kills} kills: {survived} survived "
                "(every file whole, no temporary files"
                f"{', exit 130 with a message, no traceback' if sig == signal.SIGINT else ''}), "
                f"{partial} of them part-way through the tree, {torn} failed, "
                f"{before_end} ended before the signal"
            )
            bad += torn
        # two runs at once
        import os
        import subprocess

        concurrent_ok = 0
        rounds = 3
        for _ in range(rounds):
            work = scratch / "twice"
            shutil.rmtree(work, ignore_errors=True)
            for rel, data in original.items():
                (work / rel).parent.mkdir(parents=True, exist_ok=True)
                (work / rel).write_bytes(data)
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            procs = [
                subprocess.Popen(
                    [sys.executable, "-m", "migrator", ".", "--jobs", "2"],
                    cwd=work,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            outs = [p.communicate(timeout=300) for p in procs]
            fine = file_bytes(work) == migrated and all("Traceback" not in o + e for o, e in outs)
            fine = fine and all(p.returncode in (0, 3) for p in procs)
            concurrent_ok += fine
        print(f"  two runs at once: {concurrent_ok} of {rounds} left every file fully migrated")
        bad += rounds - concurrent_ok

        # 3. secrets
        outputs = secret_outputs(scratch / "secrets")
        leaked = leaks(outputs)
        executed = list((scratch / "secrets").rglob(MARKER))
        print(
            f"\nSecrets: {len(KEYS)} keys planted, {len(outputs)} outputs searched; "
            f"secrets leaked: {len(leaked)}"
        )
        for label, where in leaked:
            print(f"  LEAK: the {where} key in {label}", file=sys.stderr)
        print(f"  code executed while reading it: {len(executed)} times")
        bad += len(leaked) + len(executed)

        # 4. untrusted repositories (issue 15's areas)
        bad += untrusted(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
