"""The key clean-up's decisions, on the original tree (``codemods.key_cleanup`` applies them).

``Plan`` finds the keys the migration made unused (the variables, per scope, dotted attributes
and environment variable names that fed a removed key expression, and the variables those were
built from), the checks on them (``codemods.guard_edits``), and solves, together, which of them
nothing else reads: a check goes only when every key it tests is unused; a variable is unused
when nothing reads it but the checks that go and the assignments that go.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import PositionProvider, QualifiedNameProvider

from codemods import env_helpers, guard_edits
from codemods.key_conditions import EMPTY, GETENV, KeyTerms, literal
from codemods.key_facts import KeyFacts, Scope
from codemods.key_reads import assigned, ids
from codemods.module_state import ModuleState
from codemods.resolve import dotted, qualified_names

KEY_CREDENTIAL_NAMES = {"azure.core.credentials.AzureKeyCredential"}
REMOVABLE = frozenset({"env", "credential", "literal", "config"})


@dataclass
class Dropped:
    value: cst.BaseExpression
    function: cst.FunctionDef | None


@dataclass
class Var:
    scope: Scope
    name: str
    statement: cst.BaseStatement | None  # its one assignment, or None (a parameter, an import)
    kind: str  # how its value holds the key ("env", ..., "bound": no assignment here)
    unused: bool = True
    reads: tuple[int, ...] = ()


def kind_of(state: ModuleState, value: cst.BaseExpression) -> str:
    """How ``value`` holds the key: "env", "key-vault", "literal", "credential", "config" or
    "other"."""
    if _env_read(state, value):
        return "env"
    inner = (
        value.value if isinstance(value, cst.Attribute) and value.attr.value == "value" else value
    )
    if (
        isinstance(inner, cst.Call)
        and isinstance(inner.func, cst.Attribute)
        and inner.func.attr.value == "get_secret"
    ):
        return "key-vault"
    if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
        return "literal"
    if isinstance(value, cst.Call) and qualified_names(state, value.func) & (KEY_CREDENTIAL_NAMES):
        simple = all(
            a.keyword is None
            and not a.star
            and (
                isinstance(a.value, (cst.Name, cst.SimpleString))
                or kind_of(state, a.value) in REMOVABLE
            )
            for a in value.args
        )
        return "credential" if simple and len(value.args) == 1 else "other"
    if _lookup(value):
        return "config"
    return "other"


def _env_read(state: ModuleState, value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Call) and qualified_names(state, value.func) & GETENV:
        return all(_plain(a.value) for a in value.args)
    return (
        isinstance(value, cst.Subscript)
        and "os.environ" in qualified_names(state, value.value)
        and all(isinstance(s.slice, cst.Index) and _plain(s.slice.value) for s in value.slice)
    )


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


class Plan:
    """The decisions, on the original tree: which variables go, which checks change."""

    def __init__(
        self, state: ModuleState, facts: KeyFacts, dropped: list[Dropped], module: cst.Module
    ) -> None:
        self.state = state
        self.dropped = dropped
        self.module = module
        self.bindings = facts
        self.dropped_ids: set[int] = set()
        for d in dropped:
            self.dropped_ids |= ids(d.value)
        self.vars: dict[tuple[int, str], Var] = {}
        self.attributes: set[str] = set()
        self.env: set[str] = set()
        self.kept_reasons: dict[str, str] = {}
        self.kept_names = dict(self.state.options.kept_names)
        self.excluded_ids: set[int] = set(self.dropped_ids)
        self.active: list[guard_edits.Edit] = []
        self._exported: set[str] | None = None
        self.named: list[cst.Name] = []  # reads of a name for the variables checked
        self.helpers: dict[tuple[int, str], str] = {}  # a variable read by a helper: why kept
        self.imported_helpers: dict[tuple[int, str], str] = {}  # and the import it came from
        for d in dropped:
            scope: Scope | bool = None
            if d.function is not None and isinstance(d.value, cst.Name):
                scope = self._scope_of_name(d.function, d.value.value)
            self._add(d.value, scope)

    def _scope_of_name(self, function: cst.FunctionDef, name: str) -> Scope | bool:
        return self.bindings.scope_for(function, name)

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
            kind = kind_of(self.state, found[1])
            if kind == "other" and isinstance(found[1], cst.Call):
                kind = self._helper_read(found[1], key)
            self.vars[key] = Var(scope, value.value, statement, kind)  # type: ignore[arg-type]
            if kind == "credential":
                for arg in found[1].args:  # type: ignore[attr-defined]
                    if isinstance(arg.value, cst.Name):
                        inner = self.bindings.scope_for(statement, arg.value.value)
                        self._add(arg.value, inner)
            elif kind in REMOVABLE:
                self._add(found[1], scope)
        elif kinds and kinds <= {"import", "param"}:
            self.vars[key] = Var(scope, value.value, None, "bound")  # type: ignore[arg-type]

    def _helper_read(self, call: cst.Call, key: tuple[int, str]) -> str:
        """``KEY = require_env("K")``: "env" when the module's own helper only reads the
        environment (and raises); "helper" (and why, in ``helpers``) when the call looks like a
        settings helper the tool cannot be sure of; else "other"."""
        facts = self.bindings
        func = call.func
        name = func.value if isinstance(func, cst.Name) else None
        found: env_helpers.Helper | env_helpers.Unsure | None = None
        plain = all(_plain(a.value) and not a.star for a in call.args)
        if name is not None and plain and env_helpers.env_name(call) is not None:
            kinds = facts.kinds.get((id(None), name), set())
            defs = [f for f in facts.functions if f.name.value == name]
            top = [f for f in defs if facts.parents.get(id(f)) == (None, f)]
            if kinds == {"def"} and facts.counts.get((id(None), name)) == 1 and len(top) == 1:
                found = env_helpers.analyse(top[0], self._qualified)
            elif kinds == {"def"}:
                found = env_helpers.Unsure(name, f"`{name}` is defined more than once")
        imported = qualified_names(self.state, func)
        if isinstance(found, env_helpers.Helper):
            return "env"
        if found is None and plain and imported & set(self.state.options.env_helpers):
            return "env"  # a helper of another module of the run (``migrator.helper_release``)
        if found is None and env_helpers.looks_like_helper(call, imported):
            called = cst.Module([]).code_for_node(func)
            where = sorted(imported)
            found = env_helpers.Unsure(
                called,
                f"`{called}` is "
                + (f"imported (`{where[0]}`)" if where else "not defined in this module")
                + ": the tool does not see what it does",
            )
            self.imported_helpers[key] = where[0] if len(where) == 1 else ""
        if isinstance(found, env_helpers.Unsure):
            self.helpers[key] = found.why
            return "helper"
        return "other"

    def _qualified(self, node: cst.CSTNode) -> set[str]:
        return {q.name for q in self.state.get_metadata(QualifiedNameProvider, node, set())}

    def _env_name(self, node: cst.CSTNode) -> str | None:
        terms = self._terms(None)
        return terms.env_name(node) if isinstance(node, cst.BaseExpression) else None

    def _terms(self, statement: cst.CSTNode | None) -> KeyTerms:
        def is_name(name: str) -> bool:
            if statement is None:
                return False
            scope = self.bindings.scope_for(statement, name)
            var = self.vars.get((id(scope), name)) if scope is not False else None
            return var is not None

        return KeyTerms(
            is_name,
            frozenset(self.attributes),
            frozenset(self.env),
            lambda n: qualified_names(self.state, n),
            named=self.named,
        )

    def exported(self, var: Var) -> bool:
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
        ranges = [self.state.get_metadata(PositionProvider, d.value) for d in self.dropped]

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
        for edit in self._name_lists():
            candidates.append((edit, self._keys_of(edit.statement, edit.operands)))
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
                if self.still_read(var, excluded):
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

    def _name_lists(self) -> list[guard_edits.Edit]:
        """``REQUIRED = ("K", "E")`` at module level, bound once, exported by no ``__all__``,
        and read only by checks that go through its names (``self.named``): the key's name
        is taken out of it."""
        edits: list[guard_edits.Edit] = []
        checked = {id(n) for n in self.named}
        facts = self.bindings
        for name in sorted({n.value for n in self.named}):
            key = (id(None), name)
            statement = facts.single.get(key)
            found = assigned(statement) if statement is not None else None
            if (
                found is None
                or facts.kinds.get(key) != {"assign"}
                or facts.counts.get(key) != 1
                or not isinstance(found[1], (cst.List, cst.Tuple))
                or not all(literal(e.value) is not None for e in found[1].elements)
                or name in self.state.outside_words
                or self.exported(Var(None, name, statement, "literal"))
            ):
                continue
            reads = [
                node
                for node, stack in facts.reads.get(name, ())
                if node is not found[0] and facts.resolve_in(stack, name) is None
            ]
            if not reads or any(id(node) not in checked for node in reads):
                continue  # read by something else too: left as it is
            terms = self._terms(statement)
            terms.operands = []
            seq = found[1]
            new = terms.drop(seq, terms.is_key_literal)
            if new is None:
                continue
            if new is EMPTY:
                new = seq.with_changes(elements=[])
                if isinstance(seq, cst.Tuple) and not seq.lpar:
                    new = new.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            line = statement.deep_replace(seq, new)
            edit = guard_edits.Edit(
                statement,
                guard_edits.REPLACE,
                guard_edits.unchanged(statement, line),  # type: ignore[arg-type]
                list(terms.operands),
                what="the list of variables checked",
            )
            edits.append(edit)
        return sorted(edits, key=lambda e: self.state.position(e.statement).line)

    def still_read(self, var: Var, excluded: set[int]) -> bool:
        """Whether something reads the variable but what goes; its reads' lines in ``reads``.
        A read in a function that binds the name itself is that function's variable."""
        target = assigned(var.statement)[0] if var.statement is not None else None  # type: ignore[index]
        where = [
            node
            for node, stack in self.bindings.reads.get(var.name, ())
            if id(node) not in excluded
            and node is not target
            and (var.scope is None or any(s is var.scope for s in stack))
            and self.bindings.resolve_in(stack, var.name) is var.scope
        ]
        var.reads = tuple(sorted({self.state.position(n).line for n in where}))
        return bool(where)

    def _keys_of(
        self, statement: cst.CSTNode, operands: list[cst.CSTNode]
    ) -> set[tuple[str, object]]:
        keys: set[tuple[str, object]] = set()
        terms = self._terms(statement)
        for op in operands:
            if isinstance(op, cst.Name):
                scope = self.bindings.scope_for(statement, op.value)
                keys.add(("var", (id(scope), op.value)))
            elif isinstance(op, cst.Attribute):
                keys.add(("attr", dotted(op)))
            else:
                name = terms.env_name(op) if isinstance(op, cst.BaseExpression) else None
                keys.add(("env", name if name is not None else literal(op)))  # type: ignore[arg-type]
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
        facts = self.bindings
        self.strings = [(id(n), name) for name in self.env for n in facts.strings.get(name, ())]
        self.attribute_nodes: list[tuple[int, str]] = []
        if self.attributes:
            last = {a.rsplit(".", 1)[-1] for a in self.attributes}
            for node in facts.attributes:
                if node.attr.value in last:
                    text = dotted(node)
                    if text in self.attributes:
                        self.attribute_nodes.append((id(node), text))  # type: ignore[arg-type]
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
