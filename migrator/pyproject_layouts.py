"""``pyproject.toml`` dependency tables, read and edited with tomlkit (layout-preserving).

* ``[project] dependencies`` and ``[project.optional-dependencies]`` (PEP 621): PEP 508 strings
  in arrays; a new package goes into ``dependencies``.
* ``[tool.poetry.dependencies]``: ``name = "^1.2"`` or ``name = { version = "^1.2", ... }``.

tomlkit keeps comments, order, quoting and whitespace. A new item or key it creates ends its
line with ``\\n``; in a file whose lines end with ``\\r\\n`` that newline is written as ``\\r\\n``.
The line of each entry (for the report) is found by looking for the entry's own rendering.
"""

from __future__ import annotations

import re

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Array, InlineTable, String, StringType, Table

from migrator.dependency_layouts import Entry, Layout, _line_of, _line_starts, _requirement, _with
from migrator.versions import normalize


def parse(text: str) -> tomlkit.TOMLDocument | None:
    """The document; None when ``text`` is not valid TOML."""
    try:
        return tomlkit.parse(text)
    except (TOMLKitError, ValueError, RecursionError):
        return None


def _table(doc: tomlkit.TOMLDocument, *keys: str) -> object | None:
    node: object = doc
    for key in keys:
        if not isinstance(node, (dict, Table, InlineTable)) or key not in node:
            return None
        node = node[key]
    return node


def _dump(doc: tomlkit.TOMLDocument, original: str) -> str:
    text = tomlkit.dumps(doc)
    if "\r\n" in original and not re.search(r"(?<!\r)\n", original):
        text = re.sub(r"(?<!\r)\n", "\r\n", text)  # what tomlkit added, in the file's newline
    return text


def _string(value: str, like: String | None) -> String:
    """A TOML string holding ``value``, quoted as ``like`` is."""
    literal = like is not None and like.type in (StringType.SLL, StringType.MLL)
    multiline = like is not None and like.type.is_multiline()
    return tomlkit.string(value, literal=literal, multiline=multiline)


def _header(text: str, name: str) -> int:
    """Where the ``[name]`` table starts in ``text`` (0 when it is not written as a header)."""
    match = re.search(
        rf"^[ \t]*\[[ \t]*{re.escape(name)}[ \t]*\][ \t]*(?:#.*)?$", text, re.MULTILINE
    )
    return match.start() if match else 0


def _key(text: str, key: str, start: int) -> int:
    """Where ``key = ...`` is written at or after ``start`` (``start`` when not found)."""
    match = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=", re.MULTILINE).search(text, start)
    return match.start() if match else start


# -- [project] -----------------------------------------------------------------------------------


def _arrays(doc: tomlkit.TOMLDocument) -> list[tuple[str, Array]] | None:
    """("", dependencies) and (extra, its array) for each optional-dependencies extra."""
    dependencies = _table(doc, "project", "dependencies")
    if dependencies is None:
        return None
    arrays: list[tuple[str, Array]] = [("", dependencies)]
    extras = _table(doc, "project", "optional-dependencies")
    if isinstance(extras, (Table, InlineTable)):
        arrays += [(str(name), array) for name, array in extras.items()]
    return arrays


def _array_entries(text: str, start: int, group: str, array: object) -> list[Entry] | None:
    if not isinstance(array, Array) or not all(isinstance(i, String) for i in array):
        return None  # not a list of strings: not ours to edit
    starts = _line_starts(text)
    entries: list[Entry] = []
    position = start
    for index, item in enumerate(array):
        found = text.find(item.as_string(), position)
        position = found if found >= 0 else position
        entry = _requirement(str(item), 0, _line_of(starts, position))
        if entry is not None:
            entries.append(_with(entry, group=group, where=(group, index)))
    return entries


def project_layout(text: str) -> Layout | None:
    """``[project] dependencies = [...]`` (PEP 621), and the optional dependencies' arrays."""
    doc = parse(text)
    arrays = _arrays(doc) if doc is not None else None
    if arrays is None:
        return None
    header = _header(text, "project")
    entries: list[Entry] = []
    for group, array in arrays:
        where = _key(text, "dependencies", header)
        if group:
            where = _key(text, group, _header(text, "project.optional-dependencies"))
        found = _array_entries(text, where, group, array)
        if found is None and not group:
            return Layout([], lambda *args: None)
        entries += found or []

    def array_of(doc: tomlkit.TOMLDocument, group: str) -> Array:
        return dict(_arrays(doc) or [])[group]

    def insert(
        text: str, name: str, minimum: str, anchor: Entry | None, before: bool
    ) -> str | None:
        doc = parse(text)
        if doc is None:
            return None
        array = array_of(doc, "")
        index = len(array)
        if anchor is not None and anchor.group == "":
            index = anchor.where[1] + (0 if before else 1)
        array.insert(index, _string(f"{name}>={minimum}", array[0] if len(array) else None))
        return _dump(doc, text)

    def set_spec(text: str, entry: Entry, spec: str) -> str | None:
        doc = parse(text)
        if doc is None:
            return None
        group, index = entry.where
        array = array_of(doc, group)
        value = str(array[index])
        value = value[: entry.spec_start] + spec + value[entry.spec_end :]
        array[index] = _string(value, array[index])
        return _dump(doc, text)

    return Layout(entries, insert, set_spec=set_spec)


# -- [tool.poetry.dependencies] --------------------------------------------------------------------


def poetry_layout(text: str) -> Layout | None:
    """``[tool.poetry.dependencies]``: ``name = "^1.2"`` or ``name = { version = "^1.2", ... }``."""
    doc = parse(text)
    table = _table(doc, "tool", "poetry", "dependencies") if doc is not None else None
    if not isinstance(table, (Table, InlineTable)):
        return None
    starts = _line_starts(text)
    header = _header(text, "tool.poetry.dependencies")
    entries: list[Entry] = []
    for key, value in table.value.body:
        if key is None or normalize(key.key) == "python":
            continue
        line = _line_of(starts, _key(text, key.as_string(), header))
        name = normalize(key.key)
        version = value.get("version") if isinstance(value, (Table, InlineTable)) else None
        if isinstance(value, String):
            spec, where = str(value), (key.key, None)
        elif isinstance(version, String):
            spec, where = str(version), (key.key, "version")
        else:
            raw = value.as_string().strip()
            where = (key.key, None)
            entries.append(Entry(name, raw, 0, 0, line, line, "poetry", False, where=where))
            continue
        entries.append(Entry(name, spec, 0, len(spec), line, line, "poetry", where=where))

    def insert(
        text: str, name: str, minimum: str, anchor: Entry | None, before: bool
    ) -> str | None:
        doc = parse(text)
        if doc is None:
            return None
        table = _table(doc, "tool", "poetry", "dependencies")
        if anchor is None:
            table.add(name, f"^{minimum}")
            return _dump(doc, text)
        body = table.value.body
        key = anchor.where[0]
        at = next(i for i, (k, _) in enumerate(body) if k is not None and k.key == key)
        # tomlkit has no public way to add a key at a place: Container._insert_at (checked
        # against tomlkit 0.15).
        at = at if before else at + 1
        if at >= len(body):
            table.add(name, f"^{minimum}")
        else:
            table.value._insert_at(at, name, f"^{minimum}")
        return _dump(doc, text)

    def set_spec(text: str, entry: Entry, spec: str) -> str | None:
        doc = parse(text)
        if doc is None:
            return None
        table = _table(doc, "tool", "poetry", "dependencies")
        key, inner = entry.where
        holder, field = (table, key) if inner is None else (table[key], inner)
        holder[field] = _string(spec, holder[field])
        return _dump(doc, text)

    return Layout(entries, insert, "poetry", set_spec=set_spec)
