"""How each client is used: reduce a module to small facts about where clients flow.

``UsageVisitor`` reads one module and records, as ``ModuleFacts`` (``codemods.usage_graph``),
every place a value can be bound (names with their scope, ``self.attr`` and class attributes,
dataclass fields, what a function returns or yields, ``with ... as`` targets, parameters) and
every call, import and use that moves or consumes a value. The facts are plain tuples: a worker
process sends them to the parent, which joins the facts of every module of the run
(``migrator.linking``) to follow a client built in ``clients.py`` into ``app.py``.

Within the module alone, the same solver gives each construction its calls and escapes
(``by_position``), which the transform records on the ``ClientRecord``. A client that is
passed to a function outside the analysis, stored in a container or on an object the analysis
cannot see, is marked as not fully seen, with the reason.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod import ContextAwareVisitor
from libcst.metadata import (
    BuiltinScope,
    GlobalScope,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from codemods.resolve import client_spec, dotted
from codemods.usage_graph import (
    RETURN,
    Arg,
    CallFact,
    ClassFact,
    ClientFact,
    ClientUsage,
    FunctionFact,
    ModuleFacts,
    solve,
    usage_from_flow,
)

_NO_FLOW_DECORATORS = {"staticmethod", "classmethod", "property", "cached_property"}
_FIELD_FUNCTIONS = {"field", "Field", "attr.ib", "attrs.field"}


class UsageVisitor(ContextAwareVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider, ScopeProvider)

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self.by_position: dict[tuple[int, int], ClientUsage] = {}
        self.facts = ModuleFacts()
        self._clients: dict[tuple[int, int], str | None] = {}
        self._news: list[tuple[str, tuple]] = []
        self._copies: list[tuple[str, str]] = []
        self._loads: list[tuple[str, str, str]] = []
        self._stores: list[tuple[str, str, str, int, str]] = []
        self._calls: list[CallFact] = []
        self._refs: set[tuple[str, int, str]] = set()
        self._imports: list[tuple[str, int, str, str]] = []
        self._functions: list[FunctionFact] = []
        self._classes: list[ClassFact] = []
        self._done: set[int] = set()  # nodes already turned into facts (or never a value)
        self._stack: list[tuple[str, str]] = []  # ("class" | "def", qualified name)
        self._quals: dict[int, str] = {}
        self._temps = 0

    # -- keys ------------------------------------------------------------------------------------
    def _temp(self) -> str:
        self._temps += 1
        return f"#{self._temps}"

    def _qual_here(self) -> str:
        return self._stack[-1][1] if self._stack else ""

    def _scope_qual(self, scope: object) -> str:
        if scope is None or isinstance(scope, (GlobalScope, BuiltinScope)):
            return ""
        cached = self._quals.get(id(scope))
        if cached is None:
            parent = self._scope_qual(getattr(scope, "parent", None))
            name = getattr(scope, "name", None) or f"<scope{len(self._quals) + 1}>"
            cached = f"{parent}.{name}" if parent else name
            self._quals[id(scope)] = cached
        return cached

    def _name_key(self, node: cst.Name) -> str:
        scope = self.get_metadata(ScopeProvider, node, None)
        owner = None
        if scope is not None:
            for assignment in scope[node.value]:
                owner = assignment.scope
                break
        qual = self._scope_qual(owner)
        return f"{qual}.{node.value}" if qual else node.value

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    # -- values ----------------------------------------------------------------------------------
    def _eval(self, node: cst.BaseExpression | None) -> str | None:
        """The key that holds the value of ``node``, recording the facts that fill it."""
        if node is None:
            return None
        self._done.add(id(node))
        if isinstance(node, cst.Name):
            return self._name_key(node)
        if isinstance(node, cst.Attribute):
            self._done.add(id(node.attr))
            base = self._eval(node.value)
            if base is None:
                return None
            key = self._temp()
            self._loads.append((key, base, node.attr.value))
            return key
        if isinstance(node, cst.Await):
            return self._eval(node.expression)
        if isinstance(node, cst.Call):
            return self._eval_call(node)
        if isinstance(node, cst.IfExp):
            return self._merge(node.body, node.orelse)
        if isinstance(node, cst.BooleanOperation):
            return self._merge(node.left, node.right)
        if isinstance(node, cst.NamedExpr):
            value = self._eval(node.value)
            self._bind(node.target, value, node.value)
            return value
        self._done.discard(id(node))
        return None

    def _merge(self, *nodes: cst.BaseExpression) -> str:
        key = self._temp()
        for node in nodes:
            value = self._eval(node)
            if value is not None:
                self._copies.append((key, value))
        return key

    def _eval_call(self, node: cst.Call) -> str:
        key = self._temp()
        if client_spec(self, node) is not None:
            pos = self.get_metadata(PositionProvider, node).start
            self._clients.setdefault((pos.line, pos.column), None)
            self._news.append((key, ("client", pos.line, pos.column)))
            for arg in node.args:  # endpoint, version, http client: never a client
                if isinstance(arg.value, (cst.Name, cst.Attribute)):
                    self._skip_chain(arg.value)
            return key
        callee = self._eval(node.func)
        args: list[Arg] = []
        index = 0
        for arg in node.args:
            value = self._eval(arg.value)
            if arg.star:
                args.append(Arg(-1, arg.star, value)) if value is not None else None
                continue
            if arg.keyword is not None:
                self._done.add(id(arg.keyword))
                if value is not None:
                    args.append(Arg(-1, arg.keyword.value, value))
                continue
            if value is not None:
                args.append(Arg(index, "", value))
            index += 1
        text = dotted(node.func) or "a call"
        self._calls.append(CallFact(key, callee, tuple(args), self._line(node), text))
        return key

    def _skip_chain(self, node: cst.BaseExpression) -> None:
        while isinstance(node, cst.Attribute):
            self._done.add(id(node))
            self._done.add(id(node.attr))
            node = node.value
        if isinstance(node, cst.Name):
            self._done.add(id(node))

    def _ref(self, key: str | None, node: cst.CSTNode, how: str) -> None:
        if key is not None:
            self._refs.add((key, self._line(node), how))

    # -- bindings --------------------------------------------------------------------------------
    def _construction_at(self, value: cst.BaseExpression | None) -> tuple[int, int] | None:
        while isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Call) and client_spec(self, value) is not None:
            pos = self.get_metadata(PositionProvider, value).start
            return (pos.line, pos.column)
        return None

    def _bind(
        self, target: cst.BaseExpression, value: str | None, value_node: cst.BaseExpression | None
    ) -> None:
        self._done.add(id(target))
        built = self._construction_at(value_node)
        if isinstance(target, cst.Name):
            if value is not None:
                self._copies.append((self._name_key(target), value))
        elif isinstance(target, cst.Attribute):
            self._done.add(id(target.attr))
            base = self._eval(target.value)
            if value is not None:
                if base is None:
                    self._ref(value, target, "is stored on an object that is not followed")
                else:
                    text = dotted(target.value) or "an object"
                    self._stores.append((base, target.attr.value, value, self._line(target), text))
        elif isinstance(target, cst.Subscript):
            self._eval(target.value)
            self._ref(value, target, "is stored in a container")
            if built is not None:
                self._clients[built] = self._clients.get(built)
            return
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            sources = value_node.elements if isinstance(value_node, (cst.Tuple, cst.List)) else None
            if (
                sources is not None
                and len(sources) == len(elements)
                and not any(isinstance(e, cst.StarredElement) for e in target.elements)
            ):
                return  # paired up by the caller
            for element in elements:
                self._bind(element, None, None)
            return
        if built is not None and self._clients.get(built) is None:
            self._clients[built] = dotted(target)

    def _bind_pairs(self, target: cst.BaseExpression, value: cst.BaseExpression) -> bool:
        """``a, b = x, y``: bind element by element. False when the shapes do not pair up."""
        if not (
            isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List))
        ):
            return False
        if len(target.elements) != len(value.elements) or any(
            isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements)
        ):
            return False
        self._done.update((id(target), id(value)))
        for t, v in zip(target.elements, value.elements, strict=True):
            self._bind(t.value, self._eval(v.value), v.value)
        return True

    def _mark_targets(self, node: cst.CSTNode) -> None:
        """Names a loop or handler binds: not uses of whatever they held before."""
        if isinstance(node, cst.Name):
            self._done.add(id(node))
        elif isinstance(node, (cst.Tuple, cst.List)):
            self._done.add(id(node))
            for element in node.elements:
                self._mark_targets(element.value)
        elif isinstance(node, cst.StarredElement):
            self._mark_targets(node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and self._bind_pairs(node.targets[0].target, node.value):
            return
        value = self._eval(node.value)
        for target in node.targets:
            self._bind(target.target, value, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is None:
            self._done.add(id(node.target))
            return
        value = self._field_default(node.value)
        if value is None:
            value = self._eval(node.value)
        self._bind(node.target, value, node.value)

    def _field_default(self, value: cst.BaseExpression) -> str | None:
        """``field(default_factory=make_client)`` in a class body: the field holds what it makes."""
        if not (self._stack and self._stack[-1][0] == "class" and isinstance(value, cst.Call)):
            return None
        name = dotted(value.func) or ""
        if name.rsplit(".", 1)[-1] not in _FIELD_FUNCTIONS and name not in _FIELD_FUNCTIONS:
            return None
        self._done.update((id(value), id(value.func)))
        self._skip_chain(value.func)
        key = self._temp()
        for arg in value.args:
            if arg.keyword is None:
                continue
            self._done.add(id(arg.keyword))
            if arg.keyword.value == "default":
                source = self._eval(arg.value)
                if source is not None:
                    self._copies.append((key, source))
            elif arg.keyword.value == "default_factory":
                factory = arg.value
                self._done.add(id(factory))
                if isinstance(factory, cst.Lambda):
                    source = self._eval(factory.body)
                    if source is not None:
                        self._copies.append((key, source))
                else:
                    callee = self._eval(factory)
                    self._calls.append(
                        CallFact(
                            key, callee, (), self._line(factory), dotted(factory) or "a factory"
                        )
                    )
        return key

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._done.add(id(node.target))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if id(node) not in self._done:
            self._eval(node)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        value = self._eval(node.item)  # `with client:` only opens and closes it
        if node.asname is not None:
            target = node.asname.name
            if isinstance(target, (cst.Tuple, cst.List)):
                self._mark_targets(target)
            else:
                self._bind(target, value, node.item)  # openai clients return themselves

    def visit_For(self, node: cst.For) -> None:
        self._mark_targets(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._mark_targets(node.target)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._mark_targets(node.name.name)

    def visit_Return(self, node: cst.Return) -> None:
        self._returns(node.value, node)

    def visit_Yield(self, node: cst.Yield) -> None:
        value = node.value
        if isinstance(value, cst.From):
            value = value.item
        self._returns(value, node)

    def _returns(self, value: cst.BaseExpression | None, node: cst.CSTNode) -> None:
        function = next((qual for kind, qual in reversed(self._stack) if kind == "def"), None)
        if function is None or value is None:
            return
        key = self._eval(value)
        if key is not None:
            self._copies.append((f"{function}.{RETURN}", key))
        built = self._construction_at(value)
        if built is not None and self._clients.get(built) is None:
            self._clients[built] = function.rsplit(".", 1)[-1] + "()"

    # -- definitions -----------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._done.add(id(node.name))
        owner = self._stack[-1] if self._stack else None
        in_class = owner is not None and owner[0] == "class"
        decorators = {(dotted(d.decorator) or "").rsplit(".", 1)[-1] for d in node.decorators}
        kind = "function"
        if in_class:
            kind = (
                "staticmethod"
                if "staticmethod" in decorators
                else "classmethod"
                if "classmethod" in decorators
                else "method"
            )
        qual = self._child_qual(node.name.value)
        params = node.params
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        self._functions.append(
            FunctionFact(
                qual=qual,
                params=tuple(positional),
                keyword_only=tuple(p.name.value for p in params.kwonly_params),
                kind=kind,
                star=isinstance(params.star_arg, cst.Param),
                double_star=params.star_kwarg is not None,
            )
        )
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                default = self._eval(param.default)
                if default is not None:
                    self._copies.append((f"{qual}.{param.name.value}", default))
        if in_class and positional and kind in ("method", "classmethod"):
            holder = "inst" if kind == "method" else "class"
            self._news.append((f"{qual}.{positional[0]}", (holder, owner[1])))  # type: ignore[index]
        if decorators & {"property", "cached_property"}:
            self._copies.append((qual, f"{qual}.{RETURN}"))  # reading the attribute calls it
        else:
            self._news.append((qual, ("func", qual)))
        for decorator in node.decorators:
            if (dotted(decorator.decorator) or "").rsplit(".", 1)[-1] in _NO_FLOW_DECORATORS:
                self._skip_chain(decorator.decorator)
        self._stack.append(("def", qual))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._stack.pop()

    def _child_qual(self, name: str) -> str:
        here = self._qual_here()
        return f"{here}.{name}" if here else name

    def visit_Param(self, node: cst.Param) -> None:
        self._done.add(id(node.name))

    def visit_Annotation(self, node: cst.Annotation) -> bool:
        return False  # types, not values

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._done.add(id(node.name))
        qual = self._child_qual(node.name.value)
        bases = []
        for arg in node.bases:
            key = self._eval(arg.value)
            if key is not None:
                bases.append(key)
        for arg in node.keywords:
            if arg.keyword is not None:
                self._done.add(id(arg.keyword))
        fields: list[str] = []
        has_init = False
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        for stmt in body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "__init__":
                has_init = True
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                        fields.append(small.target.value)
        self._classes.append(ClassFact(qual, tuple(bases), tuple(fields), has_init))
        self._news.append((qual, ("class", qual)))
        self._stack.append(("class", qual))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._stack.pop()

    # -- imports ---------------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            full = dotted(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._imports.append((self._child_qual(alias.asname.name.value), 0, full, ""))
            else:
                top = full.split(".")[0]
                self._imports.append((self._child_qual(top), 0, top, ""))
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            return False
        module = dotted(node.module) if node.module is not None else ""
        for alias in node.names:
            name = dotted(alias.name) or ""
            local = (
                alias.asname.name.value
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                else name
            )
            self._imports.append((self._child_qual(local), len(node.relative), module or "", name))
        return False

    def visit_Global(self, node: cst.Global) -> bool:
        return False

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        return False

    # -- uses ------------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if id(node) not in self._done:
            self._eval(node)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._done.add(id(node.keyword))

    def _harmless(self, *nodes: cst.CSTNode | None) -> None:
        for node in nodes:
            if isinstance(node, (cst.Name, cst.Attribute)):
                self._skip_chain(node)

    def visit_If(self, node: cst.If) -> None:
        self._harmless(node.test)

    def visit_While(self, node: cst.While) -> None:
        self._harmless(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._harmless(node.test)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        self._harmless(node.expression)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self._harmless(node.left, *(c.comparator for c in node.comparisons))

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        self._harmless(node.expression)

    def visit_Del(self, node: cst.Del) -> None:
        self._mark_targets(node.target)
        self._harmless(node.target)

    def _stored(self, node: cst.CSTNode, elements: list[cst.BaseExpression], what: str) -> None:
        if id(node) in self._done:
            return
        for element in elements:
            if id(element) in self._done:
                continue
            self._ref(self._eval(element), element, f"is stored in a {what}")

    def visit_List(self, node: cst.List) -> None:
        self._stored(node, [e.value for e in node.elements], "list")

    def visit_Tuple(self, node: cst.Tuple) -> None:
        self._stored(node, [e.value for e in node.elements], "tuple")

    def visit_Set(self, node: cst.Set) -> None:
        self._stored(node, [e.value for e in node.elements], "set")

    def visit_Dict(self, node: cst.Dict) -> None:
        values: list[cst.BaseExpression] = []
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                values += [element.key, element.value]
            else:
                values.append(element.value)
        self._stored(node, values, "dict")

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._done.add(id(node.attr))
        if id(node) not in self._done:
            self._ref(self._eval(node), node, "is used in a way that is not followed")

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._done:
            self._ref(self._name_key(node), node, "is used in a way that is not followed")

    # -- the module's facts and its own answer -----------------------------------------------------
    def leave_Module(self, original_node: cst.Module) -> None:
        self.facts = ModuleFacts(
            clients=tuple(
                ClientFact(line, column, binding)
                for (line, column), binding in sorted(self._clients.items())
            ),
            news=tuple(self._news),
            copies=tuple(self._copies),
            loads=tuple(self._loads),
            stores=tuple(self._stores),
            calls=tuple(self._calls),
            refs=tuple(sorted(self._refs)),
            imports=tuple(self._imports),
            functions=tuple(self._functions),
            classes=tuple(self._classes),
        )
        flows = solve([(0, self.facts)])
        for (_, line, column), flow in flows.items():
            self.by_position[(line, column)] = usage_from_flow(flow, lambda _file: None)


def module_facts(module: cst.Module, filename: str | None = None) -> ModuleFacts:
    """The usage facts of a module, without transforming it (for modules that build no client)."""
    from libcst.codemod import CodemodContext
    from libcst.metadata import MetadataWrapper

    from codemods import batched
    from codemods.libcst_private import qualified_names_without_a_traversal

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    qualified_names_without_a_traversal(wrapper)
    wrapper.resolve_many(UsageVisitor.METADATA_DEPENDENCIES)
    visitor = UsageVisitor(CodemodContext(filename=filename, wrapper=wrapper))
    batched.visit(wrapper.module, [visitor], wrapper)  # as in the migration: one traversal
    return visitor.facts
