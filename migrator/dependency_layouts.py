"""Dependency files edited as text, one line at a time: requirements files, setup.cfg and a conda
environment.yml. Their layout and comments stay; nothing is re-serialized.

Each ``*_layout`` function reads one file's dependency list into ``Entry``s (where each
constraint is in the text) and says how to insert a new line. ``pyproject.toml`` is edited
with tomlkit instead (``migrator.pyproject_layouts``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from packaging.requirements import InvalidRequirement, Requirement

from migrator.versions import normalize


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
    group: str = ""  # environment.yml: "conda" or "pip"; pyproject.toml: the extra's name
    where: object = None  # pyproject.toml: where tomlkit finds the entry


@dataclass
class Layout:
    """The entries of one file's dependency list and how to insert a new one."""

    entries: list[Entry]
    insert: Callable[
        [str, str, str, Entry | None, bool], str | None
    ]  # (text, name, minimum, anchor, before)
    flavor: str = "pep508"
    # How a constraint is replaced: (text, entry, new constraint) -> text; None: splice the text.
    set_spec: Callable[[str, Entry, str], str | None] | None = None


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
        r"\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?"
        r"\s*(?P<spec>[^;@]*?)\s*(?:;.*)?$",
        body,
    )
    if not match:
        return None
    try:  # packaging reads the name when the line is a valid requirement
        name = Requirement(body.strip()).name
    except InvalidRequirement:
        name = match.group("name")
    spec = match.group("spec")
    if spec:
        start, end = offset + match.start("spec"), offset + match.end("spec")
    else:
        after = match.end("extras") if match.group("extras") else match.end("name")
        start = end = offset + after
    return Entry(normalize(name), spec, start, end, line, line, "pep508")


# -- requirements*.txt / *.in ----------------------------------------------------------------------


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


def _with(entry: Entry, **changes: object) -> Entry:
    return replace(entry, **changes)  # type: ignore[arg-type]


def _end_of_line(text: str, starts: list[int], line: int) -> int:
    return starts[line + 1] if line + 1 < len(starts) else len(text)


# -- setup.cfg -------------------------------------------------------------------------------------


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


# -- environment.yml -------------------------------------------------------------------------------


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
