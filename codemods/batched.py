"""Read-only visitors run together, in one traversal of a module.

LibCST's ``MetadataWrapper.visit_batched`` (how Fixit runs its rules) calls every visitor on
every node: a ``BatchableCSTVisitor`` cannot skip a subtree. The visitors of this project do
(``visit_Import`` returning False: an import's names are not uses of them), so they are run the
same way here with each visitor's skips kept: a visitor that returns False for a node is not
called again until it leaves that node (its ``leave_`` method for that node still runs, as in a
traversal of its own). Each visitor's metadata is resolved from the wrapper, as
``MetadataWrapper.visit`` does it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack

import libcst as cst
from libcst.metadata import MetadataWrapper

_Method = Callable[[cst.CSTNode], object]


def visit(
    module: cst.Module, visitors: Sequence[cst.CSTVisitor], wrapper: MetadataWrapper | None = None
) -> None:
    """Run ``visitors`` over ``module`` (``wrapper.module`` when a wrapper is given) in one pass."""
    batch = _Batch(visitors)
    if wrapper is None:
        module.visit(batch)
        return
    with ExitStack() as stack:
        for visitor in visitors:
            if isinstance(visitor, cst.MetadataDependent):
                stack.enter_context(visitor.resolve(wrapper))
        wrapper.module.visit(batch)


class _Batch(cst.CSTVisitor):
    def __init__(self, visitors: Sequence[cst.CSTVisitor]) -> None:
        self._visitors = list(visitors)
        self._skipping: list[cst.CSTNode | None] = [None] * len(self._visitors)
        self._visits: dict[str, list[tuple[int, _Method]]] = {}
        self._leaves: dict[str, list[tuple[int, _Method]]] = {}

    def _methods(self, prefix: str, name: str, cache: dict[str, list[tuple[int, _Method]]]) -> list:
        found = cache.get(name)
        if found is None:
            attribute = prefix + name
            default = getattr(cst.CSTVisitor, attribute, None)
            found = [
                (i, getattr(v, attribute))
                for i, v in enumerate(self._visitors)
                if getattr(type(v), attribute, default) is not default
            ]
            cache[name] = found
        return found

    def on_visit(self, node: cst.CSTNode) -> bool:
        for i, method in self._methods("visit_", type(node).__name__, self._visits):
            if self._skipping[i] is None and method(node) is False:
                self._skipping[i] = node
        return True

    # The visitors' own field hooks (``visit_Call_func``) are never called through the batch:
    # skip LibCST's empty ones too.
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave(self, original_node: cst.CSTNode) -> None:
        for i, method in self._methods("leave_", type(original_node).__name__, self._leaves):
            skipping = self._skipping[i]
            if skipping is original_node:
                self._skipping[i] = None
            elif skipping is not None:
                continue
            method(original_node)
        # A visitor that skips a node with no leave_ method of its own stops skipping here too.
        for i, skipping in enumerate(self._skipping):
            if skipping is original_node:
                self._skipping[i] = None
