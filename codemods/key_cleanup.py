"""Key leftovers: what held or fetched a key that the migration took out of a client call.

When a dropped key expression is a variable, the variable's assignment may now be unread:

* function-local and read from the environment (``os.environ[...]``, ``os.getenv(...)``,
  ``os.environ.get(...)``): nothing outside the function can see it, so it is removed;
* module-level: other modules may ``from settings import API_KEY``, which this tool cannot see
  from one file, so it is left and reported (it is removed only in a module that cannot be
  imported by name: a file whose name is not an identifier, or ``__main__.py``). The report
  says why it matters: ``os.environ["KEY"]`` raises ``KeyError`` at import once the key is
  gone from the environment;
* a Key Vault lookup (``get_secret(...)``) is never removed (it is a network call and may be
  shared), only reported; so is any other unread key variable.

An ``AzureKeyCredential`` import whose every use was in a dropped key is removed (LibCST's
RemoveImportsVisitor) and reported.

Reads are counted on the original tree: a name counts as still read if it appears anywhere in
its scope other than its own assignment target and the dropped expressions (attribute names
and keyword-argument names are not reads). ``global`` statements and ``__all__`` entries
count, so in doubt a variable is kept.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor

from codemods.findings import ModuleOutcome, Notice
from codemods.key_reads import Reads, ids, names_under, single_assignment
from codemods.module_state import ModuleState
from codemods.resolve import qualified_names

_ENV_CALLS = {"os.getenv", "os.environ.get"}
KEY_CREDENTIAL_NAMES = {"azure.core.credentials.AzureKeyCredential"}


@dataclass
class _Dropped:
    value: cst.BaseExpression
    function: cst.FunctionDef | None


class KeyCleanup:
    """The clean-up transform: its ``leave_`` methods run in the migration's traversal."""

    def __init__(
        self,
        state: ModuleState,
        outcome: ModuleOutcome,
        context: CodemodContext,
        report_literals_in: Callable[[cst.CSTNode], None],
    ) -> None:
        self.state = state
        self.outcome = outcome
        self.context = context
        self._report_literals_in = report_literals_in
        self._dropped: list[_Dropped] = []
        self._functions: list[cst.FunctionDef] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._functions.pop()
        return self.leave_function(original_node, updated_node)

    def dropped_here(self, value: cst.BaseExpression) -> None:
        """A key expression in the function (or module) the traversal is in leaves the code."""
        self.dropped(value, self._functions[-1] if self._functions else None)

    def dropped(self, value: cst.BaseExpression, function: cst.FunctionDef | None) -> None:
        self._dropped.append(_Dropped(value, function))
        if isinstance(value, cst.Call):
            # AzureKeyCredential(key), Secret.from_token(key): the variable inside went too.
            for arg in value.args:
                if isinstance(arg.value, cst.Name):
                    self._dropped.append(_Dropped(arg.value, function))

    def _excluded(self) -> set[int]:
        found: set[int] = set()
        for d in self._dropped:
            found |= ids(d.value)
        return found

    # -- what kind of value held the key ------------------------------------------------------
    def _kind(self, value: cst.BaseExpression) -> str:
        if isinstance(value, cst.Call) and qualified_names(self.state, value.func) & _ENV_CALLS:
            return "env"
        if isinstance(value, cst.Subscript) and "os.environ" in qualified_names(
            self.state, value.value
        ):
            return "env"
        inner = (
            value.value
            if isinstance(value, cst.Attribute) and value.attr.value == "value"
            else value
        )
        if (
            isinstance(inner, cst.Call)
            and isinstance(inner.func, cst.Attribute)
            and inner.func.attr.value == "get_secret"
        ):
            return "key-vault"
        return "other"

    def _line(self, node: cst.CSTNode) -> int:
        return self.state.position(node).line

    def _notice(
        self, node: cst.CSTNode, rule: str, message: str, severity: str = "warning"
    ) -> None:
        pos = self.state.position(node)
        self.outcome.notices.append(Notice(pos.line, pos.column, rule, message, severity=severity))

    # -- function-local variables --------------------------------------------------------------
    def leave_function(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        names = {
            d.value.value
            for d in self._dropped
            if d.function is original and isinstance(d.value, cst.Name)
        }
        if not names or not isinstance(original.body, cst.IndentedBlock):
            return updated
        excluded = self._excluded()
        remove: list[cst.BaseStatement] = []
        for name in sorted(names):
            statements = [s for s in original.body.body if single_assignment(s, name) is not None]
            if len(statements) != 1:
                continue  # assigned more than once, or not here (a parameter, a global)
            statement = statements[0]
            assign = single_assignment(statement, name)
            assert assign is not None
            reads = Reads(name, excluded | {id(assign.targets[0].target)})
            original.visit(reads)
            if reads.count:
                continue
            kind = self._kind(assign.value)
            self._report_literals_in(assign)
            if kind == "env":
                remove.append(statement)
                RemoveImportsVisitor.remove_unused_import_by_node(self.context, assign.value)
                self._notice(
                    statement,
                    "key-variable-removed",
                    f"`{name}`, read from the environment, held the key and nothing else in this "
                    "function reads it: its assignment was removed",
                    "info",
                )
            else:
                self._report_unread(statement, name, kind, "function")
        if not remove:
            return updated
        body = [s for s in updated.body.body if not any(s.deep_equals(r) for r in remove)]
        if not body:
            body = [cst.SimpleStatementLine([cst.Pass()])]
        return updated.with_changes(body=updated.body.with_changes(body=body))

    def _report_unread(self, where: cst.CSTNode, name: str, kind: str, scope: str) -> None:
        if kind == "key-vault":
            self._notice(
                where,
                "unused-key-lookup",
                f"`{name}` fetches the key from Key Vault (get_secret) and the migrated code "
                "no longer uses it: remove the lookup, and the secret once nothing else needs it",
            )
        else:
            self._notice(
                where,
                "unused-key-variable",
                f"`{name}` held the key and nothing else in this {scope} reads it: delete it",
            )

    # -- module-level variables and imports -----------------------------------------------------
    def leave_module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if not self._dropped:
            return updated
        excluded = self._excluded()
        remove: list[cst.BaseStatement] = []
        names = {
            d.value.value
            for d in self._dropped
            if isinstance(d.value, cst.Name)
            and not (d.function is not None and self._binds_locally(d.function, d.value.value))
        }
        importable = self._importable()
        for name in sorted(names):
            statements = [s for s in original.body if single_assignment(s, name) is not None]
            if len(statements) != 1:
                continue
            statement = statements[0]
            assign = single_assignment(statement, name)
            assert assign is not None
            reads = Reads(name, excluded | {id(assign.targets[0].target)})
            original.visit(reads)
            if reads.count or reads.exported:
                continue
            kind = self._kind(assign.value)
            if kind == "env" and not importable:
                remove.append(statement)
                RemoveImportsVisitor.remove_unused_import_by_node(self.context, assign.value)
                self._notice(
                    statement,
                    "key-variable-removed",
                    f"`{name}`, read from the environment, held the key and nothing reads it "
                    "now; this file cannot be imported by name, so its assignment was removed",
                    "info",
                )
            elif kind == "env":
                self._notice(
                    statement,
                    "unused-key-variable",
                    f"module-level `{name}` held the key and nothing in this module reads it now. "
                    "It was left because another module may import it (this tool sees one file "
                    "at a time): "
                    "delete it once nothing does; until then, a lookup that requires the variable "
                    "fails at import when the key is removed from the environment",
                )
            else:
                self._report_unread(statement, name, kind, "module")
        self._report_key_credential_imports(original, excluded)
        if not remove:
            return updated
        body = [s for s in updated.body if not any(s.deep_equals(r) for r in remove)]
        return updated.with_changes(body=body)

    def _binds_locally(self, function: cst.FunctionDef, name: str) -> bool:
        if not isinstance(function.body, cst.IndentedBlock):
            return False
        if any(
            p.name.value == name for p in function.params.params + function.params.kwonly_params
        ):
            return True
        return any(single_assignment(s, name) is not None for s in function.body.body)

    def _importable(self) -> bool:
        filename = self.state.filename
        if not filename:
            return True
        stem = os.path.splitext(os.path.basename(filename))[0]
        return stem.isidentifier() and stem != "__main__"

    def _report_key_credential_imports(self, original: cst.Module, excluded: set[int]) -> None:
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
            dropped_here = any(alias in {n for n in names_under(d.value)} for d in self._dropped)
            if not dropped_here:
                continue
            reads = Reads(alias, excluded | ids(statement))
            original.visit(reads)
            if reads.count == 0:
                self._notice(
                    statement,
                    "unused-import-removed",
                    f"{alias} is no longer used (its keys were replaced): its import was removed",
                    "info",
                )
