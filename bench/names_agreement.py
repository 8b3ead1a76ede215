"""bench/name_index.py's NameIndex versus LibCST's QualifiedNameProvider on standard-library files.

    python bench/names_agreement.py              # 300 files, seed 7
    python bench/names_agreement.py --files 50 --show 20

For every call whose function is a name or an attribute chain, compares the index's answer with
the provider's import-sourced qualified names, and prints the agreement rate, the differences
grouped by the scoping rule that decided the index's answer (``killed``: an unconditional
rebinding earlier in the same scope; ``unbound-local``: a read before the function's own
binding; ``class-fallback``: a class body reading a name before binding its own, which Python
looks up outside the class), any difference no documented rule explains, and what each costs \
(parse excluded).
"""

from __future__ import annotations

import argparse
import random
import sys
import sysconfig
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

EXPLAINED = {"killed", "unbound-local", "class-fallback"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", type=int, default=10, help="differences to print per rule")
    args = parser.parse_args(argv)

    import libcst as cst
    from libcst.metadata import MetadataWrapper, QualifiedNameProvider, QualifiedNameSource
    from name_index import NameIndex, dotted_name

    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    sample = sorted(random.Random(args.seed).sample(files, min(args.files, len(files))))

    total = agree = nonempty = lines = skipped = 0
    by_rule: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    cost = Counter()
    for path in sample:
        data = path.read_bytes()
        try:
            t = time.perf_counter()
            module = cst.parse_module(data)
            cost["parse"] += time.perf_counter() - t
        except (cst.ParserSyntaxError, RecursionError):
            skipped += 1
            continue
        lines += data.count(b"\n")
        t = time.perf_counter()
        wrapper = MetadataWrapper(module)
        resolved = wrapper.resolve(QualifiedNameProvider)
        provider = {}
        for node, value in resolved.items():
            names = value() if callable(value) else value
            provider[node] = {q.name for q in names if q.source is QualifiedNameSource.IMPORT}
        cost["QualifiedNameProvider + MetadataWrapper copy"] += time.perf_counter() - t
        t = time.perf_counter()
        index = NameIndex.build(wrapper.module)
        cost["NameIndex.build"] += time.perf_counter() - t

        funcs = [call.func for call, _ in index.calls if dotted_name(call.func) is not None]
        t = time.perf_counter()
        answers = [index.qualified_names(f) for f in funcs]
        cost["NameIndex.qualified_names (all calls)"] += time.perf_counter() - t
        for func, mine in zip(funcs, answers, strict=True):
            theirs = provider.get(func, set())
            total += 1
            nonempty += bool(theirs)
            if mine == theirs:
                agree += 1
                continue
            rule = index.explain(func)
            key = rule if rule in EXPLAINED else f"UNEXPLAINED ({rule})"
            by_rule[key] += 1
            line = (
                f"{path.relative_to(root)}: {wrapper.module.code_for_node(func)}: "
                f"index {sorted(mine)} provider {sorted(theirs)}"
            )
            examples.setdefault(key, []).append(line)

    print(f"{len(sample)} standard-library files ({skipped} LibCST cannot parse), {lines:,} lines")
    print(
        f"{total:,} call functions (names or attribute chains), {nonempty:,} with an imported name"
    )
    print(f"agreement: {agree:,}/{total:,} = {100 * agree / total:.3f}%")
    for rule, count in by_rule.most_common():
        print(f"\n{count} differences, rule {rule}:")
        for line in examples[rule][: args.show]:
            print(f"  {line}")
    print("\n| step | seconds | vs parse |")
    print("| --- | ---: | ---: |")
    for key, seconds in cost.items():
        print(f"| {key} | {seconds:.2f} | {seconds / cost['parse']:.2f}x |")
    return 1 if any(k.startswith("UNEXPLAINED") for k in by_rule) else 0


if __name__ == "__main__":
    sys.exit(main())
