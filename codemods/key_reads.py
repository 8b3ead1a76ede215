"""Small helpers over the original tree for the key clean-up (``codemods.key_plan``)."""

from __future__ import annotations

import libcst as cst


def ids(node: cst.CSTNode) -> set[int]:
    ids: set[int] = set()

    class _V(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            ids.add(id(n))
            return True

    node.visit(_V())
    return ids


def assigned(statement: cst.BaseStatement) -> tuple[cst.Name, cst.BaseExpression] | None:
    """``(target, value)`` of a statement that is one ``NAME = value`` or
    ``NAME: T = value``."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
        if isinstance(target, cst.Name):
            return target, small.value
    if isinstance(small, cst.AnnAssign) and small.value is not None:
        if isinstance(small.target, cst.Name):
            return small.target, small.value
    return None


def names_under(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class _V(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            found.add(n.value)

    node.visit(_V())
    return found
