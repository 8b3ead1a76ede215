"""Where clients flow, solved over the facts of one module or of every module in a run.

``codemods.usage`` reduces each module to small facts (``ModuleFacts``): which keys hold a
freshly built client, which keys copy others, attribute loads and stores, calls, and imports.
A key names a place a value can live: a module global (``client``), a local of a function
(``Service.run.client``), an attribute of a class or its instances (``Service.client``), what a
function returns (``get_client.<return>``), or a temporary (``#3``).

``solve`` runs a flow-insensitive points-to analysis over those facts. It works the same for
one module (imports stay unknown) and for a whole run, where ``ModuleIndex`` turns each import
into the module or the global it names. What comes out, per client: the calls made on it, with
their place, and the ways it escapes the analysis (passed to a function that is not part of the
run, stored in a container or on an object the analysis cannot see).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from codemods.findings import CallUse
from codemods.sdks import CALL_LEAVES

RETURN = "<return>"

# Attribute segments that give back the same resource, for what a call needs.
TRANSPARENT = frozenset({"with_raw_response", "with_streaming_response"})
# Methods whose result is the same client (a copy with other options).
SAME_CLIENT = frozenset({"with_options", "copy"})
# A client method passed as a callable (``pool.submit(client.files.create, ...)``) counts as a
# call when the chain ends in one of these; a sub-resource passed away (``client.chat``) does not.
_CALL_LEAVES = CALL_LEAVES  # each SDK module lists its own (codemods/sdks/)
# Builtins that look at a value without calling anything on it.
HARMLESS_CALLS = frozenset(
    {
        "isinstance",
        "issubclass",
        "type",
        "id",
        "repr",
        "str",
        "print",
        "callable",
        "hasattr",
        "bool",
    }
)


@dataclass(frozen=True)
class Arg:
    index: int  # position among the positional arguments; -1 for a keyword or starred one
    keyword: str  # "" for a positional argument; "*" / "**" for starred ones
    key: str


@dataclass(frozen=True)
class CallFact:
    dst: str  # the key that receives the call's result
    callee: str | None  # the key holding what is called; None: an expression not followed
    args: tuple[Arg, ...]
    line: int
    text: str  # the callee as written, for messages


@dataclass(frozen=True)
class FunctionFact:
    qual: str
    params: tuple[str, ...]  # names of the parameters that take positional arguments, in order
    keyword_only: tuple[str, ...] = ()
    kind: str = "function"  # function | method | staticmethod | classmethod
    star: bool = False  # has *args
    double_star: bool = False  # has **kwargs


@dataclass(frozen=True)
class ClassFact:
    qual: str
    bases: tuple[str, ...]  # keys holding the base classes
    fields: tuple[str, ...]  # annotated class-level names, in order (dataclass-style fields)
    has_init: bool


@dataclass(frozen=True)
class ClientFact:
    line: int
    column: int
    binding: str | None  # where the construction is bound, as written (``client``, ``self.llm``)


@dataclass(frozen=True)
class ModuleFacts:
    """Everything the cross-module join needs to know about one module. Picklable, no nodes."""

    clients: tuple[ClientFact, ...] = ()
    # (key, object); object: ("client", line, col) | ("func", qual) | ("class", qual)
    # | ("inst", qual)
    news: tuple[tuple[str, tuple], ...] = ()
    copies: tuple[tuple[str, str], ...] = ()  # (dst, src)
    loads: tuple[tuple[str, str, str], ...] = ()  # (dst, base, attr): dst holds base.attr
    stores: tuple[tuple[str, str, str, int, str], ...] = ()  # (base, attr, src, line, text)
    calls: tuple[CallFact, ...] = ()
    refs: tuple[tuple[str, int, str], ...] = ()  # (key, line, how): a use that is not followed
    imports: tuple[
        tuple[str, int, str, str], ...
    ] = ()  # (key, level, module, name); name "" = import module
    functions: tuple[FunctionFact, ...] = ()
    classes: tuple[ClassFact, ...] = ()
    # Facts of the statements a migration looked at (``codemods.slicing``), not the whole module:
    # the run re-reads the whole module when another module of the run imports this one.
    partial: bool = False
    # Settings fields a rewritten client read its key from: (import level, -1 for this module;
    # dotted name with the attributes read; line), for ``migrator.settings_link``.
    key_fields: tuple[tuple[int, str, int], ...] = ()
    # Imported names a rewritten client read its key from (``from config import KEY``), the same
    # way, for ``migrator.key_release``.
    key_names: tuple[tuple[int, str, int], ...] = ()
    # The same for keys left as ``key-parameter`` read through a parameter typed by a class.
    config_params: tuple[tuple[int, str, int], ...] = ()
    # Dict entries a rewritten client read its key from: (name, keys, line), for the schema step.
    key_entries: tuple[tuple[str, tuple[str, ...], int], ...] = ()

    @property
    def builds_clients(self) -> bool:
        return bool(self.clients)


class ModuleIndex:
    """How imports resolve. This one knows no module: imports stay unknown (one-module analysis)."""

    def resolve_import(self, file: int, level: int, module: str, name: str) -> list[tuple]:
        """Objects or keys an import binds: ("obj", object) or ("key", file, key)."""
        return []

    def module_attribute(self, module_obj: tuple, attr: str) -> list[tuple]:
        """What ``module.attr`` is: ("obj", object) or ("key", file, key)."""
        return []


@dataclass
class Escape:
    file: int
    line: int
    how: str


@dataclass
class Use:
    file: int
    line: int
    chain: str


@dataclass
class ClientFlow:
    file: int
    line: int
    column: int
    binding: str | None
    uses: list[Use] = field(default_factory=list)
    escapes: list[Escape] = field(default_factory=list)


def _gk(file: int, key: str) -> tuple[int, str]:
    return (file, key)


class _Solver:
    def __init__(self, modules: Sequence[tuple[int, ModuleFacts]], index: ModuleIndex) -> None:
        self.modules = modules
        self.index = index
        self.pts: dict[tuple[int, str], set[tuple]] = {}
        self.functions: dict[tuple[int, str], FunctionFact] = {}
        self.classes: dict[tuple[int, str], ClassFact] = {}
        self.subclasses: dict[tuple[int, str], set[tuple[int, str]]] = {}
        for file, facts in modules:
            for fn in facts.functions:
                self.functions[(file, fn.qual)] = fn
            for cls in facts.classes:
                self.classes[(file, cls.qual)] = cls

    # -- objects -------------------------------------------------------------------------------
    @staticmethod
    def _global(file: int, obj: tuple) -> tuple:
        kind = obj[0]
        if kind == "client":
            return ("client", file, obj[1], obj[2], "")
        return (kind, file, obj[1])

    def _get(self, gkey: tuple[int, str]) -> set[tuple]:
        return self.pts.get(gkey, set())

    def _add(self, gkey: tuple[int, str], objs: Iterable[tuple]) -> bool:
        target = self.pts.setdefault(gkey, set())
        before = len(target)
        target.update(objs)
        return len(target) != before

    def _class_family(self, cls: tuple[int, str]) -> list[tuple[int, str]]:
        """A class, its bases and its subclasses: where an attribute of its instances may live."""
        seen = [cls]
        stack = [cls]
        while stack:
            current = stack.pop()
            related = set(self.subclasses.get(current, ()))
            fact = self.classes.get(current)
            if fact is not None:
                for base_key in fact.bases:
                    for obj in self._get(_gk(current[0], base_key)):
                        if obj[0] == "class":
                            related.add((obj[1], obj[2]))
            for other in related:
                if other not in seen:
                    seen.append(other)
                    stack.append(other)
        return seen

    def _attribute(self, obj: tuple, attr: str) -> list[tuple]:
        """What ``obj.attr`` holds: objects ("obj", o) or keys ("key", file, key)."""
        kind = obj[0]
        if kind == "client":
            if attr in TRANSPARENT:
                return [("obj", obj)]
            prefix = f"{obj[4]}.{attr}" if obj[4] else attr
            return [("obj", (*obj[:4], prefix))]
        if kind in ("inst", "class"):
            found: list[tuple] = []
            for file, qual in self._class_family((obj[1], obj[2])):
                key = f"{qual}.{attr}"
                found.append(("key", file, key))
                fn = self.functions.get((file, key))
                if fn is not None and kind == "inst" and fn.kind == "method":
                    found.append(("obj", ("bound", file, key)))
            return found
        if kind == "module":
            return self.index.module_attribute(obj, attr)
        return []

    def _expand(self, refs: list[tuple]) -> set[tuple]:
        out: set[tuple] = set()
        for ref in refs:
            if ref[0] == "obj":
                out.add(ref[1])
            else:
                out.update(self._get(_gk(ref[1], ref[2])))
        return out

    def _load(self, objs: Iterable[tuple], attr: str) -> set[tuple]:
        out: set[tuple] = set()
        for obj in objs:
            found = self._expand(self._attribute(obj, attr))
            if obj[0] == "inst":
                # A plain function found on an instance is a bound method.
                found = {
                    ("bound", o[1], o[2]) if o[0] == "func" and self._is_method(o) else o
                    for o in found
                }
            out |= found
        return out

    def _is_method(self, obj: tuple) -> bool:
        fn = self.functions.get((obj[1], obj[2]))
        return fn is not None and fn.kind == "method"

    # -- calls ---------------------------------------------------------------------------------
    def _params(
        self, fn: FunctionFact, offset: int, call: CallFact
    ) -> tuple[list[tuple[Arg, str | None]], bool]:
        """Map a call's arguments to parameter names; (pairs, whether everything mapped)."""
        positional = fn.params[offset:]
        pairs: list[tuple[Arg, str | None]] = []
        for arg in call.args:
            if arg.keyword in ("*", "**"):
                pairs.append((arg, None))
            elif arg.keyword:
                known = arg.keyword in positional or arg.keyword in fn.keyword_only
                pairs.append((arg, arg.keyword if known else None))
            else:
                pairs.append((arg, positional[arg.index] if arg.index < len(positional) else None))
        return pairs, all(p is not None for _, p in pairs)

    def _call_targets(self, file: int, call: CallFact) -> tuple[set[tuple], list[tuple], bool]:
        """(result objects, (arg, destination gkey) flows, whether the callee is known)."""
        callee = self._get(_gk(file, call.callee)) if call.callee is not None else set()
        result: set[tuple] = set()
        flows: list[tuple] = []
        known = False
        for obj in callee:
            kind = obj[0]
            if kind == "client":
                known = True
                last = obj[4].rsplit(".", 1)[-1]
                if last in SAME_CLIENT:
                    base = obj[4][: -len(last)].rstrip(".")
                    result.add((*obj[:4], base))
            elif kind in ("func", "bound"):
                fn = self.functions.get((obj[1], obj[2]))
                if fn is None:
                    continue
                known = True
                result |= self._get(_gk(obj[1], f"{obj[2]}.{RETURN}"))
                offset = 1 if kind == "bound" or fn.kind == "classmethod" else 0
                pairs, _ = self._params(fn, offset, call)
                for arg, param in pairs:
                    flows.append((arg, _gk(obj[1], f"{obj[2]}.{param}") if param else None, obj))
            elif kind == "class":
                known = True
                result.add(("inst", obj[1], obj[2]))
                init = None
                for cfile, cqual in self._ancestors((obj[1], obj[2])):
                    init = self.functions.get((cfile, f"{cqual}.__init__"))
                    if init is not None:
                        break
                if init is not None:
                    pairs, _ = self._params(init, 1, call)
                    for arg, param in pairs:
                        flows.append(
                            (arg, _gk(cfile, f"{init.qual}.{param}") if param else None, obj)
                        )
                else:
                    fields = self._fields((obj[1], obj[2]))
                    for arg in call.args:
                        name = None
                        if arg.keyword and arg.keyword not in ("*", "**") and arg.keyword in fields:
                            name = arg.keyword
                        elif not arg.keyword and arg.index < len(fields):
                            name = fields[arg.index]
                        flows.append((arg, _gk(obj[1], f"{obj[2]}.{name}") if name else None, obj))
        return result, flows, known

    def _ancestors(self, cls: tuple[int, str]) -> list[tuple[int, str]]:
        out = [cls]
        i = 0
        while i < len(out):
            fact = self.classes.get(out[i])
            if fact is not None:
                for base_key in fact.bases:
                    for obj in self._get(_gk(out[i][0], base_key)):
                        if obj[0] == "class" and (obj[1], obj[2]) not in out:
                            out.append((obj[1], obj[2]))
            i += 1
        return out

    def _fields(self, cls: tuple[int, str]) -> tuple[str, ...]:
        fields: list[str] = []
        for file, qual in reversed(self._ancestors(cls)):
            fact = self.classes.get((file, qual))
            if fact is not None:
                fields += [f for f in fact.fields if f not in fields]
        return tuple(fields)

    # -- the fixed point -------------------------------------------------------------------------
    def run(self, max_rounds: int = 60) -> None:
        for file, facts in self.modules:
            for key, obj in facts.news:
                self._add(_gk(file, key), [self._global(file, obj)])
        for _ in range(max_rounds):
            changed = False
            for file, facts in self.modules:
                changed |= self._round(file, facts)
            if not changed:
                break

    def _round(self, file: int, facts: ModuleFacts) -> bool:
        changed = False
        for key, level, module, name in facts.imports:
            for ref in self.index.resolve_import(file, level, module, name):
                objs = {ref[1]} if ref[0] == "obj" else self._get(_gk(ref[1], ref[2]))
                changed |= self._add(_gk(file, key), objs)
        for cls in facts.classes:
            for base_key in cls.bases:
                for obj in self._get(_gk(file, base_key)):
                    if obj[0] == "class":
                        subs = self.subclasses.setdefault((obj[1], obj[2]), set())
                        if (file, cls.qual) not in subs:
                            subs.add((file, cls.qual))
                            changed = True
        for dst, src in facts.copies:
            changed |= self._add(_gk(file, dst), self._get(_gk(file, src)))
        for dst, base, attr in facts.loads:
            changed |= self._add(_gk(file, dst), self._load(self._get(_gk(file, base)), attr))
        for base, attr, src, _, _ in facts.stores:
            values = self._get(_gk(file, src))
            if not values:
                continue
            for obj in self._get(_gk(file, base)):
                if obj[0] in ("inst", "class"):
                    changed |= self._add(_gk(obj[1], f"{obj[2]}.{attr}"), values)
                elif obj[0] == "module":
                    for ref in self.index.module_attribute(obj, attr):
                        if ref[0] == "key":
                            changed |= self._add(_gk(ref[1], ref[2]), values)
        for call in facts.calls:
            result, flows, _ = self._call_targets(file, call)
            changed |= self._add(_gk(file, call.dst), result)
            for arg, dest, _ in flows:
                if dest is not None:
                    changed |= self._add(dest, self._get(_gk(file, arg.key)))
        return changed

    # -- what it means for each client -----------------------------------------------------------
    def _escaping(self, objs: Iterable[tuple]) -> list[tuple[tuple, str]]:
        """Clients that leave the analysis when these objects do, with how."""
        out: list[tuple[tuple, str]] = []
        for obj in objs:
            if obj[0] == "client":
                out.append((obj, "the client" if not obj[4] else f"its `{obj[4]}`"))
            elif obj[0] in ("func", "bound"):
                for ret in self._get(_gk(obj[1], f"{obj[2]}.{RETURN}")):
                    if ret[0] == "client":
                        out.append((ret, f"{obj[2]}(), which returns the client,"))
        return out

    def flows(self, clients: dict[tuple[int, int, int], ClientFlow]) -> None:
        def client_of(obj: tuple) -> ClientFlow | None:
            return clients.get((obj[1], obj[2], obj[3]))

        for file, facts in self.modules:
            for call in facts.calls:
                _, flows, known = self._call_targets(file, call)
                callee = self._get(_gk(file, call.callee)) if call.callee is not None else set()
                for obj in callee:
                    flow = client_of(obj) if obj[0] == "client" else None
                    if flow is not None and obj[4] and obj[4].rsplit(".", 1)[-1] not in SAME_CLIENT:
                        flow.uses.append(Use(file, call.line, obj[4]))
                if known:
                    for arg, dest, _target in flows:
                        if dest is None:
                            for obj, what in self._escaping(self._get(_gk(file, arg.key))):
                                self._escape(
                                    client_of(obj),
                                    obj,
                                    file,
                                    call.line,
                                    f"{what} is passed to {call.text}() "
                                    "in a way that is not followed",
                                )
                    continue
                if call.text in HARMLESS_CALLS:
                    continue
                for arg in call.args:
                    for obj, what in self._escaping(self._get(_gk(file, arg.key))):
                        self._escape(
                            client_of(obj),
                            obj,
                            file,
                            call.line,
                            f"{what} is passed to {call.text}()",
                        )
            for base, _attr, src, line, text in facts.stores:
                targets = self._get(_gk(file, base))
                if any(o[0] in ("inst", "class", "module") for o in targets):
                    continue
                for obj, what in self._escaping(self._get(_gk(file, src))):
                    self._escape(
                        client_of(obj),
                        obj,
                        file,
                        line,
                        f"{what} is stored on `{text}`, an object that is not followed",
                    )
            for key, line, how in facts.refs:
                for obj, what in self._escaping(self._get(_gk(file, key))):
                    self._escape(client_of(obj), obj, file, line, f"{what} {how}")

    def _escape(self, flow: ClientFlow | None, obj: tuple, file: int, line: int, how: str) -> None:
        if flow is None:
            return
        leaf = obj[4].rsplit(".", 1)[-1] if obj[4] else ""
        if leaf in _CALL_LEAVES:
            # A bound client method handed to someone who will call it: a call, not an escape.
            flow.uses.append(Use(file, line, obj[4]))
            return
        flow.escapes.append(Escape(file, line, how))


def solve(
    modules: Sequence[tuple[int, ModuleFacts]], index: ModuleIndex | None = None
) -> dict[tuple[int, int, int], ClientFlow]:
    """Calls and escapes of every client built in ``modules``, keyed by (file, line, column)."""
    solver = _Solver(modules, index or ModuleIndex())
    solver.run()
    clients: dict[tuple[int, int, int], ClientFlow] = {}
    for file, facts in modules:
        for c in facts.clients:
            clients[(file, c.line, c.column)] = ClientFlow(file, c.line, c.column, c.binding)
    solver.flows(clients)
    for flow in clients.values():
        flow.uses = sorted(
            {(u.file, u.line, u.chain): u for u in flow.uses}.values(),
            key=lambda u: (u.file, u.line, u.chain),
        )
        unique = {(e.file, e.line, e.how): e for e in flow.escapes}
        flow.escapes = sorted(unique.values(), key=lambda e: (e.file, e.line, e.how))
    return clients


@dataclass
class ClientUsage:
    binding: str | None = None
    calls: list[CallUse] = field(default_factory=list)
    escapes: list[str] = field(default_factory=list)
    scope_word: str = "this module"

    @property
    def known(self) -> bool:
        return bool(self.calls) and not self.escapes

    @property
    def note(self) -> str:
        if self.escapes:
            return "; ".join(self.escapes)
        if self.calls:
            return ""
        if self.binding is None:
            return "the client is not bound to a name, so its calls cannot be followed"
        return f"no calls on {self.binding} are visible in {self.scope_word}"


def usage_from_flow(
    flow: ClientFlow, path_of: Callable[[int], str | None], scope_word: str = "this module"
) -> ClientUsage:
    """A solved client flow as the usage the transform and the reports record.

    ``path_of`` names the file of a module index; None means "the client's own file"."""

    def place(file: int, line: int) -> str:
        path = path_of(file)
        return f"line {line}" if path is None else f"{path}:{line}"

    calls = [CallUse(u.chain, u.line, path=path_of(u.file)) for u in flow.uses]
    calls.sort(key=lambda c: (c.path is not None, c.path or "", c.line, c.chain))
    escapes = sorted(
        flow.escapes, key=lambda e: (path_of(e.file) is not None, path_of(e.file) or "", e.line)
    )
    return ClientUsage(
        binding=flow.binding,
        calls=calls,
        escapes=[f"{e.how} at {place(e.file, e.line)}" for e in escapes],
        scope_word=scope_word,
    )


def reach(
    modules: Sequence[tuple[int, ModuleFacts]], index: ModuleIndex | None = None
) -> dict[int, tuple[frozenset[str], frozenset[str]]]:
    """Where other modules can meet the clients of ``modules``, per module.

    For each module: (the top-level names through which one of the clients known so far can be
    reached: a global holding one, a factory returning one, a class whose instances keep one;
    the local names of imports the module calls with a client as an argument). The run reads
    another module's facts only when it names one of the first or is imported as one of the
    second (``migrator.linking.gather_facts``).
    """
    solver = _Solver(modules, index or ModuleIndex())
    solver.run()
    out: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
    for file, facts in modules:
        carrying = {
            key
            for (f, key), objs in solver.pts.items()
            if f == file and any(obj[0] == "client" for obj in objs)
        }
        classes = {cls.qual for cls in facts.classes}
        roots = frozenset(
            key.split(".", 1)[0]
            for key in carrying
            # a global, what a function returns, an attribute of a class or of its instances
            if not key.startswith("#")
            and ("." not in key or key.endswith("." + RETURN) or key.rsplit(".", 1)[0] in classes)
        )
        loads = {dst: base for dst, base, _ in facts.loads}
        callees: set[str] = set()
        for call in facts.calls:
            if call.callee is None or not any(arg.key in carrying for arg in call.args):
                continue
            callee = call.callee
            for _ in range(20):  # helpers.run(client): a temporary loaded from `helpers`
                if not callee.startswith("#") or callee not in loads:
                    break
                callee = loads[callee]
            callees.add(callee.split(".", 1)[0])
        out[file] = (roots, frozenset(callees))
    return out
