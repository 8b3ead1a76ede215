"""What a name in the tree means: the qualified-name lookups every codemod shares."""

from __future__ import annotations

import ast
from collections import Counter

import libcst as cst
from libcst.metadata import QualifiedNameProvider, QualifiedNameSource

from codemods.targets import ClientSpec, spec_for


def qualified_names(visitor: cst.MetadataDependent, node: cst.CSTNode) -> set[str]:
    """Qualified names of ``node`` that come from an import (never a local binding)."""
    found = visitor.get_metadata(QualifiedNameProvider, node, set())
    return {q.name for q in found if q.source is QualifiedNameSource.IMPORT}


def client_spec(visitor: cst.MetadataDependent, call: cst.Call) -> ClientSpec | None:
    for name in qualified_names(visitor, call.func):
        spec = spec_for(name)
        if spec is not None:
            return spec
    return None


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, ``f().x`` for one on a call, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
    elif isinstance(node, cst.Call):
        inner = dotted(node.func)
        if inner is None:
            return None
        parts.append(inner + "()")
    else:
        return None
    return ".".join(reversed(parts))


def name_counts(node: cst.CSTNode) -> Counter[str]:
    """How often each name is used under ``node``; attribute names (``obj.config``) are not
    names."""
    counts: Counter[str] = Counter()

    class _Count(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            counts[n.value] += 1

        def visit_Attribute(self, n: cst.Attribute) -> bool:
            n.value.visit(self)
            return False

    node.visit(_Count())
    return counts


def bound_other_than_by_import(tree: ast.Module) -> set[str]:
    """Names the module binds at module level by anything but an import statement.

    Defs, classes, assignment, for/with/except targets, walrus, match captures, and ``global``
    declarations in functions. Read from Python's own tree of the whole file, so code that
    ``codemods.slicing`` kept away from LibCST counts too.
    """
    found: set[str] = set()

    def walk(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
            for inner in ast.walk(node):
                if isinstance(inner, ast.Global):
                    found.update(inner.names)
            for child in [*node.decorator_list, *getattr(node, "bases", ())]:
                walk(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Lambda)):
            return
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            found.add(node.id)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            found.add(node.rest)
        for child in ast.iter_child_nodes(node):
            walk(child)

    for statement in tree.body:
        walk(statement)
    return found
