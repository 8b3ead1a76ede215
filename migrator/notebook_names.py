"""What a code cell's names are, read with Python's parser or, for code only a newer Python
reads, with LibCST's (``migrator.syntax``): the names it refers to, the ones it reads (with their
positions) and the module-level names it binds. The cell-order check compares them before and
after the migration; both readers give the same answer for code both read."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import libcst as cst
from libcst.metadata import (
    ExpressionContext,
    ExpressionContextProvider,
    MetadataWrapper,
    PositionProvider,
)

from migrator import syntax
from migrator.engine import MAX_NESTING
from migrator.notebook_ipython import _lines


@dataclass(frozen=True)
class CellNames:
    names: frozenset[str]  # every name the code refers to or assigns (``ast.Name``)
    loads: tuple[tuple[str, int, int], ...]  # each name read: (name, line, column), in order
    bound: frozenset[str]  # the module-level names it binds


def _in_order(loads: Iterable[tuple[str, int, int]]) -> tuple[tuple[str, int, int], ...]:
    return tuple(sorted(loads, key=lambda load: (load[1], load[2], load[0])))


@lru_cache(maxsize=128)
def read_cell(text: str) -> CellNames:
    """The names of a cell's code. Raises SyntaxError when neither Python's parser nor, for code
    a newer Python reads, LibCST's reads it (or when it is nested too deep to read safely)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a user's code may warn: not ours to show
            tree = ast.parse(text)
    except SyntaxError as exc:
        data = text.encode("utf-8")
        if (
            "too many nested" in str(exc.msg)
            or syntax.nesting_depth(data) > MAX_NESTING
            or not syntax.readable_by_libcst(data)
        ):
            raise
        return _from_libcst(text)
    return _from_ast(tree)


# -- Python's syntax tree ------------------------------------------------------------------------


def _from_ast(tree: ast.AST) -> CellNames:
    found = [node for node in ast.walk(tree) if isinstance(node, ast.Name)]
    return CellNames(
        frozenset(node.id for node in found),
        _in_order(
            (node.id, node.lineno, node.col_offset)
            for node in found
            if isinstance(node.ctx, ast.Load)
        ),
        frozenset(_bound_names(tree)),
    )


def _bound_names(tree: ast.AST) -> set[str]:
    bound: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            return
        if isinstance(
            node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
        ):
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return bound


# -- LibCST's syntax tree, read as Python's --------------------------------------------------------


class _Identifiers(cst.CSTVisitor):
    """The Name nodes of LibCST that are plain identifiers in Python's tree (an attribute, a
    keyword, a parameter, a definition's or an import's name...), not ``ast.Name``."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[int] = set()

    def _add(self, node: cst.CSTNode | None) -> None:
        if node is None:
            return
        if isinstance(node, cst.AsName):
            node = node.name
        for name in _walk(node):
            if isinstance(name, cst.Name):
                self.found.add(id(name))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._add(node.attr)

    def visit_Arg(self, node: cst.Arg) -> None:
        self._add(node.keyword)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._add(node.name)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._add(node.name)

    def visit_Param(self, node: cst.Param) -> None:
        self._add(node.name)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        self._add(node.name)
        self._add(node.asname)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._add(node.module)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._add(node.name)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._add(node.name)

    def visit_NameItem(self, node: cst.NameItem) -> None:  # global, nonlocal
        self._add(node.name)

    def visit_TypeVar(self, node: cst.TypeVar) -> None:
        self._add(node.name)

    def visit_TypeVarTuple(self, node: cst.TypeVarTuple) -> None:
        self._add(node.name)

    def visit_ParamSpec(self, node: cst.ParamSpec) -> None:
        self._add(node.name)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        self._add(node.name)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        self._add(node.name)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        self._add(node.rest)

    def visit_MatchKeywordElement(self, node: cst.MatchKeywordElement) -> None:
        self._add(node.key)


def _walk(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


_CONSTANTS = frozenset({"None", "True", "False"})  # ``ast.Constant`` in Python's tree
_NOT_DESCENDED = (
    cst.Lambda,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)


def _from_libcst(text: str) -> CellNames:
    wrapper = MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)
    context = wrapper.resolve(ExpressionContextProvider)
    positions = wrapper.resolve(PositionProvider)
    identifiers = _Identifiers()
    wrapper.module.visit(identifiers)
    type_aliases = {
        id(node.name) for node in _walk(wrapper.module) if isinstance(node, cst.TypeAlias)
    }

    def is_name(node: cst.CSTNode) -> bool:  # an ``ast.Name``: not a constant, not an identifier
        return (
            isinstance(node, cst.Name)
            and node.value not in _CONSTANTS
            and id(node) not in identifiers.found
        )

    def stored(node: cst.Name) -> bool:
        return id(node) in type_aliases or context.get(node) is ExpressionContext.STORE

    lines = _lines(text)
    names: set[str] = set()
    loads: list[tuple[str, int, int]] = []
    for node in _walk(wrapper.module):
        if is_name(node):
            names.add(node.value)
            if not stored(node) and context.get(node) is not ExpressionContext.DEL:
                start = positions[node].start
                column = len(lines[start.line - 1][: start.column].encode("utf-8"))
                loads.append((node.value, start.line, column))  # in bytes, as Python counts

    bound: set[str] = set()
    stack: list[cst.CSTNode] = [wrapper.module]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            bound.add(node.name.value)
            continue
        if isinstance(node, _NOT_DESCENDED):
            continue
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            if not isinstance(node.names, cst.ImportStar):
                bound.update(_import_binding(alias) for alias in node.names)
            else:
                bound.add("*")
            continue
        if is_name(node) and stored(node):
            bound.add(node.value)
        stack.extend(node.children)
    return CellNames(frozenset(names), _in_order(loads), frozenset(bound))


def _import_binding(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return cst.helpers.get_full_name_for_node_or_raise(alias.name).split(".")[0]
