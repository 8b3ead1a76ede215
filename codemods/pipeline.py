"""All codemods of one module together: one parse, one metadata resolution, one result.

``MigrateModule`` is a regular LibCST ``CodemodCommand``, so it also runs under
``python -m libcst.tool codemod pipeline.MigrateModule`` (the benchmark's baseline).
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider

from codemods import batched
from codemods.credential_setup import wrap_long_identity_imports
from codemods.findings import MIGRATED, ModuleOutcome
from codemods.key_guards import RULE_READ, KeyGuardVisitor
from codemods.keyless import Analyses, KeylessMigration
from codemods.module_state import ModuleState
from codemods.options import CLOUDS, CREDENTIAL_KINDS, MigrationOptions
from codemods.usage import UsageVisitor


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


class MigrateModule(_WithoutCopy, CodemodCommand):
    DESCRIPTION = "Move Azure OpenAI clients from API keys to Entra ID token providers."
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(
        self,
        context: CodemodContext,
        options: MigrationOptions | None = None,
        outside_words: frozenset[str] = frozenset(),
        syntax_tree: ast.Module | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(context)
        self.outside_words = outside_words
        self.syntax_tree = syntax_tree
        if options is None:
            options = MigrationOptions(**{k: v for k, v in kwargs.items() if v is not None})  # type: ignore[arg-type]
        self.options = options
        self.outcome = ModuleOutcome()

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument("--credential", choices=CREDENTIAL_KINDS, default=None)
        arg_parser.add_argument("--cloud", choices=CLOUDS, default=None)

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
        head = AddImportsVisitor(self.context).transform_module(tree.with_changes(body=body[: end + 1]))
        return tree.with_changes(body=[*head.body, *body[end + 1 :]])

    def transform_module(self, tree: cst.Module) -> cst.Module:
        # The base class runs the transform, then LibCST's import visitors.
        return wrap_long_identity_imports(super().transform_module(tree))

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        wrapper = self.context.wrapper
        assert wrapper is not None
        usage = UsageVisitor(self.context)
        guards = KeyGuardVisitor(self.context)
        state = ModuleState(
            wrapper.module,
            wrapper.resolve_many(KeylessMigration.METADATA_DEPENDENCIES),
            self.options,
            self.context.filename,
            usage.by_position,  # filled in by the batched traversal
            self.outside_words,
            self.syntax_tree,
        )
        analyses = Analyses(state)
        # Every read-only visitor in one traversal; then the transforms in one more.
        batched.visit(wrapper.module, [usage, guards, *analyses.visitors], wrapper)
        keyless = KeylessMigration(
            self.context, self.options, usage.by_position, self.outside_words, self.syntax_tree, analyses
        )
        new_tree = wrapper.visit(keyless)
        self.outcome = keyless.outcome
        migrated = any(c.outcome == MIGRATED for c in self.outcome.clients)
        # A read of the key inside an expression the transform removed (a config dict's key entry)
        # is gone from the migrated code: no follow-up for it.
        removed = [self.get_metadata(PositionProvider, v) for v in keyless.removed_values]
        self.outcome.notices.extend(
            n
            for n in guards.notices(migrated)
            if not (n.rule == RULE_READ and any(_inside(n.line, n.column, r) for r in removed))
        )
        self.outcome.facts = usage.facts
        return new_tree


def migrate_module(
    module: cst.Module,
    options: MigrationOptions,
    filename: str | None = None,
    outside_words: frozenset[str] = frozenset(),
    syntax_tree: ast.Module | None = None,
) -> tuple[cst.Module, ModuleOutcome]:
    """``outside_words``: identifiers of code left out of ``module`` (see ``codemods.slicing``);
    ``syntax_tree``: Python's tree of the whole file, when ``module`` is a slice of it."""
    command = MigrateModule(CodemodContext(filename=filename), options, outside_words, syntax_tree)
    command.skip_copy = True  # the engine parsed ``module`` itself: no node appears twice
    new_module = command.transform_module(module)
    return new_module, command.outcome


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


def _inside(line: int, column: int, code_range: object) -> bool:
    start, end = code_range.start, code_range.end  # type: ignore[attr-defined]
    return (start.line, start.column) <= (line, column) < (end.line, end.column)
