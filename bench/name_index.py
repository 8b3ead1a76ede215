"""What an imported name means, found in one cheap walk of the tree.

``NameIndex.build(module)`` walks a parsed ``libcst.Module`` once, without metadata providers and
without copying the tree, and records every scope (module, class, function, lambda,
comprehension), every name each scope binds, and where each name is read. Afterwards
``index.qualified_names(node)`` answers, for a ``Name`` or an ``Attribute`` chain such as a
call's ``func``, which imported qualified names it can refer to:

    import openai as oa                 oa.AzureOpenAI        -> {"openai.AzureOpenAI"}
    from openai import AzureOpenAI as A A                     -> {"openai.AzureOpenAI"}
    import openai.lib.azure             openai.lib.azure.X    -> {"openai.lib.azure.X"}
    from .settings import make          make                  -> {".settings.make"}

It answers the question the codemods ask of ``QualifiedNameProvider`` (import-sourced names
only) and follows Python's scoping rules:

* a name bound anywhere in a function (parameter, assignment, ``for``/``with``/``except``
  target, ``def``/``class``, import, walrus, ``del``, match capture) is local to the whole
  function, so a local or parameter named like an import never resolves to the import;
* names bound in a class body are not visible from its methods or nested comprehensions;
* comprehensions have their own scope (their first iterable is evaluated outside it), and a
  walrus inside one binds in the enclosing function;
* ``global`` and ``nonlocal`` send bindings and reads to the scope they name;
* several bindings can reach a read (``try: from a import X`` / ``except: from b import X``,
  conditional imports): the bindings that precede the read in its own scope count, back to the
  last unconditional one (a statement directly in the scope's body, not under ``if``/``try``/
  ``for``/``while``/``with``/``match``), and so does every binding in an enclosing scope;
* a name that only a star import could provide is unknown: the answer is empty and
  ``star_modules(node)`` says where it might come from.

Differences from ``QualifiedNameProvider``, all deliberate (see tests/test_names.py): a read
before a local binding in a function gives nothing (Python raises UnboundLocalError; the
provider falls back to the enclosing scope), a walrus in a comprehension binds in the enclosing
scope (PEP 572), ``del x`` and match captures make ``x`` local, an unconditional rebinding hides
earlier bindings from later reads in the same scope, and an ``Attribute`` chain follows the same
rules as its root name (so ``policy = policy.default`` in a class body reads the module's
``policy``, as Python does).
"""

from __future__ import annotations

import dataclasses

import libcst as cst

# Fields that hold only layout (whitespace, punctuation, operators) or names that are not
# variable reads (``Attribute.attr``, ``Arg.keyword``): the walk never enters them.
_SKIP_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "lbrace",
        "rbrace",
        "lbracket",
        "rbracket",
        "comma",
        "semicolon",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "equal",
        "colon",
        "first_colon",
        "second_colon",
        "dot",
        "operator",
        "newline",
        "trailing_whitespace",
        "asynchronous",
        "star",
        "indent",
        "empty_lines",
        "first_line",
        "last_line",
        "comment",
        "encoding",
        "default_indent",
        "default_newline",
        "has_trailing_newline",
        "separator",
        "trailing_comma",
        "conversion",
        "start",
        "end",
        "posonly_ind",
        "relative",
        "leading_whitespace",
        "keyword",
        "attr",
        "whitespace",
    }
)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}

MODULE, CLASS, FUNCTION, COMPREHENSION = "module", "class", "function", "comprehension"


def _child_fields(cls: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = tuple(
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in _SKIP_FIELDS and not f.name.startswith("whitespace")
        )
        _CHILD_FIELDS[cls] = fields
    return fields


def dotted_name(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for a Name or an Attribute chain of Names, else None."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _root(node: cst.CSTNode) -> cst.Name | None:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node if isinstance(node, cst.Name) else None


@dataclasses.dataclass(frozen=True)
class ImportBinding:
    """``name`` was bound by an import of ``target`` (a module, or ``module.attr``).

    ``import a.b.c`` binds ``a`` to the module ``a`` (target ``a``); ``import a.b as c`` binds
    ``c`` to ``a.b``; ``from m import x as y`` binds ``y`` to ``m.x``; ``from . import x``
    binds ``x`` to ``.x``.
    """

    name: str
    target: str


class Scope:
    __slots__ = (
        "bindings",
        "counter",
        "declared_global",
        "declared_nonlocal",
        "kind",
        "nesting",
        "parent",
        "stars",
    )

    def __init__(self, kind: str, parent: Scope | None) -> None:
        self.kind = kind
        self.parent = parent
        # name -> [(order, ImportBinding, or None for any other binding, kills)]: ``kills`` when
        # the binding is a statement directly in the scope's body (not under if/try/for/while/
        # with/match), so that every later read in the scope runs after it.
        self.bindings: dict[str, list[tuple[int, ImportBinding | None, bool]]] = {}
        self.declared_global: set[str] = set()
        self.declared_nonlocal: set[str] = set()
        self.counter = 0  # advances after every binding construct, to order reads and bindings
        self.nesting = 0  # how many compound statements of this scope the walk is inside
        self.stars: list[str] = []  # modules star-imported here

    def binds(self, name: str) -> bool:
        return name in self.bindings

    def visible_parent(self) -> Scope | None:
        """The next scope a nested scope sees: class bodies are skipped."""
        parent = self.parent
        while parent is not None and parent.kind == CLASS:
            parent = parent.parent
        return parent

    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope


class NameIndex:
    """Scopes, bindings and reads of one module; answers ``qualified_names(node)``."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module  # keeps the nodes (and so their ids) alive
        self.root = Scope(MODULE, None)
        # id(Name node read) -> (scope, order): where and when the name is read
        self._reads: dict[int, tuple[Scope, int]] = {}
        # Every call in the module, in source order, with the index of the module-level
        # statement that holds it (so a transform can visit only those statements).
        self.calls: list[tuple[cst.Call, int]] = []

    @classmethod
    def build(cls, module: cst.Module) -> NameIndex:
        index = cls(module)
        walker = _Walker(index)
        for position, statement in enumerate(module.body):
            walker.top = position
            walker.walk(statement, index.root)
        return index

    # -- queries -----------------------------------------------------------------------------
    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """Imported qualified names that ``node`` (a Name or an Attribute chain) can refer to."""
        root = _root(node)
        if root is None:
            return set()
        read = self._reads.get(id(root))
        if read is None:
            return set()
        full = dotted_name(node)
        assert full is not None
        rest = full[len(root.value) :]  # "" or ".attr.attr"
        out = set()
        for binding in self._bindings_for(root.value, *read):
            if binding is not None:
                out.add(binding.target + rest)
        return out

    def star_modules(self, node: cst.CSTNode) -> tuple[str, ...]:
        """Modules whose star import may provide ``node``'s root name, when nothing binds it."""
        root = _root(node)
        read = self._reads.get(id(root)) if root is not None else None
        if read is None or self._resolve(root.value, *read)[1] != "unbound":
            return ()
        return tuple(read[0].module().stars)

    def _bindings_for(self, name: str, scope: Scope, order: int) -> list[ImportBinding | None]:
        """The bindings that a read of ``name`` in ``scope`` at ``order`` can see."""
        return self._resolve(name, scope, order)[0]

    def _resolve(
        self, name: str, scope: Scope, order: int
    ) -> tuple[list[ImportBinding | None], str]:
        """(bindings, rule): ``rule`` names the Python rule that decided, for explanations."""
        current: Scope | None = scope
        own = True
        via_class = False
        while current is not None:
            if name in current.declared_global and current.kind != MODULE:
                return [b for _, b, _ in current.module().bindings.get(name, ())], "global"
            if name in current.declared_nonlocal:
                target = current.visible_parent()
                while target is not None and not target.binds(name) and target.kind != MODULE:
                    target = target.visible_parent()
                if target is None or target.kind == MODULE:
                    return [], "nonlocal"
                return [b for _, b, _ in target.bindings.get(name, ())], "nonlocal"
            if current.binds(name):
                entries = current.bindings[name]
                if not own:
                    return [
                        b for _, b, _ in entries
                    ], "class-fallback" if via_class else "enclosing"
                earlier = [(o, b, k) for o, b, k in entries if o < order]
                if earlier:
                    last_kill = max((i for i, (_, _, k) in enumerate(earlier) if k), default=0)
                    rule = "killed" if last_kill else "earlier"
                    return [b for _, b, _ in earlier[last_kill:]], rule
                if current.kind in (FUNCTION, COMPREHENSION):
                    return [], "unbound-local"  # read before the local binding: UnboundLocalError
                if current.kind == MODULE:
                    return [], "unbound"
                # A class body falls back to the enclosing scopes at run time.
                via_class = True
            current = current.visible_parent()
            own = False
        return [], "unbound"

    def explain(self, node: cst.CSTNode) -> str:
        """The scoping rule that decided ``qualified_names(node)`` (for tests and reports)."""
        root = _root(node)
        read = self._reads.get(id(root)) if root is not None else None
        if read is None:
            return "not-a-read"
        return self._resolve(root.value, *read)[1]


class _Walker:
    """One recursive pass over the tree; bindings and reads go into a NameIndex."""

    def __init__(self, index: NameIndex) -> None:
        self.index = index
        self.reads = index._reads
        self.calls = index.calls
        self.top = 0
        self.dispatch = {
            cst.Name: self.name,
            cst.Attribute: self.attribute,
            cst.Call: self.call,
            cst.Arg: self.arg,
            cst.Import: self.import_,
            cst.ImportFrom: self.import_from,
            cst.Assign: self.assign,
            cst.AnnAssign: self.ann_assign,
            cst.AugAssign: self.aug_assign,
            cst.NamedExpr: self.named_expr,
            cst.For: self.for_,
            cst.With: self.with_,
            cst.ExceptHandler: self.except_handler,
            cst.ExceptStarHandler: self.except_handler,
            cst.FunctionDef: self.function_def,
            cst.ClassDef: self.class_def,
            cst.Lambda: self.lambda_,
            cst.ListComp: self.comprehension,
            cst.SetComp: self.comprehension,
            cst.GeneratorExp: self.comprehension,
            cst.DictComp: self.comprehension,
            cst.If: self.compound,
            cst.While: self.compound,
            cst.Try: self.compound,
            cst.TryStar: self.compound,
            cst.Match: self.compound,
            cst.Global: self.global_,
            cst.Nonlocal: self.nonlocal_,
            cst.Del: self.del_,
            cst.MatchAs: self.match_as,
            cst.MatchStar: self.match_star,
            cst.MatchMapping: self.match_mapping,
            cst.SimpleString: _leaf,
            cst.Integer: _leaf,
            cst.Float: _leaf,
            cst.Imaginary: _leaf,
            cst.Comment: _leaf,
            cst.EmptyLine: _leaf,
            cst.Pass: _leaf,
            cst.Break: _leaf,
            cst.Continue: _leaf,
            cst.Ellipsis: _leaf,
            cst.FormattedStringText: _leaf,
        }
        for name in ("LazyImport", "LazyImportFrom"):  # newer LibCST releases only
            kind = getattr(cst, name, None)
            if kind is not None:
                self.dispatch[kind] = self.import_ if name == "LazyImport" else self.import_from
        if hasattr(cst, "StarredDictComp"):
            self.dispatch[cst.StarredDictComp] = self.comprehension

    # -- the walk --------------------------------------------------------------------------
    def walk(self, node: cst.CSTNode, scope: Scope) -> None:
        handler = self.dispatch.get(type(node))
        if handler is not None:
            handler(node, scope)
        else:
            self.generic(node, scope)

    def generic(self, node: cst.CSTNode, scope: Scope) -> None:
        for field in _child_fields(type(node)):
            value = getattr(node, field)
            if isinstance(value, cst.CSTNode):
                self.walk(value, scope)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    if isinstance(item, cst.CSTNode):
                        self.walk(item, scope)

    def walk_opt(self, node: cst.CSTNode | None, scope: Scope) -> None:
        if isinstance(node, cst.CSTNode):
            self.walk(node, scope)

    # -- reads -----------------------------------------------------------------------------
    def name(self, node: cst.Name, scope: Scope) -> None:
        self.reads[id(node)] = (scope, scope.counter)

    def attribute(self, node: cst.Attribute, scope: Scope) -> None:
        self.walk(node.value, scope)

    def call(self, node: cst.Call, scope: Scope) -> None:
        self.calls.append((node, self.top))
        self.walk(node.func, scope)
        for arg in node.args:
            self.walk(arg.value, scope)

    def arg(self, node: cst.Arg, scope: Scope) -> None:
        self.walk(node.value, scope)

    # -- bindings --------------------------------------------------------------------------
    def bind(
        self, name: str, scope: Scope, value: ImportBinding | None = None, kills: bool = True
    ) -> None:
        target = self._binding_scope(name, scope)
        kills = kills and target is scope and scope.nesting == 0
        target.bindings.setdefault(name, []).append((target.counter, value, kills))

    def _binding_scope(self, name: str, scope: Scope) -> Scope:
        if name in scope.declared_global:
            return scope.module()
        if name in scope.declared_nonlocal:
            target = scope.visible_parent()
            while target is not None and target.kind != MODULE and not target.binds(name):
                target = target.visible_parent()
            if target is not None and target.kind != MODULE:
                return target
            return scope.visible_parent() or scope
        return scope

    def bind_target(self, target: cst.CSTNode, scope: Scope, kills: bool = True) -> None:
        """An assignment target: names are bound, anything else (``a.b``, ``a[i]``) is read."""
        if isinstance(target, cst.Name):
            self.bind(target.value, scope, None, kills)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.bind_target(element.value, scope, kills)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, scope, kills)
        else:
            self.walk(target, scope)

    def import_(self, node: cst.Import, scope: Scope) -> None:
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.bind(
                    alias.asname.name.value, scope, ImportBinding(alias.asname.name.value, full)
                )
            else:
                top = full.split(".", 1)[0]
                self.bind(top, scope, ImportBinding(top, top))
        scope.counter += 1

    def import_from(self, node: cst.ImportFrom, scope: Scope) -> None:
        module = dotted_name(node.module) if node.module is not None else ""
        dots = "." * len(node.relative)
        base = dots + (module or "")
        if isinstance(node.names, cst.ImportStar):
            scope.stars.append(base)
        else:
            for alias in node.names:
                imported = dotted_name(alias.name)
                if imported is None:
                    continue
                target = f"{base}{imported}" if base.endswith(".") else f"{base}.{imported}"
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                else:
                    local = imported
                self.bind(local, scope, ImportBinding(local, target))
        scope.counter += 1

    def assign(self, node: cst.Assign, scope: Scope) -> None:
        self.walk(node.value, scope)
        for target in node.targets:
            self.bind_target(target.target, scope)
        scope.counter += 1

    def ann_assign(self, node: cst.AnnAssign, scope: Scope) -> None:
        self.walk(node.annotation, scope)
        self.walk_opt(node.value, scope)
        # ``x: int`` alone binds nothing, but it makes ``x`` local in a function.
        self.bind_target(node.target, scope, kills=node.value is not None)
        scope.counter += 1

    def aug_assign(self, node: cst.AugAssign, scope: Scope) -> None:
        self.walk(node.value, scope)
        if isinstance(node.target, cst.Name):
            self.name(node.target, scope)  # ``x += 1`` reads x too
        self.bind_target(node.target, scope)
        scope.counter += 1

    def named_expr(self, node: cst.NamedExpr, scope: Scope) -> None:
        self.walk(node.value, scope)
        target = scope
        while target.kind == COMPREHENSION and target.parent is not None:
            target = target.parent  # PEP 572: binds in the enclosing function or module
        self.bind_target(node.target, target, kills=False)  # often conditional (``a or (b := c)``)
        target.counter += 1
        if target is not scope:
            scope.counter += 1

    def for_(self, node: cst.For, scope: Scope) -> None:
        self.walk(node.iter, scope)
        self.bind_target(node.target, scope, kills=False)  # the loop may not run
        scope.counter += 1
        scope.nesting += 1
        self.walk(node.body, scope)
        self.walk_opt(node.orelse, scope)
        scope.nesting -= 1

    def with_(self, node: cst.With, scope: Scope) -> None:
        for item in node.items:
            self.walk(item.item, scope)
            if item.asname is not None:
                self.bind_target(item.asname.name, scope)
            scope.counter += 1
        scope.nesting += 1
        self.walk(node.body, scope)
        scope.nesting -= 1

    def except_handler(self, node: cst.ExceptHandler, scope: Scope) -> None:
        self.walk_opt(node.type, scope)
        if node.name is not None:
            self.bind_target(node.name.name, scope)
            scope.counter += 1
        self.walk(node.body, scope)

    def compound(self, node: cst.CSTNode, scope: Scope) -> None:
        """if/while/try/match: what is bound inside may not run."""
        scope.nesting += 1
        self.generic(node, scope)
        scope.nesting -= 1

    def global_(self, node: cst.Global, scope: Scope) -> None:
        scope.declared_global.update(item.name.value for item in node.names)
        scope.counter += 1

    def nonlocal_(self, node: cst.Nonlocal, scope: Scope) -> None:
        scope.declared_nonlocal.update(item.name.value for item in node.names)
        scope.counter += 1

    def del_(self, node: cst.Del, scope: Scope) -> None:
        self._del_target(node.target, scope)
        scope.counter += 1

    def _del_target(self, target: cst.CSTNode, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            self.name(target, scope)
            self.bind(target.value, scope)  # makes the name local; a later read finds no value
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._del_target(element.value, scope)
        else:
            self.walk(target, scope)

    def match_as(self, node: cst.MatchAs, scope: Scope) -> None:
        self.walk_opt(node.pattern, scope)
        if node.name is not None:
            self._capture(node.name.value, scope)

    def match_star(self, node: cst.MatchStar, scope: Scope) -> None:
        if node.name is not None:
            self._capture(node.name.value, scope)

    def match_mapping(self, node: cst.MatchMapping, scope: Scope) -> None:
        for element in node.elements:
            self.walk(element.key, scope)
            self.walk(element.pattern, scope)
        if node.rest is not None:
            self._capture(node.rest.value, scope)

    def _capture(self, name: str, scope: Scope) -> None:
        self.bind(name, scope)
        scope.counter += 1

    # -- scopes ----------------------------------------------------------------------------
    def _params(self, params: cst.Parameters, outer: Scope, inner: Scope) -> None:
        """Defaults and annotations are evaluated outside; the names are bound inside."""
        everything = [*params.posonly_params, *params.params, *params.kwonly_params]
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                everything.append(extra)
        for param in everything:
            self.walk_opt(param.default, outer)
            self.walk_opt(param.annotation, outer)
        for param in everything:
            self.bind(param.name.value, inner)
        inner.counter += 1

    def function_def(self, node: cst.FunctionDef, scope: Scope) -> None:
        for decorator in node.decorators:
            self.walk(decorator.decorator, scope)
        inner = Scope(FUNCTION, scope)
        tparams = node.type_parameters
        if tparams is not None:
            for tparam in tparams.params:
                self.bind(tparam.param.name.value, inner)
        self._params(node.params, scope, inner)
        if node.returns is not None:
            self.walk(node.returns, scope)
        self.bind(node.name.value, scope)
        scope.counter += 1
        self.walk(node.body, inner)

    def lambda_(self, node: cst.Lambda, scope: Scope) -> None:
        inner = Scope(FUNCTION, scope)
        self._params(node.params, scope, inner)
        self.walk(node.body, inner)

    def class_def(self, node: cst.ClassDef, scope: Scope) -> None:
        for decorator in node.decorators:
            self.walk(decorator.decorator, scope)
        for arg in (*node.bases, *node.keywords):
            self.walk(arg.value, scope)
        inner = Scope(CLASS, scope)
        self.bind(node.name.value, scope)
        scope.counter += 1
        self.walk(node.body, inner)

    def comprehension(self, node: cst.CSTNode, scope: Scope) -> None:
        for_in = node.for_in  # type: ignore[attr-defined]
        self.walk(for_in.iter, scope)  # the first iterable is evaluated outside
        inner = Scope(COMPREHENSION, scope)
        first = True
        while for_in is not None:
            if not first:
                self.walk(for_in.iter, inner)
            first = False
            self.bind_target(for_in.target, inner)
            inner.counter += 1
            for condition in for_in.ifs:
                self.walk(condition.test, inner)
            for_in = for_in.inner_for_in
        for field in ("elt", "key", "value"):
            value = getattr(node, field, None)
            if isinstance(value, cst.CSTNode):
                self.walk(value, inner)


def _leaf(node: cst.CSTNode, scope: Scope) -> None:
    return None
