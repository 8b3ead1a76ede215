"""Where the tool's time goes, phase by phase, on the benchmark's client corpus.

    python bench/profile_phases.py                 # corpus (c), 200 generated client files
    python bench/profile_phases.py --files 40      # a quicker look
    python bench/profile_phases.py PATH...         # your own files or directories
    python bench/profile_phases.py --names         # also time bench/name_index.py's NameIndex

It replays, with a timer around each step, exactly what ``codemods.pipeline.migrate_module``
does through LibCST's codemod machinery (and checks that the replay produces the same bytes):

    read -> prefilter -> parse -> MetadataWrapper (deep copy) -> metadata resolution
    (QualifiedNameProvider, PositionProvider and what they depend on) -> usage pass ->
    transform pass -> AddImportsVisitor (its own copy + resolution + pass) ->
    RemoveImportsVisitor (same) -> code generation -> unified diff

and prints a table of total seconds per phase, its share, and lines per second. One process,
no workers; every figure is CPU time (``time.process_time``), so a busy machine changes them
little. ``--what-if`` also times the pieces a leaner pipeline would be made of (NameIndex,
positions of the client calls only, a transform of only the statements that hold clients,
AddImportsVisitor on the leading import block only) next to the bare parse and print.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PHASES = [
    "read",
    "prefilter",
    "slice",
    "parse",
    "wrapper copy",
    "metadata",
    "usage pass",
    "transform pass",
    "add imports",
    "remove imports",
    "codegen",
    "diff",
]


def profile_file(
    path: Path,
    timings: dict[str, float],
    counts: dict[str, int],
    names: bool,
    check: bool = True,
    sliced: bool = False,
) -> None:
    import libcst as cst
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
    from libcst.metadata import MetadataWrapper

    from codemods.keyless import KeylessMigration
    from codemods.options import MigrationOptions
    from codemods.pipeline import MigrateModule, migrate_module
    from codemods.usage import UsageVisitor
    from migrator.engine import might_need_migration, unified_diff

    clock = time.process_time  # CPU time: stable on a shared machine

    t0 = clock()
    data = path.read_bytes()
    t1 = clock()
    timings["read"] += t1 - t0
    candidate = might_need_migration(data)
    timings["prefilter"] += clock() - t1
    if not candidate:
        return
    if sliced:  # what the engine hands LibCST: the statements that matter (codemods/slicing.py)
        from codemods import slicing
        from migrator.engine import check_parseable

        t = clock()
        piece = slicing.plan(data, check_parseable(data))
        timings["slice"] += clock() - t
        if piece is not None:
            data = piece.source
    counts["files"] += 1
    counts["lines"] += data.count(b"\n")

    t = clock()
    module = cst.parse_module(data)
    timings["parse"] += clock() - t

    if names:
        from name_index import NameIndex

        t = clock()
        NameIndex.build(module)
        timings["NameIndex.build"] += clock() - t

    options = MigrationOptions()
    context = CodemodContext(filename=str(path))
    command = MigrateModule(context, options)

    t = clock()
    wrapper = MetadataWrapper(module)
    timings["wrapper copy"] += clock() - t

    t = clock()
    wrapper.resolve_many(command.get_inherited_dependencies())
    timings["metadata"] += clock() - t

    with command.resolve(wrapper):
        command.context = replace(context, wrapper=wrapper)
        t = clock()
        usage = UsageVisitor(command.context)
        wrapper.visit(usage)
        timings["usage pass"] += clock() - t

        t = clock()
        keyless = KeylessMigration(command.context, options, usage.by_position)
        tree = wrapper.visit(keyless)
        timings["transform pass"] += clock() - t
    command.context = context

    for key, transform, phase in (
        (AddImportsVisitor.CONTEXT_KEY, AddImportsVisitor, "add imports"),
        (RemoveImportsVisitor.CONTEXT_KEY, RemoveImportsVisitor, "remove imports"),
    ):
        if key in context.scratch:
            counts[phase] += 1
            t = clock()
            tree = transform(context).transform_module(tree)
            timings[phase] += clock() - t

    t = clock()
    new = tree.bytes if tree is not wrapper.module else data
    timings["codegen"] += clock() - t

    t = clock()
    if new != data:
        counts["changed"] += 1
        unified_diff(str(path), data, new)
    timings["diff"] += clock() - t

    if not check:
        return
    # The replay must be what the tool does.
    expected, _ = migrate_module(cst.parse_module(data), options, str(path))
    expected_bytes = expected.bytes if expected is not module else data
    if expected_bytes != new:
        raise SystemExit(f"replay differs from migrate_module on {path}")


def what_if(paths: list[Path]) -> tuple[dict[str, float], int]:
    """The cost of the pieces a redesigned pipeline would be made of, file by file."""
    import libcst as cst
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor
    from libcst.metadata import MetadataWrapper, PositionProvider
    from name_index import NameIndex
    from node_positions import start_positions

    from codemods.targets import spec_for
    from migrator.engine import might_need_migration

    clock = time.process_time  # CPU time: stable on a shared machine
    out: dict[str, float] = defaultdict(float)
    lines = 0

    class Noop(cst.CSTVisitor):
        pass

    class NoopTransformer(cst.CSTTransformer):
        pass

    for path in paths:
        data = path.read_bytes()
        if not might_need_migration(data):
            continue
        lines += data.count(b"\n")
        t = clock()
        module = cst.parse_module(data)
        out["parse"] += clock() - t
        t = clock()
        _ = module.code
        out["print (.code)"] += clock() - t
        t = clock()
        module.visit(Noop())
        out["one no-op CSTVisitor pass (floor of any visitor)"] += clock() - t
        t = clock()
        index = NameIndex.build(module)
        out["NameIndex.build"] += clock() - t
        t = clock()
        clients = [
            (call, top)
            for call, top in index.calls
            if any(spec_for(n) for n in index.qualified_names(call.func))
        ]
        out["find client calls with the index"] += clock() - t
        t = clock()
        MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        out["PositionProvider (no copy)"] += clock() - t
        t = clock()
        start_positions(module, [call for call, _ in clients])
        out["positions of the client calls only"] += clock() - t
        tops = sorted({top for _, top in clients})
        t = clock()
        body = list(module.body)
        for top in tops:
            body[top] = body[top].visit(NoopTransformer())
        module.with_changes(body=body)
        out["no-op transform of the statements holding clients"] += clock() - t
        t = clock()
        module.visit(NoopTransformer())
        out["no-op transform of the whole module"] += clock() - t

        def _schedule() -> CodemodContext:
            ctx = CodemodContext()
            AddImportsVisitor.add_needed_import(ctx, "azure.identity", "get_bearer_token_provider")
            AddImportsVisitor.add_needed_import(ctx, "azure.identity", "ManagedIdentityCredential")
            return ctx

        t = clock()
        module.visit(AddImportsVisitor(_schedule()))
        out["AddImportsVisitor on the whole module (no copy)"] += clock() - t
        t = clock()
        head = 0
        while head < len(module.body) and _is_header(module.body[head]):
            head += 1
        header = module.with_changes(body=module.body[:head])
        new_header = header.visit(AddImportsVisitor(_schedule()))
        module.with_changes(body=[*new_header.body, *module.body[head:]])
        out["AddImportsVisitor on the leading import block only"] += clock() - t
        t = clock()
        _ = module.bytes
        out["codegen (.bytes)"] += clock() - t
    return out, lines


def _is_header(statement) -> bool:
    """Docstring, imports and __future__: the block AddImportsVisitor inserts into."""
    import libcst as cst

    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    return all(
        isinstance(s, (cst.Import, cst.ImportFrom))
        or (
            isinstance(s, cst.Expr)
            and isinstance(s.value, (cst.SimpleString, cst.ConcatenatedString))
        )
        for s in statement.body
    )


def qnp_versus_index(paths: list[Path]) -> dict[str, float]:
    """Cost of QualifiedNameProvider (with its MetadataWrapper copy) versus NameIndex."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, QualifiedNameProvider
    from name_index import NameIndex

    out = defaultdict(float)
    for path in paths:
        module = cst.parse_module(path.read_bytes())
        t = time.process_time()
        MetadataWrapper(module).resolve(QualifiedNameProvider)
        out["QualifiedNameProvider + copy"] += time.process_time() - t
        t = time.process_time()
        MetadataWrapper(module, unsafe_skip_copy=True).resolve(QualifiedNameProvider)
        out["QualifiedNameProvider, no copy"] += time.process_time() - t
        t = time.process_time()
        NameIndex.build(module)
        out["NameIndex.build"] += time.process_time() - t
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="*", help="files or directories (default: corpus (c))")
    parser.add_argument(
        "--files", type=int, default=200, help="client files to generate (default 200)"
    )
    parser.add_argument(
        "--names", action="store_true", help="also time bench/name_index.py's NameIndex"
    )
    parser.add_argument(
        "--cprofile", metavar="FILE", help="also write a cProfile dump of the whole run"
    )
    parser.add_argument(
        "--check-replay",
        type=int,
        default=20,
        metavar="N",
        help="compare the replay with the tool on N files",
    )
    parser.add_argument(
        "--what-if", action="store_true", help="also time the pieces of a leaner pipeline"
    )
    parser.add_argument(
        "--sliced",
        action="store_true",
        help="replay on each file's slice (what the engine gives LibCST) instead of the whole file",
    )
    args = parser.parse_args(argv)

    import libcst  # noqa: F401 - imported before timing so its import is not charged to a phase

    with tempfile.TemporaryDirectory(prefix="aoai-bench-") as tmp:
        if args.paths:
            paths = []
            for raw in args.paths:
                p = Path(raw)
                paths += sorted(p.rglob("*.py")) if p.is_dir() else [p]
        else:
            import corpus

            paths = corpus.build_clients(Path(tmp), args.files)
        timings: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        profiler = None
        if args.cprofile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        start = time.perf_counter()
        for number, path in enumerate(paths):
            profile_file(path, timings, counts, args.names, number < args.check_replay, args.sliced)
        wall = time.perf_counter() - start
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.cprofile)
        extra = qnp_versus_index([p for p in paths if p.stat().st_size]) if args.names else {}
        alternatives = what_if(paths) if args.what_if else None

    lines = counts["lines"]
    total = sum(timings[p] for p in PHASES)
    print(
        f"{len(paths)} files, {counts['files']} parsed ({lines} lines), "
        f"{counts['changed']} changed; "
        f"AddImports ran on {counts['add imports']}, RemoveImports on {counts['remove imports']}"
    )
    print()
    print("| phase | seconds | share | lines/s |")
    print("| --- | ---: | ---: | ---: |")
    for phase in PHASES:
        s = timings[phase]
        rate = f"{lines / s:,.0f}" if s > 0 else "-"
        print(f"| {phase} | {s:.2f} | {100 * s / total:.1f}% | {rate} |")
    print(f"| **total** | **{total:.2f}** | 100% | {lines / total:,.0f} |")
    checked = min(args.check_replay, len(paths))
    print(
        f"\n(replay checked against migrate_module on {checked} files; "
        f"wall time with the checks {wall:.1f} s)"
    )
    if extra:
        print()
        print("| name resolution | seconds | lines/s | vs parse |")
        print("| --- | ---: | ---: | ---: |")
        for key, s in extra.items():
            print(f"| {key} | {s:.2f} | {lines / s:,.0f} | {s / timings['parse']:.2f}x |")
    if alternatives:
        costs, wlines = alternatives
        base = costs["parse"]
        print()
        print("| what if | seconds | vs parse | lines/s |")
        print("| --- | ---: | ---: | ---: |")
        for key, s in costs.items():
            print(f"| {key} | {s:.2f} | {s / base:.2f}x | {wlines / s:,.0f} |")
        lean = sum(
            costs[k]
            for k in (
                "parse",
                "NameIndex.build",
                "find client calls with the index",
                "positions of the client calls only",
                "no-op transform of the statements holding clients",
                "AddImportsVisitor on the leading import block only",
                "codegen (.bytes)",
            )
        )
        floor = costs["parse"] + costs["print (.code)"]
        print(
            "\nparse + index + client positions + transform of client statements "
            "+ header imports + codegen: "
            f"{lean:.2f} s = {lean / floor:.2f}x the bare parse + print ({floor:.2f} s), "
            "before the work "
            "the codemod itself does on the client statements"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
