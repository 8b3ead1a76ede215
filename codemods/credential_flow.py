"""Key credentials built in one place of a module and used in another.

Two shapes, where the client's argument says nothing by itself, so the value is followed to
where it is built:

* ``self.cred = AzureKeyCredential(key)`` in ``__init__``, then ``SearchClient(endpoint, index,
  credential=self.cred)`` in a method (or further down ``__init__``);
* ``def get_credential(): return AzureKeyCredential(key)`` (a module-level helper without
  parameters), then ``SearchClient(endpoint, index, get_credential())``.

When the attribute is assigned once, in the class (the helper returns in one place), and every
read of it (every use of the helper) is the credential argument of a client the migration takes,
the place it is built becomes the module's token credential (sync or async, as its clients are)
and the clients stay as they are. Otherwise the clients are left as they are, with the first
thing that keeps the value out of sight (``escape``): another assignment or return,
``update()`` called on it, a read the tool cannot follow, the same attribute name read or set on
another object or named in code the migration does not look at, the helper listed in
``__all__`` or decorated, a client left for a reason of its own, or sync and async clients
sharing the one object.

A module-level ``NAME = AzureKeyCredential(...)`` passed to several clients is the ordinary
argument replacement's (``codemods.client_args``). Not followed: a credential imported from
another module of the run, or read on an instance in another module; those clients keep the
"cannot tell" report of ``codemods.sdks._azure_core``.

The analysis is a pass of its own over the module, outside the batched read-only traversal: it
runs, once, only in a module where a credential-object client passes an attribute or a helper
call, or where an ``AzureKeyCredential`` is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from codemods import call_args
from codemods.module_state import ModuleState
from codemods.resolve import client_spec, qualified_names
from codemods.targets import CREDENTIAL, ClientSpec

KEY_CREDENTIAL = "azure.core.credentials.AzureKeyCredential"
# Why a client that passes the attribute would itself be left (None: it would be migrated).
Refusal = Callable[[ClientSpec, cst.Call, cst.Call], str | None]
# "key", "token" or "unknown" for a credential expression (codemods.sdks._azure_core).
Kind = Callable[[cst.BaseExpression], str]


@dataclass
class Site:
    """One ``self.X = AzureKeyCredential(...)`` and the clients that pass ``self.X``."""

    holder: str  # as written: ``self.cred``
    build: cst.Call  # the AzureKeyCredential call (original node)
    line: int
    consumers: list[tuple[ClientSpec, cst.Call]] = field(default_factory=list)
    escape: str | None = None  # why it is left; None: the build is rewritten
    token: bool = False  # it already holds a token credential (a second run): nothing to do

    @property
    def spec(self) -> ClientSpec:
        return self.consumers[0][0]

    @property
    def built(self) -> str:
        verb = "returns" if self.holder.endswith("()") else "holds"
        return f"`{self.holder}` {verb} the AzureKeyCredential built at line {self.line}"


@dataclass
class _Attr:
    """What the module does with attribute ``X`` of one class's instances."""

    stores: list[tuple[cst.BaseExpression, int]] = field(default_factory=list)
    reads: list[tuple[cst.Attribute, int]] = field(default_factory=list)
    holder: str = ""


class _Collect(cst.CSTVisitor):
    def __init__(self, state: ModuleState) -> None:
        self.state = state
        self.classes: list[str] = []
        self.receivers: list[str | None] = []  # the receiver (``self``) of each enclosing def
        self.owner: list[str | None] = []  # the class each enclosing def is a method of
        self.attrs: dict[tuple[str, str], _Attr] = {}
        self.foreign: dict[str, list[int]] = {}  # attribute name -> lines on other objects
        self.stored: set[int] = set()
        self.args: dict[int, tuple[ClientSpec, cst.Call]] = {}  # id(credential argument) -> client
        self.updated: set[int] = set()  # ids of ``self.X`` with ``.update(...)`` called on it
        self.methods: set[int] = set()  # ids of the defs directly in a class body
        self.helpers: dict[str, cst.FunctionDef] = {}  # module-level defs without parameters
        self.names: dict[str, list[cst.Name]] = {}  # every Name read or bound, by its value
        self.callees: dict[int, cst.Call] = {}  # id(f) -> ``f()`` passed as a credential

    def _line(self, node: cst.CSTNode) -> int:
        return self.state.position(node).line

    def visit_Import(self, node: cst.Import) -> bool:
        return False  # ``import azure.core.credentials``: dotted names, not attributes

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(".".join([*self.classes[-1:], node.name.value]))
        self.methods.update(id(s) for s in node.body.body if isinstance(s, cst.FunctionDef))
        for stmt in node.body.body:  # class-level ``cred = ...``: another place X is set
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)):
                        for target in _targets(small):
                            if isinstance(target, cst.Name) and small.value is not None:
                                key = (self.classes[-1], target.value)
                                self.attrs.setdefault(key, _Attr()).stores.append(
                                    (small.value, self._line(small))
                                )

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.setdefault(node.value, []).append(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.receivers and not self.classes and not _has_params(node):
            self.helpers[node.name.value] = node
        params = [p.name.value for p in (*node.params.posonly_params, *node.params.params)]
        in_class = id(node) in self.methods
        static = any(
            isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
            for d in node.decorators
        )
        if in_class and params and not static:
            self.receivers.append(params[0])
            self.owner.append(self.classes[-1])
        else:
            inherited = self.receivers[-1] if self.receivers else None
            shadowed = inherited is not None and inherited in params
            self.receivers.append(None if shadowed else inherited)
            self.owner.append(None if shadowed or not self.owner else self.owner[-1])

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.receivers.pop()
        self.owner.pop()

    def _mine(self, node: cst.Attribute) -> tuple[str, str] | None:
        """(class, attribute) when ``node`` is ``self.X`` in a method of the class."""
        receiver = self.receivers[-1] if self.receivers else None
        owner = self.owner[-1] if self.owner else None
        if (
            receiver is not None
            and owner is not None
            and isinstance(node.value, cst.Name)
            and node.value.value == receiver
        ):
            return owner, node.attr.value
        return None

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in _targets(node):
            self._store(target, node.value, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._store(node.target, node.value, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._store(node.target, node.value, node)

    def _store(
        self, target: cst.BaseExpression, value: cst.BaseExpression, at: cst.CSTNode
    ) -> None:
        if not isinstance(target, cst.Attribute):
            return
        self.stored.add(id(target))
        mine = self._mine(target)
        if mine is None:
            self.foreign.setdefault(target.attr.value, []).append(self._line(at))
            return
        record = self.attrs.setdefault(mine, _Attr())
        record.stores.append((value, self._line(at)))
        record.holder = mine_text(target)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if id(node) in self.stored:
            return
        mine = self._mine(node)
        if mine is None:
            self.foreign.setdefault(node.attr.value, []).append(self._line(node))
            return
        record = self.attrs.setdefault(mine, _Attr())
        record.reads.append((node, self._line(node)))
        record.holder = record.holder or mine_text(node)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "update":
            self.updated.add(id(func.value))
        spec = client_spec(self.state, node)
        if spec is None or spec.supplies != CREDENTIAL or any(a.star for a in node.args):
            return
        index = call_args.present(spec, node.args).get(spec.token_arg)
        if index is not None:
            value = node.args[index].value
            self.args[id(value)] = (spec, node)
            if isinstance(value, cst.Call) and not value.args and isinstance(value.func, cst.Name):
                self.callees[id(value.func)] = value


def _has_params(node: cst.FunctionDef) -> bool:
    p = node.params
    return bool(p.posonly_params or p.params or p.kwonly_params or p.star_kwarg) or isinstance(
        p.star_arg, cst.Param
    )


def _returns(node: cst.FunctionDef) -> list[cst.Return]:
    """The returns of ``node`` itself (not of functions or classes nested in it)."""
    found: list[cst.Return] = []

    class _Returns(cst.CSTVisitor):
        def visit_Return(self, ret: cst.Return) -> None:
            found.append(ret)

        def visit_FunctionDef(self, inner: cst.FunctionDef) -> bool:
            return inner is node

        def visit_ClassDef(self, inner: cst.ClassDef) -> bool:
            return False

        def visit_Lambda(self, inner: cst.Lambda) -> bool:
            return False

    node.visit(_Returns())
    return found


def mine_text(node: cst.Attribute) -> str:
    base = node.value.value if isinstance(node.value, cst.Name) else "?"
    return f"{base}.{node.attr.value}"


def _targets(node: cst.Assign | cst.AnnAssign) -> list[cst.BaseExpression]:
    if isinstance(node, cst.AnnAssign):
        return [node.target]
    out: list[cst.BaseExpression] = []
    for t in node.targets:
        if isinstance(t.target, (cst.Tuple, cst.List)):
            out += [e.value for e in t.target.elements]
        else:
            out.append(t.target)
    return out


class CredentialFlow:
    """The attribute-held key credentials of one module, decided once on the original tree."""

    def __init__(self, state: ModuleState, refuse: Refusal, kind: Kind) -> None:
        self.state = state
        self.refuse = refuse
        self.kind = kind
        self._sites: list[Site] | None = None
        self._by_build: dict[int, Site] = {}
        self._by_client: dict[int, Site] = {}

    def _analyse(self) -> None:
        if self._sites is not None:
            return
        self._sites = []
        collect = _Collect(self.state)
        self.state.module.visit(collect)
        for (_, attr), record in collect.attrs.items():
            builds = [
                (v, line)
                for v, line in record.stores
                if isinstance(v, cst.Call) and KEY_CREDENTIAL in qualified_names(self.state, v.func)
            ]
            clients = [collect.args[id(n)] for n, _ in record.reads if id(n) in collect.args]
            if not clients:
                continue
            values = [v for v, _ in record.stores]
            if values and all(self.kind(v) == "token" for v in values):
                _, line = record.stores[0]
                self._add(Site(record.holder, values[0], line, clients, token=True))
                continue
            if not builds:
                continue
            build, line = builds[0]
            site = Site(record.holder, build, line, clients)
            site.escape = self._escape(site, record, collect, attr)
            self._add(site)
        for name, function in collect.helpers.items():
            self._helper(name, function, collect)

    def _add(self, site: Site) -> None:
        assert self._sites is not None
        self._sites.append(site)
        self._by_build[id(site.build)] = site
        for _, call in site.consumers:
            self._by_client[id(call)] = site

    def _helper(self, name: str, function: cst.FunctionDef, collect: _Collect) -> None:
        """``def get_credential(): return AzureKeyCredential(...)``, called as the credential
        argument of clients."""
        returns = _returns(function)
        builds = [
            r.value
            for r in returns
            if isinstance(r.value, cst.Call)
            and KEY_CREDENTIAL in qualified_names(self.state, r.value.func)
        ]
        uses = [n for n in collect.names.get(name, []) if n is not function.name]
        clients = [
            collect.args[id(collect.callees[id(n)])] for n in uses if id(n) in collect.callees
        ]
        values = [r.value for r in returns if r.value is not None]
        if clients and values and all(self.kind(v) == "token" for v in values):
            line = self.state.position(values[0]).line
            self._add(Site(f"{name}()", values[0], line, clients, token=True))
            return
        if not builds or not clients:
            return
        site = Site(f"{name}()", builds[0], self.state.position(builds[0]).line, clients)
        site.escape = self._helper_escape(site, function, returns, uses, collect)
        self._add(site)

    def _helper_escape(
        self,
        site: Site,
        function: cst.FunctionDef,
        returns: list[cst.Return],
        uses: list[cst.Name],
        collect: _Collect,
    ) -> str | None:
        name = function.name.value
        if len(returns) > 1:
            lines = ", ".join(str(self.state.position(r).line) for r in returns)
            return f"`{name}()` returns in more than one place (lines {lines})"
        if function.decorators:
            return f"`{name}` is decorated, so what a call returns is not only its body's"
        for use in uses:
            if id(use) not in collect.callees:
                line = self.state.position(use).line
                return f"`{name}` is also used at line {line}, where the tool cannot follow it"
        if name in self.state.outside_words:
            return f"`{name}` is also named in code of this module the migration does not look at"
        if name in _exported(self.state):
            return f"`{name}` is listed in `__all__`: other code can call it"
        return self._consumers_escape(site)

    def _escape(self, site: Site, record: _Attr, collect: _Collect, attr: str) -> str | None:
        holder = site.holder
        if len(record.stores) > 1:
            lines = ", ".join(str(line) for _, line in record.stores)
            return f"`{holder}` is assigned in more than one place (lines {lines})"
        for node, line in record.reads:
            if id(node) in collect.updated:
                return (
                    f"`{holder}.update()` is called at line {line}: a token credential has no "
                    "update()"
                )
            if id(node) not in collect.args:
                return f"`{holder}` is also read at line {line}, where the tool cannot follow it"
        if attr in collect.foreign:
            line = collect.foreign[attr][0]
            return (
                f"`.{attr}` is also read or set on another object at line {line}, which the tool "
                "cannot tell apart from this one"
            )
        if attr in self.state.outside_words:
            return (
                f"`{attr}` is also named in code of this module the migration does not look at "
                "(it may read the attribute on an instance)"
            )
        return self._consumers_escape(site)

    def _consumers_escape(self, site: Site) -> str | None:
        for spec, call in site.consumers:
            reason = self.refuse(spec, call, site.build)
            if reason is not None:
                where = self.state.position(call).line
                return f"it is also passed to {spec.label} at line {where}, which is left: {reason}"
        kinds = {spec.is_async for spec, _ in site.consumers}
        if len(kinds) > 1:
            return (
                "it is passed to both sync and async clients: one credential object cannot be "
                "both a TokenCredential and an AsyncTokenCredential; give each kind its own"
            )
        return None

    def built_here(self, call: cst.Call) -> Site | None:
        """The site whose key credential ``call`` builds, when that build is to be rewritten."""
        if "AzureKeyCredential" not in self.state.words or KEY_CREDENTIAL not in qualified_names(
            self.state, call.func
        ):
            return None  # not a key credential: no need to look (the analysis is a pass)
        self._analyse()
        site = self._by_build.get(id(call))
        return site if site is not None and site.escape is None and not site.token else None

    def passed_to(self, spec: ClientSpec, call: cst.Call) -> Site | None:
        """The site whose attribute (or helper) the client ``call`` passes as its credential."""
        index = call_args.present(spec, call.args).get(spec.token_arg)
        if spec.supplies != CREDENTIAL or index is None:
            return None
        value = call.args[index].value
        helper = isinstance(value, cst.Call) and isinstance(value.func, cst.Name)
        if not (isinstance(value, cst.Attribute) or helper):
            return None  # a name or an inline call: the ordinary replacement's
        self._analyse()
        return self._by_client.get(id(call))


def _exported(state: ModuleState) -> set[str]:
    value = state.values.get("__all__")
    if not isinstance(value, (cst.List, cst.Tuple)):
        return set()
    return {
        e.value.evaluated_value
        for e in value.elements
        if isinstance(e.value, cst.SimpleString) and isinstance(e.value.evaluated_value, str)
    }
