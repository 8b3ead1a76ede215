"""Start positions of a few nodes, for the price of one plain code-generation pass.

``PositionProvider`` records a range for every node of the module (about 1.7 times the cost of
parsing the module); a codemod that reports a handful of calls needs a handful of positions.
``start_positions(module, nodes)`` generates the module's code once, notes the token at which
each wanted node starts, and counts lines only up to those tokens. The answers are the
``PositionProvider`` starts (syntactic positions: 1-based line, 0-based column) of the same
nodes, which tests/test_positions.py checks node by node.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import libcst as cst
from libcst._nodes.internal import CodegenState

_NEWLINE = re.compile(r"\r\n?|\n")


class _MarkingState(CodegenState):
    """Code generation that remembers the token index where each wanted node starts."""

    def __init__(self, module: cst.Module, wanted: set[int]) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.wanted = wanted
        # id(node) -> index into self.tokens; a node that records a syntactic position (after
        # its parentheses and leading whitespace) overwrites the mark it got on entry.
        self.marks: dict[int, int] = {}
        self.aliases: dict[int, int] = {}  # id(node) -> id(start_node) it takes its start from

    def before_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted:
            self.marks[key] = len(self.tokens)

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Iterator[None]:
        key = id(node)
        if key in self.wanted:
            if start_node is not None:
                self.aliases[key] = id(start_node)
                self.wanted.add(id(start_node))
            else:
                self.marks[key] = len(self.tokens)
        yield


def start_positions(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, tuple[int, int]]:
    """``{id(node): (line, column)}`` for each of ``nodes`` found in ``module``."""
    wanted = {id(node) for node in nodes}
    if not wanted:
        return {}
    state = _MarkingState(module, set(wanted))
    module._codegen(state)
    for key, start in state.aliases.items():
        if start in state.marks:
            state.marks[key] = state.marks[start]
    tokens = state.tokens
    out: dict[int, tuple[int, int]] = {}
    line, column, done = 1, 0, 0
    for key, upto in sorted(state.marks.items(), key=lambda item: item[1]):
        if upto > done:
            chunk = "".join(tokens[done:upto])
            segments = _NEWLINE.split(chunk)
            if len(segments) == 1:
                column += len(chunk)
            else:
                line += len(segments) - 1
                column = len(segments[-1])
            done = upto
        if key in wanted:
            out[key] = (line, column)
    return out
