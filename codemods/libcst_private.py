"""Every use of LibCST's private API, in one place.

Checked against LibCST 1.9 (the range pinned in pyproject.toml); a new LibCST release is tried
here first. Two protected methods of ``libcst.codemod.Codemod``/``CodemodCommand`` are
overridden, both for speed, with the same results:

* ``_handle_metadata_reference``: metadata over the tree as given, without LibCST's copy;
* ``_instantiate_and_run``: the import adder runs on the import block only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import libcst as cst
from libcst.codemod import CodemodCommand
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper


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
        with self.resolve(wrapper):  # type: ignore[attr-defined]
            self.context = replace(self.context, wrapper=wrapper)  # type: ignore[attr-defined]
            try:
                yield wrapper.module
            finally:
                self.context = replace(self.context, wrapper=old)  # type: ignore[attr-defined]


class _RemoveImports(_WithoutCopy, RemoveImportsVisitor):
    skip_copy = True


class HookedCommand(_WithoutCopy, CodemodCommand):
    """A ``CodemodCommand`` with both overrides (set ``skip_copy`` for a freshly parsed tree)."""

    def _instantiate_and_run(self, transform: type, tree: cst.Module) -> cst.Module:
        if transform is RemoveImportsVisitor and self.skip_copy:
            return _RemoveImports(self.context).transform_module(tree)
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
