"""Follow clients across the modules of one run: the join of every file's usage facts.

Workers each return a ``FileResult`` carrying small facts about its module (``ModuleFacts``).
Here, once, in the parent process:

1. ``gather_facts`` parses, for facts only, the modules that the first pass did not parse
   (they build no client) but that take part: they import a module that builds or re-exports
   a client, or a module that does imports them. A byte search picks them; a few rounds follow
   re-exports (``pkg/__init__.py``) and helpers.
2. ``link`` names every module after its path relative to the run's roots and its package
   directories (``pkg/clients.py`` is ``pkg.clients``; a script's siblings are importable by
   their stem), resolves each import to the module or global it names, solves the points-to
   facts of all modules together, and gives each client its calls and escapes across files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from codemods.findings import ClientRecord
from codemods.options import MigrationOptions
from codemods.usage_graph import (
    ClientUsage,
    ModuleFacts,
    ModuleIndex,
    reach,
    solve,
    usage_from_flow,
)
from migrator.engine import FAILED, MODE_CHECK, FileResult, retry_whole

MAX_ROUNDS = 3


def module_names(path: str, roots: Sequence[str]) -> list[str]:
    """Every dotted name a file can be imported under, most specific first."""
    p = Path(os.path.realpath(path))
    is_init = p.name == "__init__.py"
    stem = [] if is_init else [p.stem]
    names: list[str] = []
    # Package directories: walk up while the parent is a package.
    parts = list(stem)
    d = p.parent
    while (d / "__init__.py").exists():
        parts.insert(0, d.name)
        d = d.parent
    names.append(".".join(parts))
    for root in roots:
        r = Path(os.path.realpath(root))
        base = r if r.is_dir() else r.parent
        try:
            rel = p.relative_to(base)
        except ValueError:
            continue
        rel_parts = list(rel.parent.parts) + stem
        names.append(".".join(rel_parts))
    if stem and not (p.parent / "__init__.py").exists():
        names.append(
            stem[0]
        )  # a script's own directory is on sys.path: its siblings import by stem
    return [
        n for n in dict.fromkeys(names) if n and all(part.isidentifier() for part in n.split("."))
    ]


class RunIndex(ModuleIndex):
    """Module names of the files in one run, and how imports resolve between them."""

    def __init__(self, paths: Sequence[str], roots: Sequence[str]) -> None:
        self.paths = list(paths)
        self.names: list[list[str]] = [module_names(p, roots) for p in self.paths]
        self.is_package = [os.path.basename(p) == "__init__.py" for p in self.paths]
        self.files: dict[str, list[int]] = {}
        self.prefixes: set[str] = set()
        for i, names in enumerate(self.names):
            for name in names:
                self.files.setdefault(name, []).append(i)
                parts = name.split(".")
                for k in range(1, len(parts) + 1):
                    self.prefixes.add(".".join(parts[:k]))

    def files_for(self, name: str, near: int | None = None) -> list[int]:
        found = self.files.get(name, [])
        if len(found) > 1 and near is not None and near >= 0:
            here = os.path.dirname(self.paths[near])
            close = [f for f in found if os.path.dirname(self.paths[f]) == here]
            if close:
                return close
        return found

    def absolute(self, file: int, level: int, module: str) -> list[str]:
        if level == 0:
            return [module]
        out = []
        for name in self.names[file]:
            parts = name.split(".") if self.is_package[file] else name.split(".")[:-1]
            if level - 1 > len(parts):
                continue
            parts = parts[: len(parts) - (level - 1)]
            out.append(".".join([*parts, module] if module else parts))
        return list(dict.fromkeys(out))

    def _module(self, name: str, near: int) -> list[tuple]:
        return [("obj", ("module", name, near))] if name in self.prefixes else []

    def resolve_import(self, file: int, level: int, module: str, name: str) -> list[tuple]:
        out: list[tuple] = []
        for base in self.absolute(file, level, module):
            if not name:
                out += self._module(base, file)
                continue
            out += self._module(f"{base}.{name}" if base else name, file)
            out += [("key", f, name) for f in self.files_for(base, file)]
        return out

    def module_attribute(self, module_obj: tuple, attr: str) -> list[tuple]:
        _, name, near = module_obj
        out = self._module(f"{name}.{attr}", near)
        out += [("key", f, attr) for f in self.files_for(name, near)]
        return out

    def imported_files(self, file: int, facts: ModuleFacts) -> set[int]:
        found: set[int] = set()
        for _, level, module, name in facts.imports:
            for base in self.absolute(file, level, module):
                found.update(self.files_for(base, file))
                if name:
                    found.update(self.files_for(f"{base}.{name}" if base else name, file))
        return found


def facts_for_file(path: str) -> ModuleFacts | None:
    """Usage facts of a module the migration did not parse; None when it cannot be read or
    parsed."""
    try:
        import libcst as cst

        from codemods.usage import module_facts
        from migrator.engine import check_parseable

        data = Path(path).read_bytes()
        check_parseable(data, path)  # LibCST can crash the process on deeply nested code
        return module_facts(cst.parse_module(data), path)
    except (Exception, RecursionError):  # noqa: BLE001 - such a module only adds no facts
        return None


# An import statement, with the parenthesised name list of a from-import.
_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+[.\w]+[ \t]+import[ \t]*(?:\([^)]*\)|[^\n]*)|import[ \t]+[^\n]*)",
    re.MULTILINE,
)


def _uses(path: str, carriers: dict[bytes, frozenset[bytes]]) -> bool:
    """Whether the file imports one of the modules named in ``carriers`` (by the last part of
    its name, a whole word) and names, through that import, one of the names a client can be
    reached through in that module: ``from M import client``, ``M.client``, ``alias.client``,
    or a star import of M."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return False
    if b"import" not in data:
        return False
    for statement in _IMPORT.finditer(data):
        text = statement.group(0)
        for word, names in carriers.items():
            if not re.search(rb"\b%s\b" % re.escape(word), text):
                continue
            head, _, imported = text.partition(b" import")
            if head.lstrip().startswith(b"from") and re.search(rb"\b%s\b" % re.escape(word), head):
                if b"*" in imported or any(
                    re.search(rb"\b%s\b" % re.escape(n), imported) for n in names
                ):
                    return True
                continue
            # The module itself is imported (``import pkg.M``, ``from pkg import M as alias``):
            # a client is reached as an attribute of it.
            spellings = {word, *re.findall(rb"\bas[ \t]+(\w+)", text)}
            attribute = rb"\b(?:%s)\.(?:%s)\b" % (
                b"|".join(re.escape(s) for s in spellings),
                b"|".join(re.escape(n) for n in names),
            )
            if re.search(attribute, data):
                return True
    return False


def gather_facts(
    results: list[FileResult],
    roots: Sequence[str],
    jobs: int = 1,
    options: MigrationOptions | None = None,
    mode: str = MODE_CHECK,
) -> list[FileResult]:
    """The results, with facts added for the modules that take part in how clients are used.

    A module takes part when it builds a client, or imports a module that takes part (it may
    use or re-export the client); the modules such a module imports are parsed too (a helper
    that receives the client). Only the names of modules that take part are searched for.

    Nothing here reads a file the run changed: a migrated module whose slice left out code that
    receives a client is analysed again whole from the bytes its result kept (``options`` and
    ``mode`` are the run's), and its result is replaced by that one."""
    if not any(r.facts is not None and r.facts.builds_clients for r in results):
        return (
            results  # no client built anywhere: nothing to follow (and no module names to work out)
        )
    by_path = {r.path: r for r in results}
    index = RunIndex([r.path for r in results], roots)
    position = {path: i for i, path in enumerate(index.paths)}
    tried = {r.path for r in results if r.facts is not None or r.status == FAILED}
    involved = {position[r.path] for r in results if r.facts is not None and r.facts.builds_clients}
    for _ in range(MAX_ROUNDS):
        reached = _reach(by_path, index, position)
        _complete_imported(by_path, index, position, jobs, reached, options, mode)
        # Modules that import an involved module are involved too (they use or re-export it).
        for path, result in by_path.items():
            file = position[path]
            if (
                result.facts is not None
                and file not in involved
                and index.imported_files(file, result.facts) & involved
            ):
                involved.add(file)
        # Other modules take part when they name, through an import, something of an involved
        # module that holds or returns a client; involved modules' helpers take part when they
        # are passed a client.
        carriers: dict[bytes, frozenset[bytes]] = {}
        wanted: set[int] = set()
        for file in involved:
            names, callees = reached.get(file, (frozenset(), frozenset()))
            if names:
                for name in index.names[file]:
                    word = name.rsplit(".", 1)[-1].encode()
                    carriers[word] = carriers.get(word, frozenset()) | {n.encode() for n in names}
            facts = by_path[index.paths[file]].facts
            if facts is not None:
                wanted |= index.imported_files(file, _calling(facts, callees))
        candidates = [
            p
            for p in index.paths
            if p not in tried and (position[p] in wanted or (carriers and _uses(p, carriers)))
        ]
        if not candidates:
            break
        tried.update(candidates)
        for path, facts in zip(candidates, _map(facts_for_file, candidates, jobs), strict=False):
            if facts is not None:
                by_path[path] = replace(by_path[path], facts=facts)
    _complete_imported(
        by_path, index, position, jobs, _reach(by_path, index, position), options, mode
    )
    return [by_path[r.path] for r in results]


Reached = dict[int, tuple[frozenset[str], frozenset[str]]]


def _reach(by_path: dict[str, FileResult], index: RunIndex, position: dict[str, int]) -> Reached:
    """``usage_graph.reach`` over every module with facts so far."""
    return reach([(position[p], r.facts) for p, r in by_path.items() if r.facts is not None], index)


def _calling(facts: ModuleFacts, callees: frozenset[str]) -> ModuleFacts:
    """The module's facts with only the imports it calls with a client as an argument."""
    return replace(facts, imports=tuple(i for i in facts.imports if i[0] in callees))


def _complete_imported(
    by_path: dict[str, FileResult],
    index: RunIndex,
    position: dict[str, int],
    jobs: int,
    reached: Reached,
    options: MigrationOptions | None,
    mode: str,
) -> None:
    """Whole-module facts for each sliced module (``ModuleFacts.partial``) that another module
    passes a client to.

    The migration read only the statements of a module a client can reach from within it; a
    module that imports one of its functions may pass a client in from outside."""
    called: set[int] = set()
    for path, result in by_path.items():
        if result.facts is not None:
            file = position[path]
            callees = reached.get(file, (frozenset(), frozenset()))[1]
            called |= index.imported_files(file, _calling(result.facts, callees)) - {file}
    partial = [
        index.paths[f]
        for f in sorted(called)
        if (r := by_path[index.paths[f]]).facts is not None and r.facts.partial
    ]
    again = [by_path[path] for path in partial if by_path[path].data is not None]
    options = options or MigrationOptions()
    for result in _map(retry_whole, again, jobs, [options] * len(again), [mode] * len(again)):
        by_path[result.path] = result
    # Results without their bytes (a run that settled every file without a parse has none).
    rest = [path for path in partial if by_path[path].data is None and by_path[path].facts.partial]
    for path, facts in zip(rest, _map(facts_for_file, rest, jobs), strict=False):
        if facts is not None:
            by_path[path] = replace(by_path[path], facts=facts)


def _map(function, items: list, jobs: int, *more: list) -> Iterable:  # type: ignore[no-untyped-def]
    if jobs <= 1 or len(items) < 8:
        return map(function, items, *more)
    with ProcessPoolExecutor(max_workers=min(jobs, len(items))) as pool:
        return list(pool.map(function, items, *more, chunksize=8))


def link(
    results: Sequence[FileResult], roots: Sequence[str]
) -> dict[tuple[str, int, int], ClientUsage]:
    """Each client's usage across every module of the run, keyed by (path, line, column)."""
    with_facts = [r for r in results if r.facts is not None]
    if not any(r.facts.builds_clients for r in with_facts):
        return {}
    # Only modules linked by imports to one that builds a client can move or use one.
    full = RunIndex([r.path for r in with_facts], roots)
    edges: dict[int, set[int]] = {i: set() for i in range(len(with_facts))}
    for i, r in enumerate(with_facts):
        for j in full.imported_files(i, r.facts):
            edges[i].add(j)
            edges[j].add(i)
    keep = {i for i, r in enumerate(with_facts) if r.facts.builds_clients}
    stack = list(keep)
    while stack:
        for j in edges[stack.pop()] - keep:
            keep.add(j)
            stack.append(j)
    with_facts = [r for i, r in enumerate(with_facts) if i in keep]
    index = RunIndex([r.path for r in with_facts], roots)
    flows = solve([(i, r.facts) for i, r in enumerate(with_facts)], index)
    out: dict[tuple[str, int, int], ClientUsage] = {}
    for (file, line, column), flow in flows.items():

        def path_of(other: int, own: int = file) -> str | None:
            return None if other == own else with_facts[other].path

        out[(with_facts[file].path, line, column)] = usage_from_flow(
            flow, path_of, "the files analysed"
        )
    return out


def linked_clients(
    results: Sequence[FileResult], roots: Sequence[str]
) -> list[tuple[str, ClientRecord]]:
    """Every client record of the run, its usage replaced by what the whole run shows."""
    usage = link(results, roots)
    out: list[tuple[str, ClientRecord]] = []
    for result in results:
        for client in result.clients:
            found = usage.get((result.path, client.line, client.column))
            if found is not None:
                client = replace(
                    client,
                    binding=found.binding or client.binding,
                    calls=tuple(found.calls),
                    usage_known=found.known,
                    usage_note=found.note,
                )
            out.append((result.path, client))
    return out
