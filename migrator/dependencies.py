"""Declared dependencies kept in step with what the migrated code now imports.

Once per run, per project root (the nearest directory above a migrated file that declares
dependencies):

* code that now uses ``azure.identity`` needs ``azure-identity>=1.15.0`` (the first release with
  ``get_bearer_token_provider``, sync and ``aio``, per the package's release history);
* code that now uses ``azure.identity.aio`` also needs ``aiohttp`` (azure-core's async transport;
  azure-core's own ``aio`` extra asks for ``aiohttp>=3.0``);
* ``OpenAI(api_key=<token provider>)`` needs openai 1.106.0 or later (a callable ``api_key``):
  a lower bound is raised, a pin that excludes it is reported, never changed.

Files are edited as text, one line or one array item at a time, so their layout and comments
stay; TOML and YAML are never re-serialized. What cannot be edited that way is reported.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from codemods.findings import Notice

AZURE_IDENTITY_MIN = "1.15.0"
AIOHTTP_MIN = "3.0"
OPENAI_CALLABLE_KEY_MIN = "1.106.0"

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


def needs_for(
    identity: bool, aio: bool, callable_key: bool, sdk_needs: list | tuple = ()
) -> list[Need]:
    """What the migrated code needs: azure-identity (and aiohttp for aio), and what the migrated
    clients' SDK modules declare (``sdk_needs``, ``codemods.sdks.Dependency``; ``callable_key``:
    openai's callable api_key)."""
    from codemods.sdks.openai import CALLABLE_KEY

    needs: list[Need] = []
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


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# ================================================================================================
# Versions and constraints
# ================================================================================================


def _release(version: str) -> tuple[int, ...]:
    match = re.match(r"\s*v?(?:\d+!)?(\d+(?:\.\d+)*)", version)
    return tuple(int(p) for p in match.group(1).split(".")) if match else ()


def _cmp(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    width = max(len(a), len(b))
    a, b = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    return (a > b) - (a < b)


def _bump(release: tuple[int, ...], index: int) -> tuple[int, ...]:
    release = release + (0,) * (index + 1 - len(release))
    return release[:index] + (release[index] + 1,)


@dataclass(frozen=True)
class _Clause:
    op: str  # >=, >, <=, <, ==, ===, !=, ~=, ^, ~ (poetry), =* (prefix match: ==1.2.*, conda =1.2)
    version: str
    text: str  # as written


_PEP440_CLAUSE = re.compile(r"(~=|===|==|!=|<=|>=|<|>)\s*([A-Za-z0-9.*+!_-]+)")
_POETRY_CLAUSE = re.compile(r"(\^|~=|~|===|==|!=|<=|>=|<|>|=)?\s*([A-Za-z0-9.*+!_-]+)")


def _clauses(spec: str, flavor: str) -> list[_Clause] | None:
    """The constraint's clauses (all must hold); None when it is not understood (or has an OR)."""
    spec = spec.strip().strip("()").strip()
    if not spec or spec == "*":
        return []
    if "||" in spec or "|" in spec:
        return None
    parts = [
        p
        for p in re.split(r"\s*,\s*" if flavor == "pep508" else r"\s*,\s*|\s+(?=[<>=!~^])", spec)
        if p
    ]
    out: list[_Clause] = []
    for index, part in enumerate(parts):
        if flavor == "pep508":
            match = _PEP440_CLAUSE.fullmatch(part)
            if not match:
                return None
            op, version = match.groups()
        else:
            match = _POETRY_CLAUSE.fullmatch(part)
            if not match:
                return None
            op, version = match.group(1) or "", match.group(2)
            if flavor == "conda" and op in ("", "=") and index == 0:
                op = "=*"  # conda: "=1.2" and "1.2" match 1.2.*
            elif op in ("", "=") and version != "*":
                op = "=="  # poetry: a bare version is an exact pin
        if version.endswith(".*"):
            op, version = "=*", version[:-2]
        elif op == "==" and version.endswith("*"):
            op, version = "=*", version.rstrip(".*")
        out.append(_Clause(op, version, part))
    return out


@dataclass(frozen=True)
class Verdict:
    kind: str  # "ok", "raise" (new_spec set), "excluded" (a pin or ceiling rules the minimum out), "pinned", "unknown"
    new_spec: str | None = None


def decide(spec: str, flavor: str, minimum: str) -> Verdict:
    """What to do with a declared constraint so that it allows only ``minimum`` or later."""
    clauses = _clauses(spec, flavor)
    if clauses is None:
        return Verdict("unknown")
    need = _release(minimum)
    low: tuple[int, ...] | None = None
    low_clause: _Clause | None = None
    high: tuple[int, ...] | None = None
    high_inclusive = False
    for c in clauses:
        v = _release(c.version)
        if not v:
            return Verdict("unknown")
        bounds: list[tuple[str, tuple[int, ...], bool]] = []
        if c.op in (">=", ">"):
            bounds.append(("low", v, True))
        elif c.op in ("<", "<="):
            bounds.append(("high", v, c.op == "<="))
        elif c.op in ("==", "==="):
            bounds += [("low", v, True), ("high", v, True)]
        elif c.op == "=*":
            bounds += [("low", v, True), ("high", _bump(v, len(v) - 1), False)]
        elif c.op == "~=":
            bounds += [("low", v, True), ("high", _bump(v, max(len(v) - 2, 0)), False)]
        elif c.op == "^":
            first = next((i for i, p in enumerate(v) if p), len(v) - 1)
            bounds += [("low", v, True), ("high", _bump(v, first), False)]
        elif c.op == "~":
            bounds += [("low", v, True), ("high", _bump(v, 1 if len(v) > 1 else 0), False)]
        for side, value, inclusive in bounds:
            if side == "low" and (low is None or _cmp(value, low) > 0):
                low, low_clause = value, c
            if side == "high" and (high is None or _cmp(value, high) < 0):
                high, high_inclusive = value, inclusive
    if low is not None and _cmp(low, need) >= 0:
        return Verdict("ok")
    if high is not None and (
        _cmp(high, need) < 0 or (_cmp(high, need) == 0 and not high_inclusive)
    ):
        return Verdict("excluded")
    if low_clause is None:
        if flavor == "poetry" and spec.strip() in ("", "*"):
            return Verdict("raise", f">={minimum}")
        rest = spec.strip()
        return Verdict("raise", f">={minimum}" + (f",{rest}" if rest else ""))
    if low_clause.op in (">=", ">"):
        return Verdict("raise", spec.replace(low_clause.text, f">={minimum}", 1))
    if low_clause.op == "^":
        return Verdict("raise", spec.replace(low_clause.text, f"^{minimum}", 1))
    if low_clause.op == "~=" and len(_release(low_clause.version)) == 2:
        major_minor = ".".join(str(p) for p in need[:2])
        return Verdict("raise", spec.replace(low_clause.text, f"~={major_minor}", 1))
    return Verdict("pinned")


# ================================================================================================
# Dependency files: entries found in the text, and how to add one
# ================================================================================================


@dataclass(frozen=True)
class Entry:
    name: str  # normalized
    spec: str
    spec_start: int  # where the constraint is in the file's text (an empty span when there is none)
    spec_end: int
    line: int  # 0-based line of the entry's start
    end_line: int  # 0-based line of its end
    flavor: str  # pep508 | poetry | conda
    editable: bool = True
    group: str = ""  # environment.yml: "conda" or "pip"


@dataclass
class Layout:
    """The entries of one file's dependency list and how to insert a new one."""

    entries: list[Entry]
    insert: Callable[
        [str, str, str, Entry | None, bool], str | None
    ]  # (text, name, minimum, anchor, before)
    flavor: str = "pep508"


def _newline(text: str) -> str:
    match = re.search(r"\r\n|\r|\n", text)
    return match.group(0) if match else "\n"


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for match in re.finditer(r"\r\n|\r|\n", text):
        starts.append(match.end())
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _insert_line(text: str, index: int, content: str) -> str:
    """``text`` with ``content`` as a new line at 0-based line ``index``, in the file's newline."""
    nl = _newline(text)
    starts = _line_starts(text)
    if index >= len(starts) or (index == len(starts) - 1 and starts[-1] == len(text)):
        # After the last line.
        if text and not text.endswith(("\n", "\r")):
            return text + nl + content  # the file had no final newline: it still has none
        return text + content + nl
    return text[: starts[index]] + content + nl + text[starts[index] :]


def _requirement(body: str, offset: int, line: int) -> Entry | None:
    """A PEP 508 requirement (``name[extras] spec ; marker``) at ``offset`` in the file."""
    match = re.match(
        r"\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?\s*(?P<spec>[^;@]*?)\s*(?:;.*)?$",
        body,
    )
    if not match:
        return None
    spec = match.group("spec")
    if spec:
        start, end = offset + match.start("spec"), offset + match.end("spec")
    else:
        after = match.end("extras") if match.group("extras") else match.end("name")
        start = end = offset + after
    return Entry(normalize(match.group("name")), spec, start, end, line, line, "pep508")


# -- requirements*.txt / *.in -------------------------------------------------------------------------


def requirements_layout(text: str) -> Layout | None:
    entries: list[Entry] = []
    starts = _line_starts(text)
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(text)
        line = text[start:end].rstrip("\r\n")
        body = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]
        if not body.strip() or body.lstrip().startswith("-") or "://" in body or "@" in body:
            continue
        entry = _requirement(body, start, number)
        if entry is not None:
            entries.append(entry)

    def insert(
        text: str, name: str, minimum: str, anchor: Entry | None, before: bool
    ) -> str | None:
        content = f"{name}>={minimum}"
        if anchor is None:
            return _insert_line(text, len(_line_starts(text)), content)
        return _insert_line(text, anchor.line if before else anchor.end_line + 1, content)

    return Layout(entries, insert)


# -- pyproject.toml -----------------------------------------------------------------------------------


def _toml_table(text: str, header: str) -> tuple[int, int] | None:
    """(start, end) of a TOML table's body."""
    match = re.search(rf"^[ \t]*\[{re.escape(header)}\][ \t]*(?:#.*)?$", text, re.MULTILINE)
    if not match:
        return None
    following = re.compile(r"^[ \t]*\[", re.MULTILINE).search(text, match.end())
    return match.end(), following.start() if following else len(text)


def _toml_array_items(text: str, i: int) -> tuple[list[tuple[int, int, str]], int] | None:
    """The string items of the TOML array starting at ``text[i] == "["`` and the index of its "]"."""
    items: list[tuple[int, int, str]] = []
    i += 1
    while i < len(text):
        ch = text[i]
        if ch in " \t\r\n,":
            i += 1
        elif ch == "#":
            while i < len(text) and text[i] not in "\r\n":
                i += 1
        elif ch == "]":
            return items, i
        elif ch in "\"'":
            if text.startswith(ch * 3, i):
                return None  # multi-line strings: not edited
            j = i + 1
            while j < len(text) and text[j] != ch:
                if text[j] in "\r\n":
                    return None
                j += 2 if ch == '"' and text[j] == "\\" else 1
            items.append((i, j + 1, text[i + 1 : j]))
            i = j + 1
        else:
            return None  # inline tables or nested arrays: not ours to edit
    return None


def project_layout(text: str) -> Layout | None:
    """``[project] dependencies = [...]`` (PEP 621)."""
    table = _toml_table(text, "project")
    if table is None:
        return None
    key = re.compile(r"^[ \t]*dependencies[ \t]*=[ \t]*\[", re.MULTILINE).search(
        text, table[0], table[1]
    )
    if key is None:
        return None
    found = _toml_array_items(text, key.end() - 1)
    if found is None:
        return Layout([], lambda *args: None)
    items, close = found
    starts = _line_starts(text)
    entries: list[Entry] = []
    for start, end, value in items:
        entry = _requirement(value, start + 1, _line_of(starts, start))
        if entry is not None:
            entries.append(_with(entry, editable="\\" not in value))
    open_bracket = key.end() - 1
    multiline = "\n" in text[open_bracket:close] or "\r" in text[open_bracket:close]

    def insert(
        text: str, name: str, minimum: str, anchor: Entry | None, before: bool
    ) -> str | None:
        quote = text[items[0][0]] if items else '"'
        value = f"{quote}{name}>={minimum}{quote}"
        if not items:
            return text[: open_bracket + 1] + value + text[close:]
        token = _token_of(items, anchor) if anchor is not None else items[-1]
        if not multiline:
            if before:
                return text[: token[0]] + value + ", " + text[token[0] :]
            return text[: token[1]] + ", " + value + text[token[1] :]
        line_start = starts[_line_of(starts, token[0])]
        indent = re.match(r"[ \t]*", text[line_start:]).group(0)
        if before:
            return _insert_line(text, _line_of(starts, token[0]), f"{indent}{value},")
        line_end = text.find("\n", token[1])
        line_end = len(text) if line_end < 0 else line_end
        if "]" in text[token[1] : line_end] and text.find("]", token[1]) == close:
            return text[: token[1]] + ", " + value + text[token[1] :]
        after = text[token[1] :]
        has_comma = after.lstrip(" \t").startswith(",")
        is_last = token is items[-1]
        if is_last and not has_comma:
            # No trailing comma in this file's style: the old last item gets one, the new one none.
            text = text[: token[1]] + "," + text[token[1] :]
            return _insert_line(text, _line_of(starts, token[1]) + 1, f"{indent}{value}")
        return _insert_line(text, _line_of(starts, token[1]) + 1, f"{indent}{value},")

    return Layout(entries, insert)


def _token_of(items: list[tuple[int, int, str]], entry: Entry) -> tuple[int, int, str]:
    return next(item for item in items if item[0] < entry.spec_start <= item[1])


def _with(entry: Entry, **changes: object) -> Entry:
    from dataclasses import replace

    return replace(entry, **changes)  # type: ignore[arg-type]


def poetry_layout(text: str) -> Layout | None:
    """``[tool.poetry.dependencies]``: ``name = "^1.2"`` or ``name = { version = "^1.2", ... }``."""
    table = _toml_table(text, "tool.poetry.dependencies")
    if table is None:
        return None
    starts = _line_starts(text)
    entries: list[Entry] = []
    pattern = re.compile(
        r"^[ \t]*([\"']?)([A-Za-z0-9][A-Za-z0-9._-]*)\1[ \t]*=[ \t]*(.*)$", re.MULTILINE
    )
    for match in pattern.finditer(text, table[0], table[1]):
        name, value = normalize(match.group(2)), match.group(3)
        line = _line_of(starts, match.start())
        if name == "python":
            continue
        value_start = match.start(3)
        string = re.match(r"([\"'])([^\"']*)\1", value)
        version = (
            re.search(r"\bversion[ \t]*=[ \t]*([\"'])([^\"']*)\1", value)
            if value.startswith("{")
            else None
        )
        if string:
            entries.append(
                Entry(
                    name,
                    string.group(2),
                    value_start + 1,
                    value_start + 1 + len(string.group(2)),
                    line,
                    line,
                    "poetry",
                )
            )
        elif version:
            entries.append(
                Entry(
                    name,
                    version.group(2),
                    value_start + version.start(2),
                    value_start + version.end(2),
                    line,
                    line,
                    "poetry",
                )
            )
        else:
            entries.append(
                Entry(name, value, value_start, value_start, line, line, "poetry", editable=False)
            )

    def insert(
        text: str, name: str, minimum: str, anchor: Entry | None, before: bool
    ) -> str | None:
        content = f'{name} = "^{minimum}"'
        if anchor is None:
            last = (
                _line_of(starts, table[1] - 1)
                if table[1] > table[0]
                else _line_of(starts, table[0])
            )
            # After the table's last non-blank line.
            while (
                last > _line_of(starts, table[0])
                and not text[starts[last] : _end_of_line(text, starts, last)].strip()
            ):
                last -= 1
            return _insert_line(text, last + 1, content)
        return _insert_line(text, anchor.line if before else anchor.end_line + 1, content)

    return Layout(entries, insert, "poetry")


def _end_of_line(text: str, starts: list[int], line: int) -> int:
    return starts[line + 1] if line + 1 < len(starts) else len(text)


# -- setup.cfg ------------------------------------------------------------------------------------------


def setup_cfg_layout(text: str) -> Layout | None:
    """``[options] install_requires =`` followed by one requirement per indented line."""
    header = re.search(r"^\[options\][ \t]*$", text, re.MULTILINE)
    if header is None:
        return None
    following = re.compile(r"^\[", re.MULTILINE).search(text, header.end())
    end = following.start() if following else len(text)
    key = re.compile(r"^install_requires[ \t]*=[ \t]*(.*)$", re.MULTILINE).search(
        text, header.end(), end
    )
    if key is None:
        return None
    starts = _line_starts(text)
    first_line = _line_of(starts, key.start())
    entries: list[Entry] = []
    inline = key.group(1).strip()
    if inline:
        if inline.startswith("file:"):
            return None  # the requirements live in that file
        entry = _requirement(key.group(1), key.start(1), first_line)
        if entry is not None:
            entries.append(_with(entry, editable=False))
    line = first_line + 1
    indent = ""
    while line < len(starts):
        body = text[starts[line] : _end_of_line(text, starts, line)].rstrip("\r\n")
        if body.strip() and not body[:1].isspace():
            break
        if body.strip() and not body.strip().startswith(("#", ";")):
            indent = indent or body[: len(body) - len(body.lstrip())]
            entry = _requirement(body, starts[line], line)
            if entry is not None:
                entries.append(entry)
        line += 1

    def insert(
        text: str, name: str, minimum: str, anchor: Entry | None, before: bool
    ) -> str | None:
        if not indent:
            return None  # a one-line value: adding to it is not a one-line edit
        content = f"{indent}{name}>={minimum}"
        if anchor is None:
            return _insert_line(text, entries[-1].line + 1 if entries else first_line + 1, content)
        return _insert_line(text, anchor.line if before else anchor.end_line + 1, content)

    return Layout(entries, insert)


# -- environment.yml ---------------------------------------------------------------------------------------


def environment_layout(text: str) -> Layout | None:
    """The ``dependencies:`` list of a conda environment file, and its ``pip:`` sub-list."""
    key = re.search(r"^dependencies:[ \t]*(?:#.*)?$", text, re.MULTILINE)
    if key is None:
        return None
    starts = _line_starts(text)
    entries: list[Entry] = []
    line = _line_of(starts, key.start()) + 1
    conda_indent: str | None = None
    pip_indent: str | None = None
    in_pip = False
    last_line = {"conda": line - 1, "pip": None}
    while line < len(starts):
        raw = text[starts[line] : _end_of_line(text, starts, line)].rstrip("\r\n")
        if raw.strip() and not raw[:1].isspace() and not raw.startswith("-"):
            break  # the next top-level key
        item = re.match(r"^([ \t]*)-[ \t]+(.*?)[ \t]*(?:#.*)?$", raw)
        if item:
            indent, value = item.group(1), item.group(2)
            if conda_indent is None:
                conda_indent = indent
            if indent == conda_indent:
                in_pip = value.rstrip() == "pip:"
                if not in_pip:
                    entry = _conda_entry(value, starts[line] + item.start(2), line)
                    if entry is not None:
                        entries.append(entry)
                last_line["conda"] = line
            elif in_pip:
                pip_indent = pip_indent or indent
                entry = _requirement(value, starts[line] + item.start(2), line)
                if entry is not None:
                    entries.append(_with(entry, group="pip"))
                last_line["pip"] = line
        line += 1
    if conda_indent is None:
        return None

    def insert(
        text: str, name: str, minimum: str, anchor: Entry | None, before: bool
    ) -> str | None:
        group = (
            anchor.group if anchor is not None else ("pip" if pip_indent is not None else "conda")
        )
        indent = pip_indent if group == "pip" else conda_indent
        content = f"{indent}- {name}>={minimum}"
        if anchor is None:
            return _insert_line(text, (last_line[group] or 0) + 1, content)
        return _insert_line(text, anchor.line if before else anchor.end_line + 1, content)

    return Layout(entries, insert, "conda")


def _conda_entry(value: str, offset: int, line: int) -> Entry | None:
    match = re.match(r"(?:[\w.-]+::)?(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<spec>.*)$", value)
    if not match or value.endswith(":"):
        return None
    spec = match.group("spec").strip()
    start = (
        offset
        + match.start("spec")
        + (len(match.group("spec")) - len(match.group("spec").lstrip()))
    )
    return Entry(
        normalize(match.group("name")),
        spec,
        start,
        start + len(spec),
        line,
        line,
        "conda",
        group="conda",
    )


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
    """Where a new entry goes: its sorted place in a sorted list, else after ``prefer`` / openai / the last."""
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
    found: list[
        tuple[str, str, str, str]
    ] = []  # (package, rule, message, severity); lines resolved at the end
    added: str | None = None
    for need in needs:
        layout = layout_of(text)
        if layout is None:
            break
        entry = next((e for e in layout.entries if e.name == need.name), None)
        if entry is None:
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
                        RULE_MANUAL,
                        f"add {need.name}>={need.minimum} to {label} by hand: {need.why}",
                        "warning",
                    )
                )
                continue
            text = new
            added = need.name
            found.append(
                (need.name, RULE_ADDED, f"added {need.name} to {label}: {need.why}", "info")
            )
            continue
        verdict = decide(entry.spec, entry.flavor, need.minimum)
        if verdict.kind == "ok":
            continue
        declared = f"{need.name}{_shown(entry)}"
        if verdict.kind == "raise" and entry.editable and verdict.new_spec is not None:
            text = text[: entry.spec_start] + verdict.new_spec + text[entry.spec_end :]
            found.append(
                (
                    need.name,
                    RULE_RAISED,
                    f"raised {declared} to {verdict.new_spec.strip()}: {need.why}",
                    "info",
                )
            )
        elif verdict.kind in ("excluded", "pinned"):
            what = "excludes" if verdict.kind == "excluded" else "pins versions before"
            found.append(
                (
                    need.name,
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
                    RULE_MANUAL,
                    f"{declared} cannot be checked here: make sure it allows "
                    f"{need.minimum} or later ({need.why})",
                    "warning",
                )
            )
    final = layout_of(text)
    lines = {e.name: e.line + 1 for e in (final.entries if final is not None else [])}
    return text, [
        _note(lines.get(name, 1), rule, message, severity)
        for name, rule, message, severity in found
    ]


def _group_for(layout: Layout, need: Need) -> str:
    """environment.yml: a new pip package goes where openai is declared (pip, else conda)."""
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
        return None

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
