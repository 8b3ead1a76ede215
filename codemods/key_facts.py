"""What the key clean-up needs to know of a module, gathered in the migration's one read-only
pass (``codemods.key_plan`` decides with it, without another traversal)."""

from __future__ import annotations

import libcst as cst

from codemods.key_conditions import literal
from codemods.key_reads import assigned

Scope = cst.FunctionDef | cst.ClassDef | None  # None: the module


class KeyFacts(cst.CSTVisitor):
    """Read-only, run batched with the migration's other visitors (``codemods.batched``).

    Where each name is bound, per scope (the module, each function and class): a name bound
    once, by ``NAME = value`` (``assigned``), has that statement in ``single``; any other
    binding (a loop target, ``with ... as``, a second assignment) is another kind. And what
    the clean-up looks up later without another pass: the statements a check can be, with the
    scopes around them; every name read (not a keyword argument's, an attribute's or an
    import's) with the scopes around it; the strings that could name an environment
    variable; the attributes; the functions.
    """

    def __init__(self) -> None:
        self.stack: list[Scope] = [None]
        self.scope_of: dict[int, Scope] = {}  # id(statement) -> its scope
        self.parents: dict[int, tuple[Scope, ...]] = {}  # id(statement) -> the scopes around it
        self.single: dict[tuple[int, str], cst.BaseStatement] = {}
        self.counts: dict[tuple[int, str], int] = {}
        self.kinds: dict[tuple[int, str], set[str]] = {}
        self.statements: list[cst.BaseStatement] = []
        self.reads: dict[str, list[tuple[cst.Name, tuple[Scope, ...]]]] = {}
        self.strings: dict[str, list[cst.SimpleString]] = {}
        self.attributes: list[cst.Attribute] = []
        self.functions: list[cst.FunctionDef] = []
        self._not_reads: set[int] = set()
        self._elifs: set[int] = set()

    def _bind(self, name: str, kind: str, statement: cst.BaseStatement | None = None) -> None:
        key = (id(self.stack[-1]), name)
        self.counts[key] = self.counts.get(key, 0) + 1
        self.kinds.setdefault(key, set()).add(kind)
        if statement is not None:
            self.single[key] = statement

    def _statement(self, node: cst.BaseStatement) -> None:
        self.scope_of[id(node)] = self.stack[-1]
        self.parents[id(node)] = tuple(self.stack)
        self.statements.append(node)
        found = assigned(node)
        if found is not None:
            self._bind(found[0].value, "assign", node)
            self._skip = id(found[0])

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._statement(node)

    def visit_If(self, node: cst.If) -> None:
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))
        if id(node) not in self._elifs:  # an `elif` is part of its `if`, not a statement
            self._statement(node)

    def visit_For(self, node: cst.For) -> None:
        self._statement(node)
        for name in _target_names(node.target):
            self._bind(name.value, "other")

    _skip = 0

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._not_reads:
            self.reads.setdefault(node.value, []).append((node, tuple(self.stack)))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._not_reads.add(id(node.keyword))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._not_reads.add(id(node.attr))
        self.attributes.append(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        text = node.value
        if len(text) < 80 and "{" not in text and "\\" not in text:
            value = literal(node)
            if value is not None and value.isidentifier():
                self.strings.setdefault(value, []).append(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind(node.name.value, "def")
        self._not_reads.add(id(node.name))
        self.functions.append(node)
        self.parents[id(node)] = (*self.stack, node)
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
        self._not_reads.add(id(node.name))
        self.stack.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.stack.pop()

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

    def scope_for(self, statement: cst.CSTNode, name: str) -> Scope | bool:
        """The scope whose ``name`` a read in ``statement`` (a function: in its body) reads."""
        return self.resolve_in(self.parents.get(id(statement), (None,)), name)

    def resolve_in(self, stack: tuple[Scope, ...], name: str) -> Scope | bool:
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
