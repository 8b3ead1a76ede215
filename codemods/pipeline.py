"""All codemods of one module together: one parse, one metadata resolution, one result.

``MigrateModule`` is a regular LibCST ``CodemodCommand``, so it also runs under
``python -m libcst.tool codemod pipeline.MigrateModule`` (the benchmark's baseline).
"""

from __future__ import annotations

import argparse
import ast
from dataclasses import replace

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import PositionProvider, QualifiedNameProvider

from codemods import batched, openai_v0
from codemods.findings import MIGRATED, ModuleOutcome, Notice
from codemods.import_placement import ImportLayout
from codemods.key_guards import RULE_READ, KeyGuardVisitor
from codemods.keyless import Analyses, KeylessMigration
from codemods.libcst_private import HookedCommand
from codemods.module_state import ModuleState
from codemods.options import CLOUDS, CREDENTIAL_KINDS, MigrationOptions
from codemods.schema_reads import subscript_reads
from codemods.settings_reads import field_reads, name_reads
from codemods.usage import UsageVisitor


class MigrateModule(HookedCommand):
    DESCRIPTION = "Move Azure OpenAI clients from API keys to Entra ID token providers."
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(
        self,
        context: CodemodContext,
        options: MigrationOptions | None = None,
        outside_words: frozenset[str] = frozenset(),
        syntax_tree: ast.Module | None = None,
        layout: ImportLayout | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(context)
        self.outside_words = outside_words
        self.layout = layout
        self.syntax_tree = syntax_tree
        if options is None:
            options = MigrationOptions(**{k: v for k, v in kwargs.items() if v is not None})  # type: ignore[arg-type]
        self.options = options
        self.outcome = ModuleOutcome()
        # openai 0.x code rewritten to the 1.x client: the keyless migration runs on this next.
        self.v0: openai_v0.Result | None = None

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument("--credential", choices=CREDENTIAL_KINDS, default=None)
        arg_parser.add_argument("--cloud", choices=CLOUDS, default=None)

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
        v0_scan = openai_v0.Scan()
        # Every read-only visitor in one traversal; then the transforms in one more.
        batched.visit(wrapper.module, [usage, guards, v0_scan, *analyses.visitors], wrapper)
        v0 = (
            openai_v0.rewrite(wrapper, self.context.filename)
            if v0_scan.found and self.syntax_tree is None
            else None
        )
        if v0 is not None and v0.module is not None:
            self.v0 = v0
            return tree
        keyless = KeylessMigration(
            self.context,
            self.options,
            usage.by_position,
            self.outside_words,
            self.syntax_tree,
            analyses,
            self.layout,
        )
        new_tree = wrapper.visit(keyless)
        self.outcome = keyless.outcome
        if v0 is not None:
            self.outcome.notices.append(_v0_left(v0))
        migrated = any(c.outcome == MIGRATED for c in self.outcome.clients)
        # A read of the key inside an expression the transform removed (a config dict's key entry)
        # is gone from the migrated code: no follow-up for it.
        removed = [self.get_metadata(PositionProvider, v) for v in keyless.removed_values]
        # Nor for the checks and reads the key clean-up removed or rewrote (it reports them).
        edited = [self.get_metadata(PositionProvider, s) for s in keyless.edited_statements]
        self.outcome.notices.extend(
            n
            for n in guards.notices(migrated)
            if not (n.rule == RULE_READ and any(_inside(n.line, n.column, r) for r in removed))
            and not any(_inside(n.line, n.column, r) for r in edited)
        )
        self.outcome.facts = replace(
            usage.facts,
            key_fields=field_reads(state, keyless.removed_values),
            key_names=name_reads(state, keyless.removed_values),
            config_params=tuple(dict.fromkeys(keyless.client_args.precision.typed_reads)),
            key_entries=subscript_reads(state, keyless.removed_values),
        )
        return new_tree


# LibCST's import remover resolves ``from .config import KEY`` to an absolute module name and
# refuses a relative import when the module's package is unknown. The run does not know where a
# package starts, and the name only has to be the same wherever one module's imports are compared,
# so every module is given the same made-up package, deep enough for any number of leading dots.
_STAND_IN_PACKAGE = ".".join(f"_aoai_migrate_level{i}" for i in range(16))
_STAND_IN_MODULE = f"{_STAND_IN_PACKAGE}._aoai_migrate_module"


def migrate_module(
    module: cst.Module,
    options: MigrationOptions,
    filename: str | None = None,
    outside_words: frozenset[str] = frozenset(),
    syntax_tree: ast.Module | None = None,
    layout: ImportLayout | None = None,
) -> tuple[cst.Module, ModuleOutcome]:
    """``outside_words``: identifiers of code left out of ``module`` (see ``codemods.slicing``);
    ``syntax_tree``: Python's tree of the whole file, when ``module`` is a slice of it;
    ``layout``: where the imports the migration adds may go."""
    context = CodemodContext(
        filename=filename, full_module_name=_STAND_IN_MODULE, full_package_name=_STAND_IN_PACKAGE
    )
    command = MigrateModule(context, options, outside_words, syntax_tree, layout)
    command.skip_copy = True  # the engine parsed ``module`` itself: no node appears twice
    new_module = command.transform_module(module)
    v0 = command.v0
    if v0 is None or v0.module is None:
        return new_module, command.outcome
    # The 0.x code is now 1.x code with a key: the keyless migration of it, in the same run.
    if layout is not None and layout.cells:
        layout = replace(layout, cells=_moved_cells(layout.cells, module.code, v0.module.code))
    again = MigrateModule(context, options, outside_words, syntax_tree, layout)
    again.skip_copy = True
    new_module = again.transform_module(v0.module)
    outcome = again.outcome
    outcome.notices.insert(0, Notice(v0.line, 0, openai_v0.RULE_REWRITTEN, v0.summary, "info"))
    return new_module, outcome


def _v0_left(v0: openai_v0.Result) -> Notice:
    return Notice(
        v0.line,
        0,
        openai_v0.RULE_LEFT,
        "the openai 0.x code was not rewritten to the 1.x client (never half of a module): "
        + "; ".join(v0.reasons),
    )


def _moved_cells(
    cells: tuple[tuple[int, int], ...], old: str, new: str
) -> tuple[tuple[int, int], ...]:
    """Notebook cell starts (their marker lines) in ``new``, the module the 0.x rewrite made."""
    old_lines = old.splitlines()
    new_index = {text: number for number, text in enumerate(new.splitlines(), 1)}
    moved = []
    for first, header in cells:
        line = new_index.get(old_lines[first - 1]) if first <= len(old_lines) else None
        if line is None:
            return cells
        moved.append((line, line + header - first))
    return tuple(moved)


def _inside(line: int, column: int, code_range: object) -> bool:
    start, end = code_range.start, code_range.end  # type: ignore[attr-defined]
    return (start.line, start.column) <= (line, column) < (end.line, end.column)
