"""Reads of a name in the original tree, for ``codemods.key_cleanup``: what still reads a
variable once the key expressions that used it are gone."""

from __future__ import annotations

import libcst as cst


class Reads(cst.CSTVisitor):
    """Counts Name nodes spelled ``name`` that read it, outside the excluded subtrees."""

    def __init__(self, name: str, excluded: set[int]) -> None:
        self.name = name
        self.excluded = excluded
        self.skip: set[int] = set()
        self.count = 0
        self.exported = False
        self.where: list[cst.Name] = []  # the reads

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) not in self.excluded and super().on_visit(node)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.skip.add(id(node.keyword))

    def visit_Import(self, node: cst.Import) -> bool:
        return False  # binds names, reads none

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.skip.add(id(node.attr))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name and id(node) not in self.skip:
            self.count += 1
            self.where.append(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        # `__all__ = ["API_KEY", ...]`: the module exports the name.
        if any(
            isinstance(t.target, cst.Name) and t.target.value == "__all__" for t in node.targets
        ):
            for string in strings(node.value):
                if string == self.name:
                    self.exported = True


def strings(node: cst.CSTNode) -> list[str]:
    found: list[str] = []

    class _V(cst.CSTVisitor):
        def visit_SimpleString(self, s: cst.SimpleString) -> None:
            value = s.evaluated_value
            if isinstance(value, str):
                found.append(value)

    node.visit(_V())
    return found


def ids(node: cst.CSTNode) -> set[int]:
    ids: set[int] = set()

    class _V(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            ids.add(id(n))
            return True

    node.visit(_V())
    return ids


def single_assignment(statement: cst.BaseStatement, name: str) -> cst.Assign | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
        if isinstance(target, cst.Name) and target.value == name:
            return small
    return None


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
