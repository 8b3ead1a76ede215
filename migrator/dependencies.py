"""Declared dependencies kept in step with what the migrated code now imports.

Once per run, per project root (the nearest directory above a migrated file that declares
dependencies):

* code that now uses ``azure.identity`` needs ``azure-identity>=1.15.0`` (the first release with
  ``get_bearer_token_provider``, sync and ``aio``, per the package's release history);
* code that now uses ``azure.identity.aio`` also needs ``aiohttp`` (azure-core's async transport;
  azure-core's own ``aio`` extra asks for ``aiohttp>=3.0``);
* ``OpenAI(api_key=<token provider>)`` needs openai 1.106.0 or later (a callable ``api_key``):
  a lower bound is raised, a pin that excludes it is reported, never changed;
* code rewritten from the openai 0.x API to the 1.x client (``codemods.openai_v0``) needs openai
  1.x: there, and only there, a 0.x pin (``openai==0.28.1``, ``openai<1``) is replaced (the
  rewrite itself does not happen when another pin needs the 0.x API).

Files are edited one line or one array item at a time, so their layout and comments stay:
requirements files, setup.cfg and environment.yml as text (``migrator.dependency_layouts``),
``pyproject.toml`` with tomlkit (``migrator.pyproject_layouts``); whether a declared constraint
already allows what the code needs is decided by ``packaging`` (``migrator.versions``). What
cannot be edited that way is reported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from codemods.findings import Notice
from migrator import pyproject_layouts
from migrator.dependency_layouts import (  # noqa: F401 - the names tests and callers import
    Entry,
    Layout,
    environment_layout,
    requirements_layout,
    setup_cfg_layout,
)
from migrator.pyproject_layouts import poetry_layout, project_layout
from migrator.versions import Verdict, decide, normalize  # noqa: F401

AZURE_IDENTITY_MIN = "1.15.0"
AIOHTTP_MIN = "3.0"
OPENAI_CALLABLE_KEY_MIN = "1.106.0"
OPENAI_V1_MIN = "1.0.0"

RULE_ADDED = "dependency-added"
RULE_RAISED = "dependency-raised"
RULE_PINNED = "dependency-pinned"
RULE_MANUAL = "dependency-manual"
RULE_MISSING_FILE = "no-dependency-file"


@dataclass(frozen=True)
class Need:
    name: str  # normalized distribution name
    minimum: str
    why: str
    add_if_missing: bool = True
    # A constraint that excludes ``minimum`` is replaced by ``>=minimum`` (else: reported).
    replaces_pin: bool = False


def needs_for(
    identity: bool,
    aio: bool,
    callable_key: bool,
    sdk_needs: list | tuple = (),
    openai_v1: bool = False,
) -> list[Need]:
    """What the migrated code needs: azure-identity (and aiohttp for aio), and what the migrated
    clients' SDK modules declare (``sdk_needs``, ``codemods.sdks.Dependency``; ``callable_key``:
    openai's callable api_key; ``openai_v1``: code rewritten from the openai 0.x API)."""
    from codemods.sdks.openai import CALLABLE_KEY

    needs: list[Need] = []
    if openai_v1:
        needs.append(
            Need(
                "openai",
                OPENAI_V1_MIN,
                "the code was rewritten from the openai 0.x API to the 1.x client",
                add_if_missing=False,
                replaces_pin=True,
            )
        )
    if identity:
        needs.append(
            Need(
                "azure-identity",
                AZURE_IDENTITY_MIN,
                "the migrated code imports azure.identity "
                f"(get_bearer_token_provider needs azure-identity {AZURE_IDENTITY_MIN} or later)",
            )
        )
    if aio:
        needs.append(
            Need(
                "aiohttp",
                AIOHTTP_MIN,
                "the migrated code uses azure.identity.aio, whose credentials "
                "cannot fetch a token without aiohttp",
            )
        )
    declared = list(sdk_needs) + ([CALLABLE_KEY] if callable_key else [])
    for dep in dict.fromkeys(declared):
        needs.append(Need(dep.name, dep.minimum, dep.why, add_if_missing=dep.add_if_missing))
    return needs


# ================================================================================================
# One file: make it declare what the code needs
# ================================================================================================


@dataclass
class FileChange:
    path: Path
    old: bytes
    new: bytes
    notices: list[Notice] = field(default_factory=list)


def _insertion_point(
    entries: list[Entry], name: str, prefer: str | None
) -> tuple[Entry | None, bool]:
    """Where a new entry goes: its sorted place in a sorted list, else after ``prefer`` / openai /
    the last."""
    names = [e.name for e in entries]
    if len(names) > 2 and names == sorted(names):  # two in order may be chance
        following = next((e for e in entries if e.name > name), None)
        return (following, True) if following is not None else (entries[-1], False)
    for wanted in (prefer, "openai"):
        anchor = next((e for e in reversed(entries) if e.name == wanted), None)
        if anchor is not None:
            return anchor, False
    return (entries[-1], False) if entries else (None, False)


def ensure(
    text: str, layout_of: Callable[[str], Layout | None], needs: list[Need], label: str
) -> tuple[str, list[Notice]]:
    """``text`` edited so it declares ``needs``, and what was done or must be done by hand."""
    # (package, which of its entries, rule, message, severity); lines resolved at the end
    found: list[tuple[str, int, str, str, str]] = []
    added: str | None = None
    for need in needs:
        layout = layout_of(text)
        if layout is None:
            break
        declared = [e for e in layout.entries if e.name == need.name]
        if not declared:
            if not need.add_if_missing:
                continue
            anchor, before = _insertion_point(
                [e for e in layout.entries if e.group == _group_for(layout, need)]
                or layout.entries,
                need.name,
                added,
            )
            new = layout.insert(text, need.name, need.minimum, anchor, before)
            if new is None:
                found.append(
                    (
                        need.name,
                        0,
                        RULE_MANUAL,
                        f"add {need.name}>={need.minimum} to {label} by hand: {need.why}",
                        "warning",
                    )
                )
                continue
            text = new
            added = need.name
            found.append(
                (need.name, 0, RULE_ADDED, f"added {need.name} to {label}: {need.why}", "info")
            )
            continue
        # Every declaration of the package is checked (pyproject.toml: its extras too).
        for index in range(len(declared)):
            layout = layout_of(text)  # the text may have changed
            entries = [e for e in layout.entries if e.name == need.name] if layout else []
            if index >= len(entries):
                break
            text = _check(text, layout, entries[index], need, index, found)
    final = layout_of(text)
    lines: dict[tuple[str, int], int] = {}
    for entry in final.entries if final is not None else []:
        index = sum(1 for name, _ in lines if name == entry.name)
        lines[(entry.name, index)] = entry.line + 1
    return text, [
        _note(lines.get((name, index), 1), rule, message, severity)
        for name, index, rule, message, severity in found
    ]


def _check(
    text: str,
    layout: Layout,
    entry: Entry,
    need: Need,
    index: int,
    found: list[tuple[str, int, str, str, str]],
) -> str:
    """``text`` with ``entry``'s constraint raised to ``need`` when it can be; what was found."""
    verdict = decide(entry.spec, entry.flavor, need.minimum)
    if verdict.kind == "ok":
        return text
    declared = f"{need.name}{_shown(entry)}"
    new: str | None = None
    if verdict.kind in ("excluded", "pinned") and need.replaces_pin and entry.editable:
        verdict = Verdict("raise", f">={need.minimum}")
    if verdict.kind == "raise" and entry.editable and verdict.new_spec is not None:
        if layout.set_spec is not None:
            new = layout.set_spec(text, entry, verdict.new_spec)
        else:
            new = text[: entry.spec_start] + verdict.new_spec + text[entry.spec_end :]
    if new is not None:
        found.append(
            (
                need.name,
                index,
                RULE_RAISED,
                f"raised {declared} to {verdict.new_spec.strip()}: {need.why}",
                "info",
            )
        )
        return new
    if verdict.kind in ("excluded", "pinned"):
        what = "excludes" if verdict.kind == "excluded" else "pins versions before"
        found.append(
            (
                need.name,
                index,
                RULE_PINNED,
                f"{declared} {what} {need.minimum}: {need.why}; change the "
                "constraint by hand (an exact pin is never changed for you)",
                "warning",
            )
        )
    else:
        found.append(
            (
                need.name,
                index,
                RULE_MANUAL,
                f"{declared} cannot be checked here: make sure it allows "
                f"{need.minimum} or later ({need.why})",
                "warning",
            )
        )
    return text


def _group_for(layout: Layout, need: Need) -> str:
    """environment.yml: a new pip package goes where openai is declared (pip, else conda)."""
    if layout.flavor != "conda":
        return ""  # pyproject.toml: a new package goes into the dependencies, not an extra
    openai = next((e for e in layout.entries if e.name == "openai"), None)
    if openai is not None:
        return openai.group
    return "pip" if any(e.group == "pip" for e in layout.entries) else ""


def _shown(entry: Entry) -> str:
    spec = entry.spec.strip()
    if entry.flavor == "poetry":
        return f' = "{spec}"'
    return spec if not spec or spec[0] in "<>=!~^" else f" {spec}"


def _note(line: int, rule: str, message: str, severity: str = "warning") -> Notice:
    return Notice(line, 0, rule, message, severity)


# ================================================================================================
# A project root: which of its files to edit
# ================================================================================================

_DEV_NAME = re.compile(
    r"(^|[-_.])(dev|test|tests|testing|lint|docs?|ci|typing|mypy|build)([-_.]|$)", re.IGNORECASE
)
_COMPILED = re.compile(
    r"autogenerated by (pip-compile|uv)|uv pip compile|pip-compile", re.IGNORECASE
)


@dataclass
class DependencyFile:
    path: Path
    kind: str  # requirements | pyproject | setup.cfg | environment | setup.py | Pipfile
    text: str
    # Set when the file is reached through a symbolic link (the file itself, or its
    # requirements/ folder): what the link is. Such a file is read, never written.
    link: str | None = None

    def layouts(self) -> list[tuple[str, Callable[[str], Layout | None]]]:
        if self.kind == "requirements":
            return [("requirements", requirements_layout)]
        if self.kind == "pyproject":
            if project_layout(self.text) is not None:
                return [("[project] dependencies", project_layout)]
            return [("[tool.poetry.dependencies]", poetry_layout)]
        if self.kind == "setup.cfg":
            return [("[options] install_requires", setup_cfg_layout)]
        if self.kind == "environment":
            return [("dependencies", environment_layout)]
        return []

    def entries(self) -> list[Entry] | None:
        """The declared entries; None when this file declares no dependency list."""
        for _, layout_of in self.layouts():
            layout = layout_of(self.text)
            if layout is not None:
                return layout.entries
        if self.kind in ("setup.py", "Pipfile") and re.search(r"openai", self.text):
            return []
        if self.kind == "pyproject" and self.unreadable and "dependencies" in self.text:
            return []  # reported, never edited
        return None

    @property
    def unreadable(self) -> bool:
        """A pyproject.toml that is not valid TOML: tomlkit cannot edit it."""
        return self.kind == "pyproject" and pyproject_layouts.parse(self.text) is None

    @property
    def dev_only(self) -> bool:
        return self.kind == "requirements" and bool(
            _DEV_NAME.search(self.path.stem.replace("requirements", ""))
        )


def dependency_files(directory: Path) -> list[DependencyFile]:
    candidates: list[tuple[Path, str]] = []
    for path in sorted(directory.iterdir()) if directory.is_dir() else []:
        name = path.name
        if not path.is_file():
            if name == "requirements" and path.is_dir():
                candidates += [
                    (p, "requirements")
                    for p in sorted(path.glob("*.txt")) + sorted(path.glob("*.in"))
                    if p.is_file()
                ]
            continue
        if name == "pyproject.toml":
            candidates.append((path, "pyproject"))
        elif name == "setup.cfg":
            candidates.append((path, "setup.cfg"))
        elif name in ("environment.yml", "environment.yaml"):
            candidates.append((path, "environment"))
        elif name in ("setup.py", "Pipfile"):
            candidates.append((path, name))
        elif (
            name.startswith("requirements")
            and name.endswith((".txt", ".in"))
            or name.endswith("-requirements.txt")
        ):
            candidates.append((path, "requirements"))
    files: list[DependencyFile] = []
    for path, kind in candidates:
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        files.append(DependencyFile(path, kind, text, _link(path, directory)))
    return files


def _link(path: Path, directory: Path) -> str | None:
    """What makes writing ``path`` go elsewhere: it, or a folder between it and ``directory``,
    is a symbolic link."""
    current = path
    while current != directory and directory in current.parents:
        if current.is_symlink():
            shown = current.relative_to(directory).as_posix()
            return f"{shown} is a symbolic link (to {os.readlink(current)})"
        current = current.parent
    return None


def declaring_files(directory: Path) -> list[DependencyFile]:
    return [f for f in dependency_files(directory) if f.entries() is not None]


def update_root(root: Path, needs: list[Need]) -> list[FileChange]:
    """Edit the dependency files of one project root; what changed and what to do by hand."""
    files = declaring_files(root)
    changes: list[FileChange] = []
    # A compiled requirements file is edited through its .in source.
    sources = {
        f.path.with_suffix(".in")
        for f in files
        if f.kind == "requirements" and f.path.suffix == ".in"
    }
    usable: list[DependencyFile] = []
    for f in files:
        if f.kind == "requirements" and f.path.suffix == ".txt" and _COMPILED.search(f.text[:2000]):
            source = f.path.with_suffix(".in")
            where = (
                f"{source.name}, then recompile"
                if source in sources
                else "its source, then recompile"
            )
            changes.append(
                _report(
                    f,
                    RULE_MANUAL,
                    f"{f.path.name} is generated (pip-compile): add the packages to {where}",
                )
            )
            continue
        if f.kind == "requirements" and "--hash" in f.text:
            changes.append(
                _report(
                    f,
                    RULE_MANUAL,
                    f"{f.path.name} pins hashes: add {_list(needs)} with their hashes by hand",
                )
            )
            continue
        usable.append(f)
    declares_openai = [f for f in usable if any("openai" in e.name for e in f.entries() or [])]
    targets = declares_openai or usable
    runtime = [f for f in targets if not f.dev_only]
    targets = runtime or targets
    openai_need = next((n for n in needs if n.name == "openai"), None)
    if (
        openai_need is not None
        and targets
        and not targets[0].unreadable  # reported as such: what it declares is unknown
        and not any(e.name == "openai" for f in targets for e in f.entries() or [])
    ):
        first = targets[0]
        changes.append(
            _report(
                first,
                RULE_MANUAL,
                f"openai is not declared in {first.path.name}: {openai_need.why}; "
                f"declare openai>={openai_need.minimum}",
            )
        )
    for f in targets:
        if f.unreadable:
            message = f"{f.path.name} is not valid TOML: add {_list(needs)} by hand"
            changes.append(_report(f, RULE_MANUAL, message))
            continue
        if f.kind in ("setup.py", "Pipfile"):
            changes.append(
                _report(
                    f,
                    RULE_MANUAL,
                    f"{f.path.name} is not edited by this tool: add {_list(needs)} by hand",
                )
            )
            continue
        text = f.text
        notices: list[Notice] = []
        for label, layout_of in f.layouts():
            if layout_of(text) is None:
                continue
            text, found = ensure(
                text,
                layout_of,
                needs,
                f"{f.path.name} {label}" if f.kind == "pyproject" else f.path.name,
            )
            notices += found
            break
        if f.link is not None and text != f.text:
            # Never written through a link: its target may be outside the tree.
            message = f"{f.link}: not written through a link; add {_list(needs)} there by hand"
            changes.append(_report(f, RULE_MANUAL, message))
            continue
        old = f.text.encode("utf-8")
        changes.append(FileChange(f.path, old, text.encode("utf-8"), notices))
    return changes


def _report(f: DependencyFile, rule: str, message: str) -> FileChange:
    data = f.text.encode("utf-8")
    return FileChange(f.path, data, data, [_note(1, rule, message)])


def _list(needs: list[Need]) -> str:
    return ", ".join(f"{n.name}>={n.minimum}" for n in needs if n.add_if_missing) or "the packages"
