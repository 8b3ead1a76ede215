"""Every use of LibCST's private API, in one place.

Checked against LibCST 1.9 (the range pinned in pyproject.toml); a new LibCST release is tried
here first. Two protected methods of ``libcst.codemod.Codemod``/``CodemodCommand`` are
overridden, both for speed, with the same results:

* ``_handle_metadata_reference``: metadata over the tree as given, without LibCST's copy;
* ``_instantiate_and_run``: the import adder runs on the import block only.

Qualified names are given without ``QualifiedNameProvider``'s own traversal
(``qualified_names_without_a_traversal``).

And LibCST's search for matcher decorators (``libcst.matchers._visitors``), which looks at every
attribute of every new visitor (about 1,300 on a transformer, a few milliseconds, for each of the
half a dozen visitors a migrated file makes), looks at a class's methods once
(``cache_decorator_search``).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from inspect import ismethod

import libcst as cst
import libcst.matchers._visitors as _matcher_visitors
from libcst import BatchableCSTVisitor
from libcst._metadata_dependent import LazyValue
from libcst.codemod import CodemodCommand
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider, ScopeProvider


class _WithoutCopy:
    """Metadata over the tree as given, not a deep copy of it.

    LibCST copies the module before resolving metadata in case a node object appears twice in
    the tree; a freshly parsed module (what the engine passes) never has one, and the copy costs
    about as much as the parse. ``libcst.tool`` runs keep the copy (the engine sets the flag)."""

    skip_copy = False

    @contextmanager
    def _handle_metadata_reference(self, module: cst.Module) -> Iterator[cst.Module]:
        if not self.skip_copy:
            with super()._handle_metadata_reference(module) as tree:  # type: ignore[misc]
                yield tree
            return
        old = self.context.wrapper  # type: ignore[attr-defined]
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        if QualifiedNameProvider in self.get_inherited_dependencies():  # type: ignore[attr-defined]
            qualified_names_without_a_traversal(wrapper)
        with self.resolve(wrapper):  # type: ignore[attr-defined]
            self.context = replace(self.context, wrapper=wrapper)  # type: ignore[attr-defined]
            try:
                yield wrapper.module
            finally:
                self.context = replace(self.context, wrapper=old)  # type: ignore[attr-defined]


class _QualifiedNames(Mapping[cst.CSTNode, object]):
    """What ``QualifiedNameProvider`` gives, made when asked for.

    The provider visits every node of the module to store, for each, a lazy call of its scope's
    ``get_qualified_names_for`` (an empty set for a node without a scope). The same values come
    from the scopes directly; which nodes are in the module is told by ``PositionProvider`` (it
    prints every node), which the transforms resolve anyway."""

    def __init__(self, scopes: Mapping[cst.CSTNode, object], nodes: Mapping[cst.CSTNode, object]):
        self._scopes = scopes
        self._nodes = nodes
        self._values: dict[cst.CSTNode, object] = {}

    def __getitem__(self, node: cst.CSTNode) -> object:
        value = self._values.get(node)
        if value is None:
            if node not in self._nodes:
                raise KeyError(node)
            scope = self._scopes.get(node)
            value = (
                LazyValue(lambda: scope.get_qualified_names_for(node))  # type: ignore[attr-defined]
                if scope
                else set()
            )
            self._values[node] = value
        return value

    def __contains__(self, node: object) -> bool:
        return node in self._nodes

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)


def qualified_names_without_a_traversal(wrapper: MetadataWrapper) -> None:
    """Give ``wrapper`` its ``QualifiedNameProvider`` metadata from its scopes (see
    ``_QualifiedNames``), unless it has them already."""
    metadata = wrapper._metadata
    if QualifiedNameProvider in metadata:
        return
    resolved = wrapper.resolve_many((ScopeProvider, PositionProvider))
    metadata[QualifiedNameProvider] = _QualifiedNames(
        resolved[ScopeProvider], resolved[PositionProvider]
    )


class PlainHooks:
    """Per-node hooks without LibCST's matcher-decorator bookkeeping, for a transformer that has
    no matcher decorators (mixed in before ``MatcherDecoratableTransformer``).

    With no decorator, ``MatcherDecoratableTransformer.on_visit``/``on_leave`` come down to
    ``CSTTransformer``'s after three calls per node that find nothing to do; and a class that
    defines no attribute hook (``visit_Call_func``) has only LibCST's empty ones, which the
    traversal would look up and call twice for every field of every node."""

    _plain: bool | None = None

    def _is_plain(self) -> bool:
        plain = self._plain
        if plain is None:
            plain = self._plain = not (
                self._matchers  # type: ignore[attr-defined]
                or self._extra_visit_funcs  # type: ignore[attr-defined]
                or self._extra_leave_funcs  # type: ignore[attr-defined]
            )
        return plain

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._is_plain():
            return cst.CSTTransformer.on_visit(self, node)  # type: ignore[arg-type]
        return super().on_visit(node)  # type: ignore[misc]

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> object:
        if self._is_plain():
            return cst.CSTTransformer.on_leave(self, original_node, updated_node)  # type: ignore[arg-type]
        return super().on_leave(original_node, updated_node)  # type: ignore[misc]

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if not (self._is_plain() and not has_attribute_hooks(type(self))):
            super().on_visit_attribute(node, attribute)  # type: ignore[misc]

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        if not (self._is_plain() and not has_attribute_hooks(type(self))):
            super().on_leave_attribute(original_node, attribute)  # type: ignore[misc]


_attribute_hooks: dict[type, bool] = {}


def has_attribute_hooks(cls: type) -> bool:
    """Whether ``cls`` defines a hook for a node's field (``visit_Call_func``), not only LibCST's
    empty ones."""
    found = _attribute_hooks.get(cls)
    if found is None:
        found = False
        for name in dir(cls):
            if name.startswith(("visit_", "leave_")) and name.count("_") >= 2:
                owner = next((k for k in cls.__mro__ if name in vars(k)), None)
                if owner is not None and owner.__module__ != "libcst._typed_visitor":
                    found = True
                    break
        _attribute_hooks[cls] = found
    return found


class _BlankLineKeeper:
    """LibCST's import remover drops a whole import line with the blank lines above it; when that
    line began an import section (``import os`` / blank / ``from azure.core ...``), the next
    section would close up onto the one before. The blank lines go to the next surviving top-level
    statement when it has none of its own."""

    def visit_Module(self, node: cst.Module) -> bool:
        self._top_level = {id(statement) for statement in node.body}
        self._left: dict[int, object] = {}
        return super().visit_Module(node)  # type: ignore[misc]

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> object:
        result = super().on_leave(original_node, updated_node)  # type: ignore[misc]
        if id(original_node) in self._top_level:
            self._left[id(original_node)] = result
        return result

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        updated = super().leave_Module(original_node, updated_node)  # type: ignore[misc]
        carried: Sequence[cst.EmptyLine] = ()
        moved: dict[int, cst.BaseStatement] = {}
        for statement in original_node.body:
            result = self._left.get(id(statement), statement)
            if _gone(result):
                if not carried and _has_blank_line(statement.leading_lines):
                    carried = statement.leading_lines
                continue
            if carried and isinstance(result, cst.SimpleStatementLine | cst.BaseCompoundStatement):
                if not _has_blank_line(result.leading_lines):
                    moved[id(result)] = result.with_changes(
                        leading_lines=(*carried, *result.leading_lines)
                    )
            carried = ()
        if not moved:
            return updated
        return updated.with_changes(body=[moved.get(id(s), s) for s in updated.body])


def _gone(result: object) -> bool:
    return isinstance(result, cst.RemovalSentinel) or (
        isinstance(result, cst.SimpleStatementLine) and not result.body
    )


def _has_blank_line(lines: Sequence[cst.EmptyLine]) -> bool:
    return any(line.comment is None for line in lines)


class _RemoveImports(_BlankLineKeeper, PlainHooks, _WithoutCopy, RemoveImportsVisitor):
    skip_copy = True


class _RemoveImportsCopying(_BlankLineKeeper, RemoveImportsVisitor):
    pass


class HookedCommand(_WithoutCopy, CodemodCommand):
    """A ``CodemodCommand`` with both overrides (set ``skip_copy`` for a freshly parsed tree)."""

    def _instantiate_and_run(self, transform: type, tree: cst.Module) -> cst.Module:
        if transform is RemoveImportsVisitor:
            remover = _RemoveImports if self.skip_copy else _RemoveImportsCopying
            return remover(self.context).transform_module(tree)
        if transform is not AddImportsVisitor:
            return super()._instantiate_and_run(transform, tree)
        # LibCST's import adder reads and changes only the import block at the top of the module
        # (after a docstring) and the first statement after it (given a blank line before it);
        # running it on those statements alone gives the same module for a fraction of the cost.
        body = tree.body
        end = 1 if body and _is_docstring(body[0]) else 0
        while end < len(body) and _is_single_import(body[end]):
            end += 1
        head = AddImportsVisitor(self.context).transform_module(
            tree.with_changes(body=body[: end + 1])
        )
        return tree.with_changes(body=[*head.body, *body[end + 1 :]])


def _is_single_import(stmt: cst.CSTNode) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom))
    )


def _is_docstring(stmt: cst.CSTNode) -> bool:
    """What LibCST's import adder skips before the import block: a docstring or ``__strict__``."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    first = stmt.body[0]
    if isinstance(first, cst.Expr) and isinstance(first.value, cst.SimpleString):
        return True
    return (
        isinstance(first, cst.Assign)
        and len(first.targets) == 1
        and isinstance(first.targets[0].target, cst.Name)
        and first.targets[0].target.value == "__strict__"
    )


# -- matcher decorators, looked for once per class ------------------------------------------------
#
# LibCST asks, for every new visitor, which of its methods carry matcher decorators: it goes
# through ``dir(visitor)`` and reads each attribute. A method defined in a class (a plain
# function there, not shadowed by an instance attribute) is the same bound function every time,
# so whether it carries a decorator is a fact of the class. Everything else (instance attributes,
# other class attributes) is still read on each visitor, in the same order, exactly as LibCST does.

_functions_of: dict[type, dict[str, types.FunctionType]] = {}
_wanted: dict[tuple[type, tuple[str, ...]], tuple[str, ...]] = {}


def _plain_functions(cls: type) -> dict[str, types.FunctionType]:
    """The names under which an instance of ``cls`` finds a plain function of its class."""
    found = _functions_of.get(cls)
    if found is None:
        found = {}
        for name in dir(cls):
            for klass in cls.__mro__:
                if name in vars(klass):
                    value = vars(klass)[name]
                    if type(value) is types.FunctionType:
                        found[name] = value
                    break
        _functions_of[cls] = found
    return found


def _names_to_read(cls: type, attributes: tuple[str, ...]) -> tuple[str, ...]:
    """``dir(cls)`` without the plain functions that carry none of ``attributes``."""
    key = (cls, attributes)
    names = _wanted.get(key)
    if names is None:
        functions = _plain_functions(cls)
        names = tuple(
            name
            for name in dir(cls)
            if name not in functions or any(hasattr(functions[name], a) for a in attributes)
        )
        _wanted[key] = names
    return names


def _read_attributes(
    obj: object, attributes: tuple[str, ...], methods_only: bool
) -> Iterator[tuple[str, Callable[..., object]]]:
    """(name, attribute) for what LibCST's loop over ``dir(obj)`` would look at, in its order."""
    cls = type(obj)
    own = getattr(obj, "__dict__", None) or {}
    names = _names_to_read(cls, attributes)
    if own:
        names = tuple(sorted({*names, *own}))
    for name in names:
        if _matcher_visitors.is_property(obj, name):
            continue
        value = getattr(obj, name)
        if methods_only and not ismethod(value):
            continue
        yield name, value


def _constructed(obj: object, attribute: str, kind: str) -> dict[object, tuple]:
    found: dict[object, tuple] = {}
    for _name, func in _read_attributes(obj, (attribute,), True):
        matchers = getattr(func, attribute, [])
        if matchers:
            _matcher_visitors._assert_not_concrete(kind, func)
        for matcher in matchers:
            found[matcher] = (*found.get(matcher, ()), func)
    return found


def _gather_constructed_visit_funcs(obj: object) -> dict[object, tuple]:
    return _constructed(obj, _matcher_visitors.CONSTRUCTED_VISIT_MATCHER_ATTR, "visit")


def _gather_constructed_leave_funcs(obj: object) -> dict[object, tuple]:
    return _constructed(obj, _matcher_visitors.CONSTRUCTED_LEAVE_MATCHER_ATTR, "leave")


def _gather_matchers(obj: object) -> dict[object, None]:
    positive = _matcher_visitors.VISIT_POSITIVE_MATCHER_ATTR
    negative = _matcher_visitors.VISIT_NEGATIVE_MATCHER_ATTR
    found: dict[object, None] = {}
    for _name, func in _read_attributes(obj, (positive, negative), False):
        for matcher in getattr(func, positive, []):
            found[matcher] = None
        for matcher in getattr(func, negative, []):
            found[matcher] = None
    return found


# LibCST's own search, kept for the tests that compare the two.
LIBCST_DECORATOR_SEARCH = (
    _matcher_visitors._gather_constructed_visit_funcs,
    _matcher_visitors._gather_constructed_leave_funcs,
    _matcher_visitors._gather_matchers,
)


def _is_hook(func: object) -> bool:
    name = getattr(func, "__name__", "")
    return name.startswith(("visit_", "leave_")) and not getattr(func, "_is_no_op", False)


_hook_names: dict[type, tuple[str, ...]] = {}


def _get_visitors(self: BatchableCSTVisitor) -> dict[str, Callable[..., object]]:
    """``BatchableCSTVisitor.get_visitors`` (the hooks a metadata provider runs batched), reading
    the methods of each class once: what ``inspect.getmembers`` would give, in its order."""
    cls = type(self)
    names = _hook_names.get(cls)
    if names is None:
        functions = _plain_functions(cls)
        names = tuple(n for n in dir(cls) if n not in functions or _is_hook(functions[n]))
        _hook_names[cls] = names
    own = getattr(self, "__dict__", None) or {}
    if own:
        names = tuple(sorted({*names, *own}))
    found: dict[str, Callable[..., object]] = {}
    for name in names:
        try:
            value = getattr(self, name)
        except AttributeError:
            continue
        if ismethod(value) and _is_hook(value):
            found[name] = value
    return found


LIBCST_GET_VISITORS = BatchableCSTVisitor.get_visitors


def cache_decorator_search() -> None:
    """Make LibCST's matcher-decorator search, and its search for a batched visitor's hooks, look
    at each class's methods once."""
    _matcher_visitors._gather_constructed_visit_funcs = _gather_constructed_visit_funcs
    _matcher_visitors._gather_constructed_leave_funcs = _gather_constructed_leave_funcs
    _matcher_visitors._gather_matchers = _gather_matchers
    BatchableCSTVisitor.get_visitors = _get_visitors  # type: ignore[method-assign]


cache_decorator_search()
