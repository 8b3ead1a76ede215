"""Key leftovers: what held, fetched or checked a key that the migration took out of a client.

Once a client's key argument is gone, the code around it may still read or insist on the key,
and fail once it is removed from the environment (``os.environ["K"]`` raises ``KeyError`` at
import, ``AzureKeyCredential(os.getenv("K"))`` raises ``TypeError``, ``if not KEY: raise``
stops the program). At the end of the migration's traversal, over the original tree:

1. *the keys it made unused*: the variables (per scope), dotted attributes and environment
   variable names that fed a removed key expression, and the variables those were built from;
2. *the checks on them* (``codemods.guard_edits``): removed, or rewritten without the key;
3. *whether each is still read* anywhere else, the checks that will go excepted. A variable
   nothing else reads is deleted when its value is an environment read, a key credential
   (``AzureKeyCredential(...)``), a literal, or a config lookup (``config["aoai"]["key"]``,
   ``settings.KEY``); a Key Vault lookup (a network call) or anything else is only reported.
   A variable still read is kept and each read is reported (line). A module-level variable
   listed in ``__all__`` is kept, and so is one the run's other modules import
   (``MigrationOptions.kept_names``, filled in by ``migrator.key_importers``). A check is
   only changed when every key it tests is unused, so it never concerns an unmigrated client.

The edits are applied together to the migrated tree (``codemods.key_edits``); if any cannot
be, none is, and the leftovers are reported instead. Imports only they used are removed.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor

from codemods import env_helpers, guard_edits, key_settings
from codemods.findings import ModuleOutcome, Notice
from codemods.key_edits import ApplyEdits
from codemods.key_facts import KeyFacts
from codemods.key_plan import KEY_CREDENTIAL_NAMES, Dropped, Plan, Var
from codemods.key_reads import assigned, ids, names_under
from codemods.key_unread import unread_key_targets
from codemods.module_state import ModuleState

RULE_REMOVED = "key-variable-removed"
RULE_KEPT = "key-variable-kept"
RULE_UNUSED = "unused-key-variable"
RULE_GUARD_REMOVED = "key-guard-removed"
RULE_GUARD_REWRITTEN = "key-guard-rewritten"


class KeyCleanup:
    """The clean-up transform: hooked into the migration's traversal by ``KeylessMigration``."""

    def __init__(
        self,
        state: ModuleState,
        outcome: ModuleOutcome,
        context: CodemodContext,
        report_literals_in: Callable[[cst.CSTNode], None],
        facts: KeyFacts,
    ) -> None:
        self.state = state
        self.facts = facts
        self.outcome = outcome
        self.context = context
        self._report_literals_in = report_literals_in
        self._dropped: list[Dropped] = []
        self._functions: list[cst.FunctionDef] = []
        self._updated: dict[int, cst.CSTNode] = {}  # id(original statement) -> migrated one
        self.edited: list[cst.CSTNode] = []  # original statements removed or rewritten

    # -- hooks of the traversal -----------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._functions.pop()
        return updated_node

    def track(self, original: cst.CSTNode, updated: object) -> None:
        if isinstance(original, cst.BaseStatement) and isinstance(updated, cst.CSTNode):
            self._updated[id(original)] = updated

    def dropped_here(self, value: cst.BaseExpression) -> None:
        """A key expression in the function (or module) the traversal is in leaves the code."""
        self.dropped(value, self._functions[-1] if self._functions else None)

    def dropped(self, value: cst.BaseExpression, function: cst.FunctionDef | None) -> None:
        self._dropped.append(Dropped(value, function))
        if isinstance(value, cst.Call):
            # AzureKeyCredential(key), Secret.from_token(key): the variable inside went too.
            for arg in value.args:
                if isinstance(arg.value, (cst.Name, cst.Attribute)):
                    self._dropped.append(Dropped(arg.value, function))

    def _notice(
        self,
        node: cst.CSTNode,
        rule: str,
        message: str,
        severity: str = "warning",
    ) -> None:
        pos = self.state.position(node)
        self.outcome.notices.append(Notice(pos.line, pos.column, rule, message, severity=severity))

    # -- the end of the traversal ---------------------------------------------------------------
    def leave_module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        self._release()
        self._dropped += unread_key_targets(self.state, self.facts, self.outcome)
        settings = key_settings.find(self.state, self.outcome, original)
        for setting in settings.removable:
            self.dropped(setting.value, setting.function)
        if not self._dropped:
            self._report_settings(settings, failed=False)
            return updated
        plan = Plan(self.state, self.facts, self._dropped, original)
        plan.solve()
        edits: dict[int, tuple[str, guard_edits.Make | None]] = {}
        removals = [v for v in plan.vars.values() if v.unused and v.statement is not None]
        statements = [v.statement for v in removals] + [e.statement for e in plan.active]
        statements += [s.statement for s in settings.removable]
        missing = False
        bodies: dict[int, int] = {}
        for setting in settings.removable:
            key = self._updated.get(id(setting.statement))
            missing |= key is None
            edits[id(key)] = (guard_edits.REMOVE, None)
            bodies[id(getattr(key, "body", key))] = id(key)
        for var in removals:
            key = self._updated.get(id(var.statement))
            missing |= key is None
            edits[id(key)] = (guard_edits.REMOVE, None)
            bodies[id(getattr(key, "body", key))] = id(key)
        for edit in plan.active:
            key = self._updated.get(id(edit.statement))
            missing |= key is None
            edits[id(key)] = (edit.action, edit.make)
            bodies[id(getattr(key, "body", key))] = id(key)
        new = updated
        if statements and not missing:
            applier = ApplyEdits(edits, bodies)
            candidate = updated.visit(applier)
            if len(applier.applied) == len(edits):
                new = candidate
            else:
                missing = True
        if missing:
            removals, plan.active = [], []
        self.edited = [s for s in statements if s is not None] if not missing else []
        self._report(plan, removals, missing)
        self._report_settings(settings, failed=missing)
        for setting in settings.removable if not missing else ():
            for node in setting.statement.body:
                RemoveImportsVisitor.remove_unused_import_by_node(self.context, node)
        for var in removals:
            assert var.statement is not None
            found = assigned(var.statement)
            assert found is not None
            self._report_literals_in(var.statement)
            RemoveImportsVisitor.remove_unused_import_by_node(self.context, found[1])
        for edit in plan.active:
            gone = [edit.statement] if edit.action == guard_edits.REMOVE else edit.operands
            for node in gone:
                RemoveImportsVisitor.remove_unused_import_by_node(self.context, node)
        self._report_key_credential_imports(original, plan.excluded_ids, removals)
        return new

    def _report_settings(self, settings: key_settings.Settings, failed: bool) -> None:
        for setting in settings.removable:
            if failed:
                why = "it could not be removed with the rest"
                self._notice(setting.statement, key_settings.RULE_KEPT,
                             key_settings.kept_message(setting, why))  # fmt: skip
            else:
                self._notice(setting.statement, key_settings.RULE_REMOVED,
                             key_settings.removed_message(setting), "info")  # fmt: skip
        for setting, why in settings.kept:
            self._notice(setting.statement, key_settings.RULE_KEPT,
                         key_settings.kept_message(setting, why))  # fmt: skip

    def _release(self) -> None:
        """The module-level variables only other modules' rewritten key arguments read
        (``MigrationOptions.released_names``): as if a key expression read each here."""
        for name, _ in self.state.options.released_names:
            statement = self.facts.single.get((id(None), name))
            found = assigned(statement) if statement is not None else None
            if found is not None and self.facts.counts.get((id(None), name)) == 1:
                self._dropped.append(Dropped(found[0], None))

    # -- the report -----------------------------------------------------------------------------
    def _report(self, plan: Plan, removals: list[Var], failed: bool) -> None:
        importable = self._importable()
        for var in removals:
            assert var.statement is not None
            where = "function" if var.scope is not None else "module"
            readers = dict(self.state.options.released_names).get(var.name)
            many = readers is not None and ", " in readers
            elsewhere = (
                f", and the client{'s' if many else ''} of the run that read it ({readers}) "
                f"no longer read{'' if many else 's'} it"
                if var.scope is None and readers
                else ""
            )
            self._notice(
                var.statement,
                RULE_REMOVED,
                f"`{var.name}` held the key ({_KINDS[var.kind]}) and nothing else in this {where} "
                f"reads it now{elsewhere}: its assignment was removed",
                "info",
            )
            if var.scope is None and importable:
                self.outcome.notices[-1] = _with_subject(self.outcome.notices[-1], var.name)
        for edit in plan.active:
            removed = edit.action == guard_edits.REMOVE
            code = _first_line(edit.statement)
            self._notice(
                edit.statement,
                RULE_GUARD_REMOVED if removed else RULE_GUARD_REWRITTEN,
                (
                    f"`{code}`, {edit.what}, was removed: the migrated client does not use the key"
                    if removed
                    else f"`{code}`, {edit.what}, was removed and its body kept"
                    if edit.what == guard_edits.UNWRAPPED
                    else f"`{code}`: the key was taken out of {edit.what}, the rest is kept"
                ),
                "info",
            )
        for var in plan.vars.values():
            if var.statement is None or (var.unused and not failed):
                continue
            if var.kind == "helper":
                plan.still_read(var, plan.excluded_ids)  # the reads the report names
            if var.kind == "key-vault":
                self._notice(
                    var.statement,
                    "unused-key-lookup",
                    f"`{var.name}` fetches the key from Key Vault (get_secret) and the migrated "
                    "code no longer uses it: remove the lookup, and the secret once nothing else "
                    "needs it",
                )
            elif var.reads:
                lines = ", ".join(str(line) for line in var.reads)
                plural = "s" if len(var.reads) > 1 else ""
                self._notice(
                    var.statement,
                    RULE_KEPT,
                    f"`{var.name}` held the key and is still read (line{plural} {lines}): it was "
                    "kept; "
                    "remove those reads before removing the key from the environment",
                )
            elif (
                var.kind == "helper" and var.name not in plan.kept_names and not plan.exported(var)
            ):
                why = plan.helpers[(id(var.scope), var.name)]
                self._notice(
                    var.statement,
                    env_helpers.RULE,
                    f"`{var.name}` reads the key through a settings helper and nothing else "
                    f"reads it now, but it was kept: {why}. The read still requires the key "
                    "variable: delete it (or make the read optional) before removing the key",
                )
                imported = plan.imported_helpers.get((id(var.scope), var.name))
                if imported and not failed:  # followed into the run (``migrator.helper_release``)
                    self.outcome.notices[-1] = _with_subject(self.outcome.notices[-1], imported)
            elif var.kind in plan.kept_reasons:
                self._notice(var.statement, RULE_KEPT, plan.kept_reasons[var.kind])
            elif var.name in plan.kept_names:
                self._notice(
                    var.statement,
                    RULE_KEPT,
                    f"`{var.name}` held the key and nothing in this module reads it now, but "
                    f"{plan.kept_names[var.name]}: it was kept; delete it with that import",
                )
            elif plan.exported(var):
                self._notice(
                    var.statement,
                    RULE_KEPT,
                    f"`{var.name}` held the key and nothing in this module reads it now, but it "
                    "is exported (`__all__`): it was kept; delete it once no importer needs it",
                )
            else:
                self._notice(
                    var.statement,
                    RULE_UNUSED,
                    f"`{var.name}` held the key and nothing else reads it now"
                    + (": it could not be removed with the rest, delete it" if failed else "")
                    + (
                        ""
                        if failed
                        else f" ({_KINDS.get(var.kind, 'not an environment read')}): delete it"
                    ),
                )

    def _importable(self) -> bool:
        filename = self.state.filename
        if not filename:
            return True
        stem, ext = os.path.splitext(os.path.basename(filename))
        return stem.isidentifier() and stem != "__main__" and ext != ".ipynb"

    def _report_key_credential_imports(
        self, original: cst.Module, excluded: set[int], removals: list[Var]
    ) -> None:
        gone = [d.value for d in self._dropped] + [
            assigned(v.statement)[1]  # type: ignore[arg-type,index]
            for v in removals
        ]
        aliases: dict[str, cst.CSTNode] = {}
        for statement in original.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.ImportFrom) and not isinstance(
                    small.names, cst.ImportStar
                ):
                    module = cst.Module([]).code_for_node(small.module) if small.module else ""
                    for alias in small.names:
                        if (
                            f"{module}.{cst.Module([]).code_for_node(alias.name)}"
                            in KEY_CREDENTIAL_NAMES
                        ):
                            local = alias.asname.name if alias.asname else alias.name
                            if isinstance(local, cst.Name):
                                aliases[local.value] = statement
        for alias, statement in aliases.items():
            if not any(alias in names_under(value) for value in gone):
                continue
            skip = excluded | ids(statement)
            if not any(id(n) not in skip for n, _ in self.facts.reads.get(alias, ())):
                self._notice(
                    statement,
                    "unused-import-removed",
                    f"{alias} is no longer used (its keys were replaced): its import was removed",
                    "info",
                )


_KINDS = {
    "env": "read from the environment",
    "credential": "a key credential",
    "literal": "a literal",
    "config": "a configuration lookup",
    "key-vault": "a Key Vault lookup",
    "other": "not an environment read",
}


def _first_line(statement: cst.CSTNode) -> str:
    """How the report names a check: its test (never a message, which could hold anything)."""
    code = cst.Module([]).code_for_node
    if isinstance(statement, cst.If):
        text = f"if {code(statement.test)}:"
    elif isinstance(statement, cst.For):
        text = f"for {code(statement.target)} in {code(statement.iter)}:"
    elif isinstance(statement, cst.SimpleStatementLine) and statement.body:
        small = statement.body[0]
        if isinstance(small, cst.Assert):
            text = f"assert {code(small.test)}"
        elif isinstance(small, cst.Assign):
            text = f"{code(small.targets[0].target)} = {code(small.value)}"
        else:
            text = code(small)
    else:
        text = ""
    line = " ".join(text.split())
    return line if len(line) <= 70 else line[:67] + "..."


def _with_subject(notice: Notice, subject: str) -> Notice:
    from dataclasses import replace

    return replace(notice, subject=subject)
