"""A JSON document with the byte span of each value, so one array element can be removed and
every other byte (indentation, key order, spacing, the line ends) stays as it was."""

from __future__ import annotations

import json
from dataclasses import dataclass

_DECODER = json.JSONDecoder()


@dataclass
class Node:
    start: int
    end: int
    value: object  # dict[str, Node], list[Node], or a scalar


def parse(text: str) -> Node:
    """The document's top value with spans (indexes into ``text``); ValueError when ``text`` is
    not exactly one JSON value (or has a key twice: which one counts is then unclear)."""
    node, at = _value(text, _skip(text, 0))
    if _skip(text, at) != len(text):
        raise ValueError("extra data after the JSON value")
    return node


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _value(text: str, at: int) -> tuple[Node, int]:
    if at >= len(text):
        raise ValueError("unexpected end")
    start, char = at, text[at]
    if char == "{":
        items: dict[str, Node] = {}
        at = _skip(text, at + 1)
        if text[at : at + 1] == "}":
            return Node(start, at + 1, items), at + 1
        while True:
            key, at = _DECODER.raw_decode(text, at) if text[at] == '"' else (None, at)
            if not isinstance(key, str) or key in items:
                raise ValueError("not a string key, or a key twice")
            at = _skip(text, at)
            if text[at : at + 1] != ":":
                raise ValueError("':' expected")
            items[key], at = _value(text, _skip(text, at + 1))
            at = _skip(text, at)
            if text[at : at + 1] == "}":
                return Node(start, at + 1, items), at + 1
            if text[at : at + 1] != ",":
                raise ValueError("',' expected")
            at = _skip(text, at + 1)
    if char == "[":
        elements: list[Node] = []
        at = _skip(text, at + 1)
        if text[at : at + 1] == "]":
            return Node(start, at + 1, elements), at + 1
        while True:
            element, at = _value(text, at)
            elements.append(element)
            at = _skip(text, at)
            if text[at : at + 1] == "]":
                return Node(start, at + 1, elements), at + 1
            if text[at : at + 1] != ",":
                raise ValueError("',' expected")
            at = _skip(text, at + 1)
    value, end = _DECODER.raw_decode(text, at)
    return Node(at, end, value), end


def without_element(text: str, array: Node, index: int) -> str:
    """``text`` with element ``index`` of ``array`` removed, with the comma that separated it."""
    elements = array.value
    assert isinstance(elements, list)
    element = elements[index]
    if len(elements) == 1:
        # ``["api_key"]`` -> ``[]``: the spacing inside the brackets goes with it.
        start = text.rindex("[", 0, element.start) + 1
        end = text.index("]", element.end)
        return text[:start] + text[end:]
    if index + 1 < len(elements):
        return text[: element.start] + text[elements[index + 1].start :]
    # The last one: from the end of the one before (its comma and the spacing go).
    return text[: elements[index - 1].end] + text[element.end :]
