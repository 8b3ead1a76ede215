"""The files around the code, once per run after the code: dependency files and key configuration.

* Project roots: for each migrated file, the nearest directory above it that declares
  dependencies, looking no higher than the repository (the directory with ``.git``; without
  one, the path the run was given). Dependency files are edited per root
  (``migrator.dependencies``); a migrated file with no root above it is reported.
* Key configuration (``migrator.keyconfig``) is looked for under each project root, and in
  the repository's top directory, ``.github/workflows``, ``infra`` and ``.azure``.

Results are ordinary ``FileResult``s, so every report format, ``--check`` and ``--dry-run``
treat a dependency file like any other file; nothing here prints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from codemods.findings import KEYLESS, MANUAL, MIGRATED, REVIEW, Notice
from codemods.sdks import Dependency
from codemods.targets import SPECS
from migrator import keyconfig, token_versions
from migrator.engine import (
    CHANGED,
    FAILED,
    MODE_DIFF,
    MODE_WRITE,
    UNCHANGED,
    FileResult,
    unified_diff,
)
from migrator.given_paths import edits_as_findings, is_given

if TYPE_CHECKING:
    from migrator.dependencies import Need

_SPEC_BY_LABEL = {spec.label: spec for spec in SPECS}
REPOSITORY_PLACES = (".github/workflows", "infra", ".azure")


def _boundary(path: Path, given: list[Path]) -> Path:
    """How high to look above ``path``: its repository's top, else the given path holding it."""
    holders = [g for g in given if g == path or g in path.parents]
    base = max(holders, key=lambda g: len(g.parts)) if holders else path.parent
    if not base.is_dir():
        base = base.parent
    for directory in (base, *base.parents):
        if (directory / ".git").exists():
            return directory
    return base


def _given_base(path: Path, given: list[Path]) -> Path:
    """The directory of the given path that holds ``path`` (a given file: its directory)."""
    holders = [g for g in given if g == path or g in path.parents]
    base = max(holders, key=lambda g: len(g.parts)) if holders else path.parent
    return base if base.is_dir() else base.parent


def _project_root(path: Path, boundary: Path) -> Path | None:
    from migrator import dependencies

    directory = path.parent
    while True:
        if dependencies.declaring_files(directory):
            return directory
        if directory == boundary or boundary not in directory.parents:
            return None
        directory = directory.parent


@dataclass
class _Pending:
    old: bytes | None = None
    new: bytes | None = None
    notices: list[Notice] = field(default_factory=list)


def post_run(
    paths: list[str],
    results: list[FileResult],
    mode: str,
    listing: keyconfig.Listing | None = None,
    edit_dependency_files: bool = False,
) -> list[FileResult]:
    """The project files' results; ``listing``: the directories the discovery walk listed (the
    key-configuration scan lists only the others). A dependency file that was not given is
    edited only with ``edit_dependency_files`` (see ``migrator.given_paths``)."""
    given = [Path(p).absolute() for p in paths]
    shown = list(zip(paths, given, strict=True))
    with_clients = [r for r in results if any(c.outcome in (MIGRATED, KEYLESS) for c in r.clients)]
    if not with_clients:
        return []
    # Loaded only now: its version parser and TOML editor cost a run with no client ~30 ms.
    from migrator import dependencies

    pending: dict[Path, _Pending] = {}

    def add(
        path: Path, notices: list[Notice], old: bytes | None = None, new: bytes | None = None
    ) -> None:
        entry = pending.setdefault(path, _Pending())
        entry.notices += notices
        if old is not None and new is not None and (entry.new is None or new != old):
            entry.old, entry.new = old, new

    # -- dependency files, per project root --------------------------------------------------------
    boundaries: dict[Path, Path] = {}
    roots: dict[Path, Path | None] = {}
    for result in with_clients:
        path = Path(result.path).absolute()
        boundaries[path] = _boundary(path, given)
        roots[path] = _project_root(path, boundaries[path])
    grouped: dict[Path, list[FileResult]] = {}
    missing: dict[Path, list[FileResult]] = {}
    for result in with_clients:
        if result.status != CHANGED or not any(c.outcome == MIGRATED for c in result.clients):
            continue
        path = Path(result.path).absolute()
        root = roots[path]
        (
            grouped.setdefault(root, [])
            if root is not None
            else missing.setdefault(boundaries[path], [])
        ).append(result)
    for root, group in sorted(grouped.items()):
        for change in dependencies.update_root(root, _needs(group, _pins(root))):
            if edit_dependency_files or change.old == change.new or is_given(change.path, given):
                add(change.path, change.notices, change.old, change.new)
            else:
                add(
                    change.path,
                    edits_as_findings(change.path.name, change.old, change.new, change.notices),
                )
    for boundary, group in sorted(missing.items()):
        needs = ", ".join(f"{n.name}>={n.minimum}" for n in _needs(group) if n.add_if_missing)
        files = ", ".join(os.path.relpath(Path(r.path).absolute(), boundary) for r in group[:3])
        more = f" and {len(group) - 3} more" if len(group) > 3 else ""
        add(
            boundary,
            [
                Notice(
                    1,
                    0,
                    dependencies.RULE_MISSING_FILE,
                    "no dependency file "
                    "(requirements*.txt, pyproject.toml, setup.cfg, environment.yml) declares "
                    f"the packages of {files}{more}: declare {needs}",
                )
            ],
        )

    # -- key configuration ----------------------------------------------------------------------
    # Searched through: the trees the run was given. Looked at only at their top (no walk
    # through a whole monorepo): the repository's top and its usual places, and each project root.
    scopes: dict[Path, tuple[set[Path], set[Path]]] = {}
    for result in with_clients:
        path = Path(result.path).absolute()
        walked, tops = scopes.setdefault(boundaries[path], (set(), set()))
        walked.add(_given_base(path, given))
        if roots[path] is not None:
            tops.add(roots[path])
    v1 = any(
        _SPEC_BY_LABEL.get(c.cls) is not None and _SPEC_BY_LABEL[c.cls].token_replaces_key_in_place
        for r in with_clients
        for c in r.clients
    )
    extra = frozenset({"OPENAI_API_KEY"}) if v1 else frozenset()
    left = [(r.path, c) for r in results for c in r.clients if c.outcome in (MANUAL, REVIEW)]
    note = ""
    if left:
        note = (
            f" ({len(left)} client{'s' if len(left) > 1 else ''} "
            f"left as {'they are' if len(left) > 1 else 'it is'} may still need it)"
        )
    listing = listing or keyconfig.Listing()
    for boundary, (walked, tops) in sorted(scopes.items()):
        recursive = sorted(w for w in walked if not any(o in w.parents for o in walked))
        shallow = sorted({boundary, *tops, *(boundary / place for place in REPOSITORY_PLACES)})
        for finding in keyconfig.scan(recursive, shallow, extra, note, listing):
            add(finding.path, [finding.notice])

    return [_result(_display(path, shown), entry, mode) for path, entry in sorted(pending.items())]


def _needs(group: list[FileResult], pins: list[token_versions.Pin] = ()) -> list[Need]:
    from migrator import dependencies

    migrated = [c for r in group for c in r.clients if c.outcome == MIGRATED]
    declared = [
        dep
        for c in migrated
        if (spec := _SPEC_BY_LABEL.get(c.cls)) is not None
        for dep in spec.needs
    ]
    # The first releases with the token argument: a declared constraint (not a bare name) that
    # allows older releases gets the lower bound (one that excludes it left the file as it was,
    # ``hold_old_pins``).
    constrained = {p.name for p in pins if p.spec.strip() not in ("", "*")}
    declared += [
        Dependency(f.distribution, f.minimum, f"{f.what} needs it", add_if_missing=False)
        for f in token_versions.needs(migrated)
        if f.distribution in constrained
    ]
    # Nothing the migration writes uses azure.identity.aio (async code runs the sync credential
    # in a worker thread), so it adds no need for aiohttp.
    from codemods.openai_v0 import RULE_REWRITTEN

    # openai 0.x code rewritten to the 1.x client (codemods.openai_v0): its 0.x pin goes too.
    rewritten = any(n.rule == RULE_REWRITTEN for r in group for n in r.notices)
    return dependencies.needs_for(bool(migrated), False, False, declared, rewritten)


def hold_old_pins(results: list[FileResult], paths: list[str]) -> list[FileResult]:
    """Changed files left as they are where the project pins an SDK to releases before the
    token argument the migration wrote (``migrator.token_versions``): between the analysis and
    the phases that act on what other modules' migrations did."""
    from codemods.openai_v0 import RULE_REWRITTEN

    given = [Path(p).absolute() for p in paths]
    roots: dict[Path, Path | None] = {}  # a file's directory -> its project root
    pins_at: dict[Path | None, list[token_versions.Pin]] = {}
    out = []
    for result in results:
        if result.status != CHANGED or not token_versions.needs(list(result.clients)):
            out.append(result)
            continue
        path = Path(result.path).absolute()
        if path.parent not in roots:
            roots[path.parent] = _project_root(path, _boundary(path, given))
        root = roots[path.parent]
        if root not in pins_at:
            pins_at[root] = _pins(root)
        pins = pins_at[root]
        if any(n.rule == RULE_REWRITTEN for n in result.notices):
            # openai 0.x code rewritten to 1.x: its openai pin is replaced with the rest
            # (``_needs``); the rewrite already refused pins that need the 0.x API.
            pins = [p for p in pins if p.name != "openai"]
        kept = token_versions.held(result.clients, result.data or b"", pins)
        if kept is None:
            out.append(result)
            continue
        clients, notices = kept
        literal = tuple(n for n in result.notices if n.rule == "literal-key")
        out.append(
            replace(
                result,
                status=UNCHANGED,
                clients=clients,
                notices=tuple(sorted(literal + tuple(notices), key=lambda n: (n.line, n.column))),
                diff=None,
                new=None,
            )
        )
    return out


def _pins(root: Path | None) -> list[token_versions.Pin]:
    """What the root's runtime dependency files declare (not a development list, not an
    optional extra)."""
    from migrator import dependencies

    if root is None:
        return []
    return [
        token_versions.Pin(e.name, e.spec, e.flavor, f.path.name)
        for f in dependencies.declaring_files(root)
        if not f.dev_only
        for e in f.entries() or []
        if e.group in ("", "conda", "pip")
    ]


def _display(path: Path, given: list[tuple[str, Path]]) -> str:
    """``path`` spelled from the given path that holds it, as discovery spells the files it
    finds."""
    holders = [(raw, g) for raw, g in given if g == path or g in path.parents]
    if holders:
        raw, base = max(holders, key=lambda h: len(h[1].parts))
        return raw if base == path else os.path.join(raw, os.path.relpath(path, base))
    if all(not Path(raw).is_absolute() for raw, _ in given):
        relative = os.path.relpath(path)
        return relative if not relative.startswith("..") else str(path)
    return str(path)


def _result(path: str, entry: _Pending, mode: str) -> FileResult:
    notices = tuple(sorted(entry.notices, key=lambda n: (n.line, n.column)))
    if entry.old is None or entry.new is None or entry.old == entry.new:
        return FileResult(path, UNCHANGED, notices=notices, kind=PROJECT)
    diff = unified_diff(path, entry.old, entry.new) if mode == MODE_DIFF else None
    written = False
    if mode == MODE_WRITE:
        from migrator.fsio import atomic_write

        try:
            atomic_write(Path(path), entry.new, expected=entry.old)
        except Exception as exc:  # noqa: BLE001 - reported as this file's failure
            return FileResult(
                path, FAILED, notices=notices, error=f"cannot write: {exc}", kind=PROJECT
            )
        written = True
    return FileResult(path, CHANGED, notices=notices, diff=diff, written=written, kind=PROJECT)


PROJECT = "project"
