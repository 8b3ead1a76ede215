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

import ast
import os
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.metadata import PositionProvider

from codemods import guard_edits
from codemods.findings import ModuleOutcome, Notice
from codemods.key_conditions import GETENV, KeyTerms, literal
from codemods.key_edits import ApplyEdits
from codemods.key_reads import Bindings, Reads, Scope, assigned, ids, names_under
from codemods.module_state import ModuleState
from codemods.resolve import dotted, qualified_names

KEY_CREDENTIAL_NAMES = {"azure.core.credentials.AzureKeyCredential"}
RULE_REMOVED = "key-variable-removed"
RULE_KEPT = "key-variable-kept"
RULE_UNUSED = "unused-key-variable"
RULE_GUARD_REMOVED = "key-guard-removed"
RULE_GUARD_REWRITTEN = "key-guard-rewritten"
REMOVABLE = frozenset({"env", "credential", "literal", "config"})


@dataclass
class _Dropped:
    value: cst.BaseExpression
    function: cst.FunctionDef | None


@dataclass
class _Var:
    scope: Scope
    name: str
    statement: cst.BaseStatement | None  # its one assignment, or None (a parameter, an import)
    kind: str  # how its value holds the key ("env", ..., "bound": no assignment here)
    unused: bool = True
    reads: tuple[int, ...] = ()


class KeyCleanup:
    """The clean-up transform: hooked into the migration's traversal by ``KeylessMigration``."""

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
        self._dropped.append(_Dropped(value, function))
        if isinstance(value, cst.Call):
            # AzureKeyCredential(key), Secret.from_token(key): the variable inside went too.
            for arg in value.args:
                if isinstance(arg.value, (cst.Name, cst.Attribute)):
                    self._dropped.append(_Dropped(arg.value, function))

    # -- what kind of value held the key --------------------------------------------------------
    def _kind(self, value: cst.BaseExpression) -> str:
        if self._env_read(value):
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
        if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
            return "literal"
        if isinstance(value, cst.Call) and qualified_names(self.state, value.func) & (
            KEY_CREDENTIAL_NAMES
        ):
            simple = all(
                a.keyword is None
                and not a.star
                and (
                    isinstance(a.value, (cst.Name, cst.SimpleString))
                    or self._kind(a.value) in REMOVABLE
                )
                for a in value.args
            )
            return "credential" if simple and len(value.args) == 1 else "other"
        if _lookup(value):
            return "config"
        return "other"

    def _env_read(self, value: cst.BaseExpression) -> bool:
        if isinstance(value, cst.Call) and qualified_names(self.state, value.func) & GETENV:
            return all(_plain(a.value) for a in value.args)
        return (
            isinstance(value, cst.Subscript)
            and "os.environ" in qualified_names(self.state, value.value)
            and all(
                isinstance(s.slice, cst.Index) and _plain(s.slice.value) for s in value.slice
            )
        )

    def _notice(
        self,
        node: cst.CSTNode,
        rule: str,
        message: str,
        severity: str = "warning",
    ) -> None:
        pos = self.state.position(node)
        self.outcome.notices.append(Notice(pos.line, pos.column, rule, message, severity=severity))

    def _line(self, node: cst.CSTNode) -> int:
        return self.state.position(node).line

    # -- the end of the traversal ---------------------------------------------------------------
    def leave_module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if not self._dropped:
            return updated
        plan = _Plan(self, original)
        plan.solve()
        edits: dict[int, tuple[str, guard_edits.Make | None]] = {}
        removals = [v for v in plan.vars.values() if v.unused and v.statement is not None]
        statements = [v.statement for v in removals] + [e.statement for e in plan.active]
        missing = False
        for var in removals:
            key = self._updated.get(id(var.statement))
            missing |= key is None
            edits[id(key)] = (guard_edits.REMOVE, None)
        for edit in plan.active:
            key = self._updated.get(id(edit.statement))
            missing |= key is None
            edits[id(key)] = (edit.action, edit.make)
        new = updated
        if statements and not missing:
            applier = ApplyEdits(edits)
            candidate = updated.visit(applier)
            if len(applier.applied) == len(edits):
                new = candidate
            else:
                missing = True
        if missing:
            removals, plan.active = [], []
        self.edited = [s for s in statements if s is not None] if not missing else []
        self._report(plan, removals, missing)
        for var in removals:
            assert var.statement is not None
            found = assigned(var.statement)
            assert found is not None
            self._report_literals_in(var.statement)
            RemoveImportsVisitor.remove_unused_import_by_node(self.context, found[1])
        for edit in plan.active:
            for operand in edit.operands:
                RemoveImportsVisitor.remove_unused_import_by_node(self.context, operand)
        self._report_key_credential_imports(original, plan.excluded_ids, removals)
        return new

    # -- the report -----------------------------------------------------------------------------
    def _report(self, plan: _Plan, removals: list[_Var], failed: bool) -> None:
        importable = self._importable()
        for var in removals:
            assert var.statement is not None
            where = "function" if var.scope is not None else "module"
            extra = ""
            if var.scope is None and importable:
                extra = " (no other module of the run imports it)"
            self._notice(
                var.statement,
                RULE_REMOVED,
                f"`{var.name}` held the key ({_KINDS[var.kind]}) and nothing else in this {where} "
                f"reads it now: its assignment was removed{extra}",
                "info",
            )
            if var.scope is None and importable:
                self.outcome.notices[-1] = _with_subject(self.outcome.notices[-1], var.name)
        for edit in plan.active:
            removed = edit.action == guard_edits.REMOVE
            self._notice(
                edit.statement,
                RULE_GUARD_REMOVED if removed else RULE_GUARD_REWRITTEN,
                (
                    f"{edit.what} was removed: the migrated client does not use the key"
                    if removed
                    else f"{edit.what}: the key was taken out of it, the rest is checked as before"
                ),
                "info",
            )
        for var in plan.vars.values():
            if var.statement is None or (var.unused and not failed):
                continue
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
                self._notice(
                    var.statement,
                    RULE_KEPT,
                    f"`{var.name}` held the key and is still read (line {lines}): it was kept; "
                    "remove those reads before removing the key from the environment",
                )
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
                    + ("" if failed else f" ({_KINDS.get(var.kind, 'not an environment read')}):"
                       " delete it"),
                )

    def _importable(self) -> bool:
        filename = self.state.filename
        if not filename:
            return True
        stem, ext = os.path.splitext(os.path.basename(filename))
        return stem.isidentifier() and stem != "__main__" and ext != ".ipynb"

    def _report_key_credential_imports(
        self, original: cst.Module, excluded: set[int], removals: list[_Var]
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
            reads = Reads(alias, excluded | ids(statement))
            original.visit(reads)
            if reads.count == 0:
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


def _with_subject(notice: Notice, subject: str) -> Notice:
    from dataclasses import replace

    return replace(notice, subject=subject)


def _plain(node: cst.BaseExpression) -> bool:
    """A literal or a name: reading it has no effect."""
    return isinstance(node, (cst.SimpleString, cst.Name, cst.Integer, cst.ConcatenatedString))


def _lookup(node: cst.BaseExpression) -> bool:
    """``config["aoai"]["key"]``, ``settings.AOAI_KEY``: a lookup in loaded configuration."""
    if isinstance(node, cst.Subscript):
        return all(
            isinstance(s.slice, cst.Index) and literal(s.slice.value) is not None
            for s in node.slice
        ) and (isinstance(node.value, cst.Name) or _lookup(node.value))
    if isinstance(node, cst.Attribute):
        return isinstance(node.value, cst.Name) or _lookup(node.value)
    return False


class _Plan:
    """The decisions, on the original tree: which variables go, which checks change."""

    def __init__(self, cleanup: KeyCleanup, module: cst.Module) -> None:
        self.cleanup = cleanup
        self.state = cleanup.state
        self.module = module
        self.bindings = Bindings()
        module.visit(self.bindings)
        self.dropped_ids: set[int] = set()
        for d in cleanup._dropped:
            self.dropped_ids |= ids(d.value)
        self.vars: dict[tuple[int, str], _Var] = {}
        self.attributes: set[str] = set()
        self.env: set[str] = set()
        self.kept_reasons: dict[str, str] = {}
        self.kept_names = dict(self.state.options.kept_names)
        self.excluded_ids: set[int] = set(self.dropped_ids)
        self.active: list[guard_edits.Edit] = []
        self._exported: set[str] | None = None
        for d in cleanup._dropped:
            scope: Scope | bool = None
            if d.function is not None and isinstance(d.value, cst.Name):
                scope = self._scope_of_name(d.function, d.value.value)
            self._add(d.value, scope)

    def _scope_of_name(self, function: cst.FunctionDef, name: str) -> Scope | bool:
        body = function.body
        first = body.body[0] if isinstance(body, cst.IndentedBlock) and body.body else None
        if first is None:
            return False
        return self.bindings.resolve(first, name)

    def _add(self, value: cst.BaseExpression, scope: Scope | bool) -> None:
        """A removed key expression (or the value of a variable that goes): the keys in it."""
        for node in _walk(value):
            name = self._env_name(node)
            if name is not None:
                self.env.add(name)
        if isinstance(value, cst.Attribute):
            text = dotted(value)
            if text is not None and "(" not in text:
                self.attributes.add(text)
            return
        if not isinstance(value, cst.Name) or scope is False:
            return
        key = (id(scope), value.value)
        if key in self.vars:
            return
        kinds = self.bindings.kinds.get(key, set())
        statement = self.bindings.single.get(key)
        if kinds == {"assign"} and self.bindings.counts[key] == 1 and statement is not None:
            found = assigned(statement)
            assert found is not None
            kind = self.cleanup._kind(found[1])
            self.vars[key] = _Var(scope, value.value, statement, kind)  # type: ignore[arg-type]
            if kind == "credential":
                for arg in found[1].args:  # type: ignore[attr-defined]
                    if isinstance(arg.value, cst.Name):
                        inner = self.bindings.resolve(statement, arg.value.value)
                        self._add(arg.value, inner)
            elif kind in REMOVABLE:
                self._add(found[1], scope)
        elif kinds and kinds <= {"import", "param"}:
            self.vars[key] = _Var(scope, value.value, None, "bound")  # type: ignore[arg-type]

    def _env_name(self, node: cst.CSTNode) -> str | None:
        terms = self._terms(None)
        return terms.env_name(node) if isinstance(node, cst.BaseExpression) else None

    def _terms(self, statement: cst.CSTNode | None) -> KeyTerms:
        def is_name(name: str) -> bool:
            if statement is None:
                return False
            scope = self.bindings.resolve(statement, name)
            var = self.vars.get((id(scope), name)) if scope is not False else None
            return var is not None

        return KeyTerms(
            is_name,
            frozenset(self.attributes),
            frozenset(self.env),
            lambda n: qualified_names(self.state, n),
        )

    def exported(self, var: _Var) -> bool:
        if var.scope is not None:
            return False
        if self._exported is None:
            self._exported = set()
            for statement in self.module.body:
                found = assigned(statement)
                if found is not None and found[0].value == "__all__":
                    self._exported |= {
                        literal(e.value) or "" for e in getattr(found[1], "elements", ())
                    }
        return var.name in self._exported

    # -- solving ------------------------------------------------------------------------------
    def solve(self) -> None:
        candidates: list[tuple[guard_edits.Edit, set[tuple[str, object]]]] = []
        ranges = [self.state.get_metadata(PositionProvider, d.value) for d in self.cleanup._dropped]

        def builds_client(node: cst.CSTNode) -> bool:
            r = self.state.get_metadata(PositionProvider, node)
            return any(_within(d, r) for d in ranges)

        for statement in self.bindings.statements:
            if id(statement) in self.dropped_ids:
                continue
            terms = self._terms(statement)
            edit = guard_edits.plan(statement, terms, builds_client)
            if edit is not None and edit.operands:
                candidates.append((edit, self._keys_of(statement, edit.operands)))
        for var in self.vars.values():
            if var.kind not in REMOVABLE and var.kind != "bound":
                var.unused = False
            if var.scope is None and var.name in self.kept_names:
                var.unused = False
            if self.exported(var):
                var.unused = False
        self._collect()
        active = candidates
        while True:
            excluded = set(self.dropped_ids)
            for edit, _ in active:
                if edit.action == guard_edits.REMOVE:
                    excluded |= ids(edit.statement)
                for op in edit.operands:
                    excluded |= ids(op)
            for var in self.vars.values():
                if var.unused and var.statement is not None:
                    excluded |= ids(var.statement)
            changed = False
            for var in self.vars.values():
                if not var.unused:
                    continue
                if self._still_read(var, excluded):
                    var.unused = False
                    changed = True
            used_env = self._used_env(excluded)
            used_attributes = self._used_attributes(excluded)
            kept = [
                (edit, keys)
                for edit, keys in active
                if all(self._unused(k, used_env, used_attributes) for k in keys)
            ]
            changed |= len(kept) != len(active)
            active = kept
            if not changed:
                break
        self.active = [edit for edit, _ in active]
        self.excluded_ids = excluded

    def _still_read(self, var: _Var, excluded: set[int]) -> bool:
        scope = var.scope if var.scope is not None else self.module
        skip = set(excluded)
        if var.statement is not None:
            skip.add(id(assigned(var.statement)[0]))  # type: ignore[index]
        if var.scope is None:
            # A function that binds the name has a variable of its own.
            skip |= {
                id(f) for f in self.functions if (id(f), var.name) in self.bindings.kinds
            }
        reads = Reads(var.name, skip)
        scope.visit(reads)
        var.reads = tuple(sorted({self.state.position(n).line for n in reads.where}))
        return bool(reads.where)

    def _keys_of(self, statement: cst.CSTNode, operands: list[cst.CSTNode]) -> set[tuple[str, object]]:
        keys: set[tuple[str, object]] = set()
        terms = self._terms(statement)
        for op in operands:
            if isinstance(op, cst.Name):
                scope = self.bindings.resolve(statement, op.value)
                keys.add(("var", (id(scope), op.value)))
            elif isinstance(op, cst.Attribute):
                keys.add(("attr", dotted(op)))
            else:
                name = terms.env_name(op) if isinstance(op, cst.BaseExpression) else None
                keys.add(("env", name if name is not None else literal(op))) # type: ignore[arg-type]
        return keys

    def _unused(self, key: tuple[str, object], used_env: set[str], used_attr: set[str]) -> bool:
        kind, value = key
        if kind == "var":
            var = self.vars.get(value)  # type: ignore[arg-type]
            return var is not None and var.unused
        if kind == "attr":
            return value not in used_attr
        return value not in used_env

    def _collect(self) -> None:
        """The places the key's variable names and attributes are written (once)."""
        self.strings: list[tuple[int, str]] = []
        self.attribute_nodes: list[tuple[int, str]] = []
        self.functions: list[cst.FunctionDef] = []
        for node in _walk(self.module):
            if isinstance(node, cst.SimpleString):
                value = literal(node)
                if value is not None and value in self.env:
                    self.strings.append((id(node), value))
            elif isinstance(node, cst.Attribute) and self.attributes:
                text = dotted(node)
                if text in self.attributes:
                    self.attribute_nodes.append((id(node), text))  # type: ignore[arg-type]
            elif isinstance(node, cst.FunctionDef):
                self.functions.append(node)
        # A slice: the code left out may name the variable too (Python's tree is the whole
        # file's), and read an attribute (its words).
        self.used_outside: set[str] = set()
        tree = self.state.syntax_tree
        if tree is not None:
            here: dict[str, int] = {}
            for _, value in self.strings:
                here[value] = here.get(value, 0) + 1
            for n in ast.walk(tree):
                if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in self.env:
                    here[n.value] = here.get(n.value, 0) - 1
            self.used_outside = {name for name, count in here.items() if count < 0}
        words = self.state.outside_words
        self.used_outside |= {a for a in self.attributes if a.rsplit(".", 1)[-1] in words}

    def _used_env(self, excluded: set[int]) -> set[str]:
        return {v for i, v in self.strings if i not in excluded} | self.used_outside

    def _used_attributes(self, excluded: set[int]) -> set[str]:
        return {v for i, v in self.attribute_nodes if i not in excluded} | self.used_outside


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []

    class _V(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            found.append(n)
            return True

    node.visit(_V())
    return found


def _within(inner: object, outer: object) -> bool:
    a, b = inner.start, inner.end  # type: ignore[attr-defined]
    c, d = outer.start, outer.end  # type: ignore[attr-defined]
    return (c.line, c.column) <= (a.line, a.column) and (b.line, b.column) <= (d.line, d.column)
