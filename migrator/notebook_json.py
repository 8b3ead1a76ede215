"""A notebook's JSON text: where each cell's ``source`` value is, and a changed cell's source
written back in the notebook's own layout (the JSON is never re-serialized)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from json.decoder import scanstring
from typing import Any

from migrator.results import NotebookPositions

_NON_ASCII_ESCAPE = re.compile(
    r"\\u(00[89a-fA-F][0-9a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-fA-F][0-9a-fA-F]{3})"
)

# ================================================================================================
# Where each code cell's ``source`` is in the JSON text
# ================================================================================================


@dataclass
class _Span:
    start: int  # the whole ``source`` value
    end: int
    items: list[tuple[int, int]] | None  # the JSON string tokens of a list value; None: one string


@dataclass
class _RawCell:
    index: int
    data: dict[str, Any]
    span: _Span | None


_WS = " \t\n\r"


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _expect(text: str, i: int, char: str) -> None:
    if i >= len(text) or text[i] != char:
        raise json.JSONDecodeError(f"Expecting '{char}'", text, i)


def _members(
    text: str, i: int, decoder: json.JSONDecoder
) -> tuple[list[tuple[str, int, int, Any]], int]:
    """[(key, value start, value end, value)] of the JSON object at ``text[i]``, and its end."""
    _expect(text, i, "{")
    members: list[tuple[str, int, int, Any]] = []
    i = _skip_ws(text, i + 1)
    if i < len(text) and text[i] == "}":
        return members, i + 1
    while True:
        _expect(text, i, '"')
        key, i = scanstring(text, i + 1)
        i = _skip_ws(text, i)
        _expect(text, i, ":")
        start = _skip_ws(text, i + 1)
        value, end = decoder.raw_decode(text, start)
        members.append((key, start, end, value))
        i = _skip_ws(text, end)
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
            continue
        _expect(text, i, "}")
        return members, i + 1


def _elements(text: str, i: int, decoder: json.JSONDecoder) -> Iterator[tuple[int, int]]:
    """(start, end) of each element of the JSON array at ``text[i]``."""
    _expect(text, i, "[")
    i = _skip_ws(text, i + 1)
    if i < len(text) and text[i] == "]":
        return
    while True:
        _, end = decoder.raw_decode(text, i)
        yield i, end
        i = _skip_ws(text, end)
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
            continue
        _expect(text, i, "]")
        return


def _read_notebook(text: str, offset: int) -> tuple[dict[str, Any], list[_RawCell]]:
    """The notebook as data, and where each cell's ``source`` is. Raises JSONDecodeError."""
    decoder = json.JSONDecoder()
    start = _skip_ws(text, offset)
    if start >= len(text) or text[start] != "{":
        raise json.JSONDecodeError("a notebook is a JSON object", text, start)
    notebook: dict[str, Any] = {}
    cells: list[_RawCell] = []
    members, end = _members(text, start, decoder)
    if _skip_ws(text, end) != len(text):
        raise json.JSONDecodeError("Extra data", text, _skip_ws(text, end))
    for key, vstart, _, value in members:
        notebook[key] = value
        if key == "cells" and isinstance(value, list):
            cells = []
            for index, (cstart, _) in enumerate(_elements(text, vstart, decoder)):
                cell_value = value[index]
                span = None
                if isinstance(cell_value, dict):
                    for ckey, sstart, send, svalue in _members(text, cstart, decoder)[0]:
                        if ckey == "source":
                            items = (
                                list(_elements(text, sstart, decoder))
                                if isinstance(svalue, list)
                                else None
                            )
                            span = _Span(sstart, send, items)
                cells.append(_RawCell(index, cell_value, span))
    return notebook, cells


def _source_positions(text: str, cells: list[_RawCell]) -> NotebookPositions | None:
    """Where each cell's source strings start in ``text`` (line from 1, column from 0), with
    their values; None when a source cannot be decoded (its findings are placed at line 1)."""
    out: list[tuple[int, tuple[tuple[int, int, str], ...]]] = []
    line, counted = 1, 0  # the line number at offset ``counted``; the strings come in order
    try:
        for raw in cells:
            if raw.span is None:
                continue
            spans = (
                raw.span.items if raw.span.items is not None else [(raw.span.start, raw.span.end)]
            )
            strings: list[tuple[int, int, str]] = []
            for start, end in spans:
                line += text.count("\n", counted, start)
                counted = start
                value = json.loads(text[start:end])
                if not isinstance(value, str):
                    break
                strings.append((line, start - (text.rfind("\n", 0, start) + 1), value))
            else:
                out.append((raw.index + 1, tuple(strings)))
    except ValueError:
        return None
    return NotebookPositions(tuple(out))


# ================================================================================================
# Writing a cell's source back in the notebook's own layout
# ================================================================================================


def _ensure_ascii_style(text: str) -> bool:
    """True when the notebook escapes non-ASCII characters (``\\u00e9``) rather than writing
    them."""
    if not text.isascii():
        return False
    return bool(_NON_ASCII_ESCAPE.search(text))


def _source_items(new: str, old_items: list[str]) -> list[str]:
    """A cell's source as list items, split the way the cell's own items are split.

    Jupyter's front ends and VS Code end an item only after ``\\n``; Python's nbformat uses
    ``str.splitlines``, which also splits after ``\\r``, ``\\x0b``, ``\\x0c``, ``\\x1c``-``\\x1e``,
    ``\\x85``, U+2028 and U+2029. An item before the last that does not end with ``\\n`` shows
    the second; otherwise (and for a cell with no such character, where both agree) ``\\n``."""
    if any(not item.endswith("\n") for item in old_items[:-1]):
        return new.splitlines(True)
    lines = [line + "\n" for line in new.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _encode_source(new: str, span: _Span, text: str, ensure_ascii: bool) -> str:
    if span.items is None:
        return json.dumps(new, ensure_ascii=ensure_ascii)
    raw_items = [text[start:end] for start, end in span.items]
    values = [json.loads(raw) for raw in raw_items]
    known: dict[str, str] = {}
    for value, raw in zip(values, raw_items, strict=False):
        known.setdefault(value, raw)
    tokens = [
        known.get(line) or json.dumps(line, ensure_ascii=ensure_ascii)
        for line in _source_items(new, values)
    ]
    if not raw_items:
        return "[" + ", ".join(tokens) + "]"
    opening = text[span.start + 1 : span.items[0][0]]
    closing = text[span.items[-1][1] : span.end - 1]
    if len(raw_items) > 1:
        separator = text[span.items[0][1] : span.items[1][0]]
    else:
        separator = "," + opening if "\n" in opening else ", "
    return "[" + opening + separator.join(tokens) + closing + "]"
