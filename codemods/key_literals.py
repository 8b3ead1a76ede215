"""Literal keys that reach a key argument, however the code spells them.

A key argument's expression is followed to the string literals it is built from:

* the literal itself, in any spelling: ``"..."``, ``f"..."``, ``b"...".decode()``, implicit
  concatenation (``"abc" "def"``, also across lines and backslash continuations), ``+`` of
  strings, ``"".join([...])``, a literal inside a call (``os.getenv("NAME", "<key>")``);
* names, through LibCST's scopes: a module constant, a local variable, a parameter's default
  (``def make(key="...")``);
* attributes of a class of the module: ``S.KEY``, ``self.KEY`` / ``self.key = "..."`` in its
  methods, ``Settings().KEY``;
* an entry of a dict literal (``CONFIG["api_key"]``) and the return value of a function of the
  module called without arguments.

A string built of literals counts as one key when the whole of it looks like one; each piece's
source text (split at line ends) goes into the list of texts every output masks, so a key
written in pieces is masked piece by piece in a diff.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import Assignment, ClassScope, FunctionScope, ScopeProvider

_NOT_A_SECRET = re.compile(r"your|<|>|x{4,}|placeholder|api[_-]?key|\s|^https?://", re.IGNORECASE)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def looks_like_secret(value: str) -> bool:
    """A literal that is plausibly a real key (not a variable name, URL or placeholder)."""
    if len(value) < 16 or _NOT_A_SECRET.search(value):
        return False
    if _ENV_NAME.match(value) and (value.isupper() or "_" in value):
        return False
    return True


def masked(value: str) -> str:
    return f"<masked, {len(value)} characters>"


# How far a key is followed through names: deeper chains are not how keys are written.
MAX_DEPTH = 12

# Methods that keep a string's characters (the key stays whole and recognisable).
_SAME_TEXT = frozenset({"decode", "encode", "strip", "lstrip", "rstrip", "format"})
_SELF_NAMES = frozenset({"self", "cls"})


@dataclass(frozen=True)
class Piece:
    node: cst.CSTNode  # the literal (or the f-string's text part) the piece is written in
    raw: str  # its text in the source, without prefix and quotes
    value: str | None  # what it evaluates to, when that is known


@dataclass(frozen=True)
class KeyLiteral:
    """A string built from literals that looks like a key."""

    node: cst.CSTNode  # where it is written (its first piece)
    value: str
    pieces: tuple[Piece, ...]

    def texts(self) -> list[str]:
        """Everything an output must not show: the value, each piece, each line of its source."""
        out = [self.value]
        for piece in self.pieces:
            if piece.value:
                out.append(piece.value)
            for line in piece.raw.splitlines():
                line = line.rstrip("\\")
                if line:
                    out.append(line)
        return out


class Resolver:
    """Follows expressions of one module to the literals they are built from."""

    def __init__(self, metadata: cst.MetadataDependent, module: cst.Module) -> None:
        """``metadata``: anything that answers ``get_metadata`` for ``module``'s nodes (the
        module state)."""
        self._metadata = metadata
        self._module = module
        self._values: dict[int, cst.BaseExpression] | None = None

    # -- public ------------------------------------------------------------------------------
    def keys_in(self, expression: cst.BaseExpression) -> list[KeyLiteral]:
        found: list[KeyLiteral] = []
        for pieces in self._groups(expression, 0, set()):
            known = [p for p in pieces if p is not None]
            if not known:
                continue
            if len(known) == len(pieces):
                value = "".join(p.value or "" for p in known)
                if all(p.value is not None for p in known) and looks_like_secret(value):
                    found.append(KeyLiteral(known[0].node, value, tuple(known)))
                    continue
            for piece in known:  # only part of it is literal: each literal piece on its own
                if piece.value is not None and looks_like_secret(piece.value):
                    found.append(KeyLiteral(piece.node, piece.value, (piece,)))
        return found

    def entries(
        self, expression: cst.BaseExpression, names: tuple[str, ...]
    ) -> list[cst.BaseExpression]:
        """The values of the ``names`` entries of the dict ``**expression`` unpacks."""
        out: list[cst.BaseExpression] = []
        for container in [expression, *self._resolve(expression, 0)]:
            for name in names:
                out += _dict_entry(container, name)
        return out

    # -- groups of pieces ----------------------------------------------------------------------
    def _groups(
        self, node: cst.CSTNode, depth: int, seen: set[int]
    ) -> Iterator[list[Piece | None]]:
        """Every string expression under ``node`` (following names), as its pieces."""
        if depth > MAX_DEPTH or id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, cst.BaseExpression) and _is_string_expression(node):
            yield self._pieces(node, depth, set())
            return
        if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
            targets = self._resolve(node, depth)
            if targets:
                for target in targets:
                    yield from self._groups(target, depth + 1, seen)
                if not isinstance(node, cst.Call):
                    return
        for child in node.children:
            if isinstance(node, cst.Attribute) and child is node.attr:
                continue
            if isinstance(node, cst.Call) and child is node.func:
                continue
            yield from self._groups(child, depth, seen)

    def _pieces(self, node: cst.BaseExpression, depth: int, seen: set[int]) -> list[Piece | None]:
        if depth > MAX_DEPTH or id(node) in seen:
            return [None]
        seen.add(id(node))
        if isinstance(node, cst.SimpleString):
            return [Piece(node, node.raw_value, _evaluated(node))]
        if isinstance(node, cst.ConcatenatedString):
            return self._pieces(node.left, depth, seen) + self._pieces(node.right, depth, seen)
        if isinstance(node, cst.FormattedString):
            out: list[Piece | None] = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    plain = part.value if "\\" not in part.value else None
                    value = None if plain is None else plain.replace("{{", "{").replace("}}", "}")
                    out.append(Piece(part, part.value, value))
                elif part.format_spec or part.conversion:
                    out.append(None)
                else:
                    out += self._pieces(part.expression, depth, seen)
            return out
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            return self._pieces(node.left, depth, seen) + self._pieces(node.right, depth, seen)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            method, target = node.func.attr.value, node.func.value
            if method in _SAME_TEXT and not (method == "format" and node.args):
                return self._pieces(target, depth, seen)
            if (
                method == "join"
                and len(node.args) == 1
                and isinstance(node.args[0].value, (cst.List, cst.Tuple))
            ):
                separator = [p for p in self._pieces(target, depth, seen) if p is None or p.raw]
                out = []
                for i, element in enumerate(node.args[0].value.elements):
                    out += separator if i else []
                    out += (
                        [None]
                        if isinstance(element, cst.StarredElement)
                        else self._pieces(element.value, depth, seen)
                    )
                return out
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == "str"
            and len(node.args) == 1
        ):
            return self._pieces(node.args[0].value, depth, seen)
        targets = (
            self._resolve(node, depth)
            if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript, cst.Call))
            else []
        )
        if len(targets) == 1:
            return self._pieces(targets[0], depth + 1, seen)
        return [None]

    # -- names -----------------------------------------------------------------------------------
    def _resolve(self, node: cst.BaseExpression, depth: int) -> list[cst.BaseExpression]:
        """The expressions ``node`` can stand for, when the module shows them."""
        if depth > MAX_DEPTH:
            return []
        if isinstance(node, cst.Name):
            return [
                v for a in self._assignments(node) if (v := self._assigned_value(a)) is not None
            ]
        if isinstance(node, cst.Attribute):
            out: list[cst.BaseExpression] = []
            for cls in self._classes_of(node.value, depth):
                out += _class_attribute(cls, node.attr.value)
            return out
        if isinstance(node, cst.Subscript) and len(node.slice) == 1:
            index = node.slice[0].slice
            if not (isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString)):
                return []
            key = _evaluated(index.value)
            out = []
            for container in self._resolve(node.value, depth + 1):
                out += _dict_entry(container, key)
            return out
        if isinstance(node, cst.Call) and not node.args and isinstance(node.func, cst.Name):
            out = []
            for a in self._assignments(node.func):
                if isinstance(a.node, cst.FunctionDef):
                    out += _returned(a.node)
            return out
        return []

    def _assignments(self, name: cst.Name) -> list[Assignment]:
        scope = self._metadata.get_metadata(ScopeProvider, name, None)
        if scope is None:
            return []
        try:
            found = scope[name.value]
        except Exception:  # noqa: BLE001 - a name LibCST cannot look up
            return []
        return [a for a in found if isinstance(a, Assignment)]

    def _assigned_value(self, assignment: Assignment) -> cst.BaseExpression | None:
        node = assignment.node
        if isinstance(node, cst.Param):
            return node.default
        if isinstance(node, cst.Name):
            return self._targets().get(id(node))
        return None

    def _targets(self) -> dict[int, cst.BaseExpression]:
        """Assigned name (its node's id) -> value, for every plain assignment of the module."""
        if self._values is None:
            values: dict[int, cst.BaseExpression] = {}

            class _Find(cst.CSTVisitor):
                def visit_Assign(self, node: cst.Assign) -> None:
                    for target in node.targets:
                        if isinstance(target.target, cst.Name):
                            values[id(target.target)] = node.value

                def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
                    if isinstance(node.target, cst.Name) and node.value is not None:
                        values[id(node.target)] = node.value

                def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
                    if isinstance(node.target, cst.Name):
                        values[id(node.target)] = node.value

            self._module.visit(_Find())
            self._values = values
        return self._values

    def _classes_of(self, node: cst.BaseExpression, depth: int) -> list[cst.ClassDef]:
        """Classes of the module that ``node`` is, or is an instance of."""
        if isinstance(node, cst.Call):
            node = node.func
        if not isinstance(node, cst.Name):
            return []
        out: list[cst.ClassDef] = []
        for a in self._assignments(node):
            if isinstance(a.node, cst.ClassDef):
                out.append(a.node)
            elif isinstance(a.node, cst.Param) and node.value in _SELF_NAMES:
                scope = a.scope
                if (
                    isinstance(scope, FunctionScope)
                    and isinstance(scope.parent, ClassScope)
                    and isinstance(scope.parent.node, cst.ClassDef)
                ):
                    out.append(scope.parent.node)
            elif depth < MAX_DEPTH:
                value = self._assigned_value(a)
                if value is not None and isinstance(value, (cst.Name, cst.Call)):
                    out += self._classes_of(value, depth + 1)
        return out


def _is_string_expression(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _is_string_expression(node.left) or _is_string_expression(node.right)
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in _SAME_TEXT | {"join"}
    ):
        return _is_string_expression(node.func.value)
    return False


def _evaluated(node: cst.SimpleString) -> str | None:
    try:
        value = node.evaluated_value
    except Exception:  # noqa: BLE001 - an escape LibCST cannot evaluate
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def _class_attribute(cls: cst.ClassDef, name: str) -> list[cst.BaseExpression]:
    """``name = value`` in the class body, and ``self.name = value`` in its methods."""
    out: list[cst.BaseExpression] = []

    class _Find(cst.CSTVisitor):
        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return node is cls

        def visit_Assign(self, node: cst.Assign) -> None:
            for target in node.targets:
                if _names_attribute(target.target, name):
                    out.append(node.value)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            if node.value is not None and _names_attribute(node.target, name):
                out.append(node.value)

    cls.visit(_Find())
    return out


def _names_attribute(target: cst.BaseExpression, name: str) -> bool:
    if isinstance(target, cst.Name):
        return target.value == name
    return (
        isinstance(target, cst.Attribute)
        and target.attr.value == name
        and isinstance(target.value, cst.Name)
        and target.value.value in _SELF_NAMES
    )


def _dict_entry(container: cst.BaseExpression, key: str | None) -> list[cst.BaseExpression]:
    if isinstance(container, cst.Dict):
        return [
            e.value
            for e in container.elements
            if isinstance(e, cst.DictElement)
            and isinstance(e.key, cst.SimpleString)
            and _evaluated(e.key) == key
        ]
    if (
        isinstance(container, cst.Call)
        and isinstance(container.func, cst.Name)
        and container.func.value == "dict"
    ):
        return [a.value for a in container.args if a.keyword is not None and a.keyword.value == key]
    return []


def _returned(function: cst.FunctionDef) -> list[cst.BaseExpression]:
    out: list[cst.BaseExpression] = []

    class _Find(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is function

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_Return(self, node: cst.Return) -> None:
            if node.value is not None:
                out.append(node.value)

    function.visit(_Find())
    return out
