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


Scope = cst.FunctionDef | cst.ClassDef | None  # None: the module


class Bindings(cst.CSTVisitor):
    """Where each name is bound, per scope (the module, each function and class), and the
    scope of each statement. A name bound once, by ``NAME = value`` (``assigned``), has that
    statement in ``single``; any other binding (a loop target, ``with ... as``, a second
    assignment) makes it ``other``."""

    def __init__(self) -> None:
        self.stack: list[Scope] = [None]
        self.scope_of: dict[int, Scope] = {}  # id(statement) -> its scope
        self.parents: dict[int, tuple[Scope, ...]] = {}  # id(statement) -> the scopes around it
        self.single: dict[tuple[int, str], cst.BaseStatement] = {}
        self.counts: dict[tuple[int, str], int] = {}
        self.kinds: dict[tuple[int, str], set[str]] = {}
        self.statements: list[cst.BaseStatement] = []

    def _bind(self, name: str, kind: str, statement: cst.BaseStatement | None = None) -> None:
        key = (id(self.stack[-1]), name)
        self.counts[key] = self.counts.get(key, 0) + 1
        self.kinds.setdefault(key, set()).add(kind)
        if statement is not None:
            self.single[key] = statement

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseStatement):
            self.scope_of[id(node)] = self.stack[-1]
            self.parents[id(node)] = tuple(self.stack)
            self.statements.append(node)
            found = assigned(node)
            if found is not None:
                self._bind(found[0].value, "assign", node)
                self._skip = id(found[0])
        return super().on_visit(node)

    _skip = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind(node.name.value, "def")
        self.stack.append(node)
        params = node.params
        for p in (*params.posonly_params, *params.params, *params.kwonly_params):
            self._bind(p.name.value, "param")
        for p in (params.star_arg, params.star_kwarg):
            if isinstance(p, cst.Param):
                self._bind(p.name.value, "param")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind(node.name.value, "def")
        self.stack.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.stack.pop()

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False  # its parameters are its own

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        for name in _target_names(node.target):
            if id(name) != self._skip:
                self._bind(name.value, "other")

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and id(node.target) != self._skip and node.value:
            self._bind(node.target.value, "other")

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        for name in _target_names(node.target):
            self._bind(name.value, "other")

    def visit_For(self, node: cst.For) -> None:
        for name in _target_names(node.target):
            self._bind(name.value, "other")

    def visit_AsName(self, node: cst.AsName) -> None:
        for name in _target_names(node.name):  # type: ignore[arg-type]
            self._bind(name.value, "other")

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        for name in _target_names(node.target):
            self._bind(name.value, "other")

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self._bind(item.name.value, "global")

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self._bind(item.name.value, "global")

    def visit_Del(self, node: cst.Del) -> None:
        for name in _target_names(node.target):
            self._bind(name.value, "other")

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._bind(alias.asname.name.value, "import")
                continue
            root = alias.name
            while isinstance(root, cst.Attribute):
                root = root.value
            if isinstance(root, cst.Name):
                self._bind(root.value, "import")
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            self._bind("*", "other")
            return False
        for alias in node.names:
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._bind(alias.asname.name.value, "import")
            elif isinstance(alias.name, cst.Name):
                self._bind(alias.name.value, "import")
        return False

    def resolve(self, statement: cst.CSTNode, name: str) -> Scope | bool:
        """The scope whose ``name`` a read in ``statement`` reads; False when unknown."""
        stack = self.parents.get(id(statement), (None,))
        for i in range(len(stack) - 1, -1, -1):
            scope = stack[i]
            if i < len(stack) - 1 and isinstance(scope, cst.ClassDef):
                continue  # a method does not see its class's names
            kinds = self.kinds.get((id(scope), name))
            if kinds:
                return None if "global" in kinds else scope
        return None


def _target_names(node: cst.CSTNode) -> list[cst.Name]:
    if isinstance(node, cst.Name):
        return [node]
    if isinstance(node, (cst.Tuple, cst.List)):
        return [n for e in node.elements for n in _target_names(e.value)]
    if isinstance(node, cst.StarredElement):
        return _target_names(node.value)
    return []


def names_under(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class _V(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            found.add(n.value)

    node.visit(_V())
    return found
