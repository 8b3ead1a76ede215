"""Conditions on a key the migration made unused, with the key taken out of them.

``KeyTerms`` says which expressions are that key (a variable, a dotted attribute, an
environment read of its variable, the variable's name as a string). The reductions return the
condition without the key:

* ``missing``: a test that is true when something is missing (``not k``, ``k is None``,
  ``len(k) == 0``, ``"K" not in os.environ``, ``not all([k, e])``, ``not k or not e``,
  ``any(not os.getenv(v) for v in ("K", "E"))``);
* ``present``: a test that requires something (``k``, ``k is not None``, ``k and e``,
  ``all([k, e])``, ``"K" in os.environ``).

Each returns ``None`` when the test does not mention the key in a shape it knows (the test is
then left alone), ``EMPTY`` when nothing but the key was tested, or the new test. ``operands``
collects the key expressions (original nodes) a reduction removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from codemods.resolve import dotted

EMPTY = cst.Name("__key_condition_empty__")  # a marker, never written

GETENV = frozenset({"os.getenv", "os.environ.get"})
ENVIRON = frozenset({"os.environ"})


def literal(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001
            return None
        return value if isinstance(value, str) else None
    return None


def is_empty_value(node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.Name) and node.value == "None") or literal(node) == ""


def is_zero(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Integer) and node.value == "0"


@dataclass
class KeyTerms:
    """Which expressions are the key; ``names`` answers for a variable name read here."""

    names: Callable[[str], bool]
    attributes: frozenset[str]
    env: frozenset[str]
    qualified: Callable[[cst.CSTNode], set[str]]
    operands: list[cst.CSTNode] = field(default_factory=list)
    # Names of sequences checked name by name (``for v in REQUIRED: ...``), read that way here.
    named: list[cst.Name] = field(default_factory=list)

    # -- what is the key ----------------------------------------------------------------------
    def env_name(self, node: cst.BaseExpression, variable: str | None = None) -> str | None:
        """``K`` of ``os.environ["K"]``, ``os.getenv("K")``, ``os.environ.get("K")``; with
        ``variable``, the name of the loop variable read that way instead."""
        arg: cst.BaseExpression | None = None
        if isinstance(node, cst.Subscript) and self.qualified(node.value) & ENVIRON:
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                arg = node.slice[0].slice.value
        elif isinstance(node, cst.Call) and node.args and self.qualified(node.func) & GETENV:
            arg = node.args[0].value
        if arg is None:
            return None
        if variable is not None:
            return variable if isinstance(arg, cst.Name) and arg.value == variable else None
        return literal(arg)

    def is_key(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name):
            return self.names(node.value)
        if isinstance(node, cst.Attribute):
            text = dotted(node)
            return text is not None and text in self.attributes
        name = self.env_name(node)
        return name is not None and name in self.env

    def _key(self, node: cst.BaseExpression) -> bool:
        if self.is_key(node):
            self.operands.append(node)
            return True
        return False

    def is_key_literal(self, node: cst.BaseExpression) -> bool:
        return literal(node) in self.env

    # -- one test on one value ----------------------------------------------------------------
    def _absent(
        self, test: cst.BaseExpression, value: Callable[[cst.BaseExpression], bool]
    ) -> bool:
        """``test`` is true when the value ``value`` accepts is missing."""
        return self._trial(self._absent_in, test, value)

    def _there(self, test: cst.BaseExpression, value: Callable[[cst.BaseExpression], bool]) -> bool:
        """``test`` is true when the value ``value`` accepts is set."""
        return self._trial(self._there_in, test, value)

    def _trial(self, how, test, value) -> bool:  # type: ignore[no-untyped-def]
        mark = len(self.operands)
        if how(test, value):
            return True
        del self.operands[mark:]  # a partial match removes nothing
        return False

    def _absent_in(
        self, test: cst.BaseExpression, value: Callable[[cst.BaseExpression], bool]
    ) -> bool:
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = test.expression
            if _is_call(inner, "len") and len(inner.args) == 1:  # type: ignore[attr-defined]
                return value(inner.args[0].value)  # type: ignore[attr-defined]
            return value(inner)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            op, right = test.comparisons[0].operator, test.comparisons[0].comparator
            left = test.left
            if isinstance(op, (cst.Is, cst.Equal)) and is_empty_value(right):
                return value(left)
            if isinstance(op, cst.Equal) and is_zero(right) and _is_call(left, "len"):
                return value(left.args[0].value)  # type: ignore[attr-defined]
            if isinstance(op, cst.NotIn) and self.qualified(right) & ENVIRON:
                return value(left)
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
            # `k is None or k == ""`: both about the key.
            return self._absent(test.left, value) and self._absent(test.right, value)
        return False

    def _there_in(
        self, test: cst.BaseExpression, value: Callable[[cst.BaseExpression], bool]
    ) -> bool:
        if value(test):
            return True
        if _is_call(test, "bool") and len(test.args) == 1:  # type: ignore[attr-defined]
            return value(test.args[0].value)  # type: ignore[attr-defined]
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            op, right = test.comparisons[0].operator, test.comparisons[0].comparator
            if isinstance(op, (cst.IsNot, cst.NotEqual)) and is_empty_value(right):
                return value(test.left)
            if isinstance(op, cst.GreaterThan) and is_zero(right) and _is_call(test.left, "len"):
                return value(test.left.args[0].value)  # type: ignore[attr-defined]
            if isinstance(op, cst.In) and self.qualified(right) & ENVIRON:
                return value(test.left)
        return False

    def _value(self, node: cst.BaseExpression) -> bool:
        return self._key(node) or (self.is_key_literal(node) and self._note(node))

    def _note(self, node: cst.CSTNode) -> bool:
        self.operands.append(node)
        return True

    # -- reductions ---------------------------------------------------------------------------
    def missing(self, test: cst.BaseExpression) -> cst.BaseExpression | None:
        if self._absent(test, self._value):
            return EMPTY
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
            return _combine(test, self.missing(test.left), self.missing(test.right))
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self.present(test.expression)
            if inner is None or inner is EMPTY:
                return inner
            return test.with_changes(expression=_keep_parens(test.expression, inner))
        if _is_call(test, "any") and len(test.args) == 1:  # type: ignore[attr-defined]
            # any(not os.getenv(v) for v in ("K", "E"))
            return self._per_name(test, self._absent)
        return None

    def present(self, test: cst.BaseExpression) -> cst.BaseExpression | None:
        if self._there(test, self._value):
            return EMPTY
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
            return _combine(test, self.present(test.left), self.present(test.right))
        if _is_call(test, "all") and len(test.args) == 1:  # type: ignore[attr-defined]
            seq = test.args[0].value  # type: ignore[attr-defined]
            if isinstance(seq, (cst.List, cst.Tuple, cst.Set)):
                new = self.drop(seq, self._key)
                if new is None or new is EMPTY:
                    return new
                return test.deep_replace(seq, new)  # type: ignore[return-value]
            return self._per_name(test, self._there)
        return None

    def _per_name(
        self,
        test: cst.BaseExpression,
        check: Callable[[cst.BaseExpression, Callable[[cst.BaseExpression], bool]], bool],
    ) -> cst.BaseExpression | None:
        """``all(os.getenv(v) for v in SEQ)`` / ``any(not os.getenv(v) ...)``: drop the key's
        name from SEQ."""
        gen = test.args[0].value  # type: ignore[attr-defined]
        seq = self.names_checked(gen, check)
        if seq is None:
            return None
        new = self.drop(seq, self.is_key_literal)
        if new is None or new is EMPTY:
            return new
        return test.deep_replace(seq, new)  # type: ignore[return-value]

    def names_checked(
        self,
        gen: cst.BaseExpression,
        check: Callable[[cst.BaseExpression, Callable[[cst.BaseExpression], bool]], bool],
        element: bool = False,
    ) -> cst.List | cst.Tuple | cst.Set | None:
        """The literal sequence of names a comprehension checks in the environment, one at a
        time: ``(v for v in SEQ if not os.getenv(v))`` (``element``: the comprehension gives
        the names; else it gives the test). A name for SEQ is recorded in ``named``."""
        if not isinstance(gen, (cst.GeneratorExp, cst.ListComp, cst.SetComp)):
            return None
        comp = gen.for_in
        if comp.inner_for_in is not None or not isinstance(comp.target, cst.Name):
            return None
        variable = comp.target.value
        seq = comp.iter
        if not isinstance(seq, (cst.List, cst.Tuple, cst.Set, cst.Name)):
            return None

        def reads(node: cst.BaseExpression) -> bool:
            if isinstance(node, cst.Name) and node.value == variable:
                return True  # `v not in os.environ`
            return self.env_name(node, variable) is not None

        if element:
            if not (isinstance(gen.elt, cst.Name) and gen.elt.value == variable):
                return None
            if len(comp.ifs) != 1 or not check(comp.ifs[0].test, reads):
                return None
        elif comp.ifs or not check(gen.elt, reads):
            return None
        if isinstance(seq, cst.Name):
            # A name bound to the sequence: its assignment is edited, if this is all it is for.
            self.named.append(seq)
            return None
        return seq

    def drop(
        self, seq: cst.List | cst.Tuple | cst.Set, which: Callable[[cst.BaseExpression], bool]
    ) -> cst.BaseExpression | None:
        """``seq`` without the elements ``which`` accepts (recorded as operands)."""
        elements = list(seq.elements)
        mark = len(self.operands)
        kept = [e for e in elements if not which(e.value)]
        del self.operands[mark:]
        if len(kept) == len(elements) or any(isinstance(e, cst.StarredElement) for e in kept):
            return None
        self.operands.extend(e.value for e in elements if not any(e is k for k in kept))
        if not kept:
            return EMPTY
        if kept[-1] is not elements[-1]:
            kept[-1] = kept[-1].with_changes(comma=elements[-1].comma)
        if (
            isinstance(seq, cst.Tuple)
            and len(kept) == 1
            and kept[0].comma == cst.MaybeSentinel.DEFAULT
        ):
            kept[0] = kept[0].with_changes(comma=cst.Comma())
        return seq.with_changes(elements=kept)


def _is_call(node: cst.BaseExpression, name: str) -> bool:
    return (
        isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == name
    )


def _keep_parens(old: cst.BaseExpression, new: cst.BaseExpression) -> cst.BaseExpression:
    """``new`` in place of ``old``: with ``old``'s parentheses when it has none of its own."""
    if old.lpar and not new.lpar:
        return new.with_changes(lpar=old.lpar, rpar=old.rpar)
    return new


def _combine(
    test: cst.BooleanOperation,
    left: cst.BaseExpression | None,
    right: cst.BaseExpression | None,
) -> cst.BaseExpression | None:
    if left is None and right is None:
        return None
    new_left = test.left if left is None else left
    new_right = test.right if right is None else right
    if new_left is EMPTY and new_right is EMPTY:
        return EMPTY
    if new_left is EMPTY:
        return _keep_parens(test, _keep_parens(test.right, new_right))
    if new_right is EMPTY:
        return _keep_parens(test, _keep_parens(test.left, new_left))
    return test.with_changes(
        left=_keep_parens(test.left, new_left), right=_keep_parens(test.right, new_right)
    )
