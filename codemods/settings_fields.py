"""Key fields of settings classes, made optional once the client no longer reads them as a key.

A client's key argument often comes from a settings object (``settings.azure_openai_api_key``,
``get_settings().aoai_key``): after the client is rewritten, the class still requires the field,
and the program stops at start-up once the key variable is gone (a pydantic ``ValidationError``,
a dataclass ``TypeError``, a ``KeyError`` from ``os.environ[...]`` in a default).

Here, for one module: find the class a name stands for (a class, an instance of it, a function
returning one, or an import to follow), find the field, and make it optional:

* pydantic ``BaseSettings`` / ``BaseModel``: ``api_key: SecretStr`` ->
  ``api_key: Optional[SecretStr] = None``; ``Field(..., alias="X")`` -> ``Field(None, alias="X")``;
* a dataclass field: ``field(default_factory=lambda: os.environ["X"])`` reads with ``.get``; a
  field with no default gets ``= None`` unless a later field has none (Python would refuse);
* a ``NamedTuple`` the same way; a ``TypedDict`` key is not checked at run time: left, told.

The field is kept, not deleted: pydantic-settings forbids extra inputs by default, so a key still
in a ``.env`` file would fail validation once its field is gone (the rollout keeps it a while).
``X | None`` is written only where the module already writes unions that way; else
``Optional[X]`` (works on every Python the module may target).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import (
    MetadataWrapper,
    PositionProvider,
    QualifiedNameProvider,
)

from codemods import env_helpers
from codemods.credential_setup import ImportNeed
from codemods.import_placement import ImportLayout, add_imports
from codemods.settings_shapes import env_prefix, field_arg, returned_calls

PYDANTIC_BASES = frozenset(
    {
        "pydantic_settings.BaseSettings",
        "pydantic_settings.main.BaseSettings",
        "pydantic.BaseSettings",
        "pydantic.BaseModel",
        "pydantic.main.BaseModel",
        "pydantic.v1.BaseSettings",
        "pydantic.v1.BaseModel",
    }
)
DATACLASS_DECORATORS = frozenset({"dataclasses.dataclass", "pydantic.dataclasses.dataclass"})
NAMEDTUPLE = frozenset({"typing.NamedTuple", "typing_extensions.NamedTuple"})
TYPEDDICT = frozenset({"typing.TypedDict", "typing_extensions.TypedDict"})
FIELD_FUNCTIONS = frozenset({"pydantic.Field", "pydantic.fields.Field", "dataclasses.field"})
ENVIRON = "os.environ"

PYDANTIC, DATACLASS, TUPLE, TYPED = "pydantic", "dataclass", "namedtuple", "typeddict"


@dataclass(frozen=True)
class Import:
    """The name is imported: follow it into another module."""

    level: int
    module: str
    name: str


@dataclass(frozen=True)
class Change:
    """What happened to one field: ``changed`` or not, and why (for the report)."""

    line: int
    changed: bool
    message: str
    variable: str  # the environment variable (or field) it reads, for the report


class SettingsModule:
    """One module's classes and top-level names, and the edits planned on its fields."""

    def __init__(self, data: bytes) -> None:
        self.module = cst.parse_module(data)
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        self._names = wrapper.resolve(QualifiedNameProvider)
        self._positions = wrapper.resolve(PositionProvider)
        self.top: dict[str, cst.CSTNode] = {}
        for statement in self.module.body:
            if isinstance(statement, (cst.ClassDef, cst.FunctionDef)):
                self.top[statement.name.value] = statement
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._bind(small)
        self.edits: dict[int, cst.AnnAssign] = {}  # id(original AnnAssign) -> new one
        self.arguments: dict[int, cst.Arg] = {}  # id(original Arg) -> new one
        self.needs_optional = False
        self.relaxed: dict[int, str] = {}  # line -> what: the class's own reads made .get
        self.how: dict[int, str] = {}  # line -> how a relaxed read reads now, when not .get()
        self.held: dict[int, str] = {}  # line -> why a helper's read was left (key-read-helper)
        # What a function called by name here is (``codemods.env_helpers``); the run's linking
        # follows imports (``migrator.settings_link``).
        self.helper_of: Callable[[str], env_helpers.Helper | env_helpers.Unsure | None] = (
            lambda name: env_helpers.defined(self.module, name, self.qualified)
        )
        self.needs_os = False

    def _bind(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
            if isinstance(target, cst.Name):
                self.top[target.value] = small
        elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            self.top[small.target.value] = small
        elif isinstance(small, cst.ImportFrom) and isinstance(small.names, (list, tuple)):
            for alias in small.names:
                bound = alias.asname.name if alias.asname is not None else alias.name
                if isinstance(bound, cst.Name) and isinstance(alias.name, cst.Name):
                    self.top[bound.value] = small

    def qualified(self, node: cst.CSTNode) -> set[str]:
        found = self._names.get(node, set())
        found = found() if callable(found) else found  # resolved lazily by LibCST
        return {q.name for q in found}

    def line(self, node: cst.CSTNode) -> int:
        return self._positions[node].start.line

    def lookup(self, name: str, seen: frozenset[str] = frozenset()) -> cst.ClassDef | Import | None:
        """The class ``name`` stands for here: the class itself, an instance (``settings =
        Settings()``), a function returning one (``get_settings``), or an import to follow."""
        node = self.top.get(name)
        if node is None or name in seen:
            return None
        seen = seen | {name}
        if isinstance(node, cst.ClassDef):
            return node
        if isinstance(node, cst.ImportFrom):
            module = "" if node.module is None else _dotted(node.module)
            for alias in node.names if isinstance(node.names, (list, tuple)) else ():
                bound = alias.asname.name if alias.asname is not None else alias.name
                if isinstance(bound, cst.Name) and bound.value == name:
                    assert isinstance(alias.name, cst.Name)
                    return Import(len(node.relative), module or "", alias.name.value)
            return None
        if isinstance(node, (cst.Assign, cst.AnnAssign)):
            value = node.value
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
                return self.lookup(value.func.value, seen)
            return None
        if isinstance(node, cst.FunctionDef):
            returns = node.returns.annotation if node.returns is not None else None
            if isinstance(returns, cst.Name):
                return self.lookup(returns.value, seen)
            for made in returned_calls(node):
                return self.lookup(made, seen)
        return None

    def kind(self, cls: cst.ClassDef, seen: frozenset[str] = frozenset()) -> str | None:
        for decorator in cls.decorators:
            target = decorator.decorator
            target = target.func if isinstance(target, cst.Call) else target
            if self.qualified(target) & DATACLASS_DECORATORS:
                return DATACLASS
        for base in cls.bases:
            names = self.qualified(base.value)
            if names & PYDANTIC_BASES:
                return PYDANTIC
            if names & NAMEDTUPLE:
                return TUPLE
            if names & TYPEDDICT:
                return TYPED
            if isinstance(base.value, cst.Name) and base.value.value not in seen:
                local = self.top.get(base.value.value)
                if isinstance(local, cst.ClassDef):
                    found = self.kind(local, seen | {cls.name.value})
                    if found is not None:
                        return found
        return None

    def field(self, cls: cst.ClassDef, attr: str) -> tuple[cst.ClassDef, cst.AnnAssign] | None:
        """The annotated field ``attr`` of ``cls`` or of a base class defined in this module."""
        for statement in cls.body.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if (
                        isinstance(small, cst.AnnAssign)
                        and isinstance(small.target, cst.Name)
                        and small.target.value == attr
                    ):
                        return cls, small
        for base in cls.bases:
            if isinstance(base.value, cst.Name):
                local = self.top.get(base.value.value)
                if isinstance(local, cst.ClassDef) and local is not cls:
                    found = self.field(local, attr)
                    if found is not None:
                        return found
        return None

    def imported_base(self, cls: cst.ClassDef) -> Import | None:
        """The first base class of ``cls`` imported from another module, if any."""
        for base in cls.bases:
            if isinstance(base.value, cst.Name):
                found = self.lookup(base.value.value)
                if isinstance(found, Import):
                    return found
        return None

    def make_optional(self, cls: cst.ClassDef, attr: str) -> Change | None:
        """Plan ``attr`` of ``cls`` optional; None when there is nothing to do (a field that
        has a default already, or a name the class does not declare: a property, a method)."""
        kind = self.kind(cls)
        found = self.field(cls, attr)
        if found is None:
            elsewhere = [
                _dotted(b.value)
                for b in cls.bases
                if not self.qualified(b.value) & (PYDANTIC_BASES | NAMEDTUPLE | TYPEDDICT)
                and not isinstance(self.top.get(_dotted(b.value)), cst.ClassDef)
                and not any(q.startswith(("builtins.", "typing.")) for q in self.qualified(b.value))
            ]
            if not elsewhere:
                return None
            return Change(
                self.line(cls),
                False,
                f"{cls.name.value} does not declare {attr}: it may come from "
                f"{', '.join(elsewhere)}, defined elsewhere; make it optional there",
                attr,
            )
        owner, node = found
        line = self.line(node)
        variable = self._variable(owner, node, kind)
        where = f"{owner.name.value}.{attr}"
        if kind is None:
            return Change(
                line,
                False,
                f"{where}: not a pydantic model, dataclass or "
                "NamedTuple this tool knows; make the field optional",
                variable,
            )
        if kind == TYPED:
            return Change(
                line,
                False,
                f"{where} is a TypedDict key: nothing checks it at run "
                "time; mark it NotRequired if a type checker reads it",
                variable,
            )
        if id(node) in self.edits:
            return Change(line, True, f"{where} made optional", variable)
        value, why = self._new_value(node)
        if why:
            return Change(line, False, f"{where}: {why}", variable)
        if value is None:
            return None  # it has a default already: nothing requires the key here
        # Fields without a default follow: Python refuses a default here, so the annotation
        # alone says optional (callers still pass it; the class's own reads use .get).
        bare = node.value is None and kind in (DATACLASS, TUPLE)
        bare = bare and not self._may_default(owner, node)
        annotation = self._optional(node.annotation.annotation)
        if annotation is None:
            return Change(
                line,
                False,
                f"{where}: its annotation is a string; make it optional by hand",
                variable,
            )
        equal = node.equal
        if isinstance(equal, cst.MaybeSentinel):
            equal = cst.AssignEqual()
        optional = node.annotation.with_changes(annotation=annotation)
        if bare:
            self.edits[id(node)] = node.with_changes(annotation=optional)
        else:
            self.edits[id(node)] = node.with_changes(annotation=optional, value=value, equal=equal)
        self._relax_own(owner, attr)
        if bare:
            return Change(
                line,
                True,
                f"{where} made optional (its type only: the fields after it have no default, "
                "so its callers still pass it, None when the key is gone)",
                variable,
            )
        return Change(line, True, f"{where} made optional", variable)

    def _relax_own(self, cls: cst.ClassDef, attr: str) -> None:
        """The class's own constructions of the field from the environment, in its methods
        (``cls(api_key=os.environ["X"])``, ``Config(api_key=os.environ["X"])``), read with
        ``.get``: else they raise KeyError once X is gone."""
        names = {cls.name.value}
        for statement in cls.body.body:
            if isinstance(statement, cst.FunctionDef) and statement.params.params:
                if any(_dotted(d.decorator) == "classmethod" for d in statement.decorators):
                    names.add(statement.params.params[0].name.value)
        for statement in cls.body.body:
            if isinstance(statement, cst.FunctionDef):
                self._relax_in(statement, names, cls, attr, f"{cls.name.value}'s {attr}")

    def _relax_in(
        self, node: cst.CSTNode, names: set[str], cls: cst.ClassDef | None, attr: str, what: str
    ) -> int | None:
        """The constructions of the class (called by one of ``names``) under ``node``: the
        argument of ``attr`` no longer raises once the variable is gone. The last line changed."""
        calls: list[cst.Call] = []

        class _Constructions(cst.CSTVisitor):
            def visit_Call(self, call: cst.Call) -> None:
                if isinstance(call.func, cst.Name) and call.func.value in names:
                    calls.append(call)

        node.visit(_Constructions())
        changed = None
        for call in calls:
            arg = field_arg(call, attr, cls)
            new = self._relaxed(arg.value) if arg is not None else None
            if arg is not None and new is not None:
                self.arguments[id(arg)] = arg.with_changes(value=new)
                self.relaxed[self.line(arg)] = what
                if not self._environ_read(arg.value):
                    self.how[self.line(arg)] = f"as `{cst.Module([]).code_for_node(new)}`"
                changed = self.line(arg)
        return changed

    def _relaxed(self, value: cst.BaseExpression) -> cst.BaseExpression | None:
        """``value`` read so that it does not raise once the variable is gone, or None."""
        if self._environ_read(value):
            return _environ_get(value)
        if not isinstance(value, cst.Call):
            return None
        if not isinstance(value.func, cst.Name):
            if env_helpers.looks_like_helper(value, self.qualified(value.func)):
                called = cst.Module([]).code_for_node(value.func)
                self.held[self.line(value)] = f"the tool does not see what `{called}` does"
            return None
        helper = self.helper_of(value.func.value)
        if isinstance(helper, env_helpers.Unsure):
            if env_helpers.env_name(value) is not None:
                self.held[self.line(value)] = helper.why
            return None
        bound = self.top.get("os")
        if helper is None or (bound is not None and not isinstance(bound, cst.Import)):
            return None  # not a helper, or ``os`` is something else here
        new = env_helpers.relax(value, helper, cst.parse_expression("os.environ"))
        if new is None and env_helpers.env_name(value) is not None:
            self.held[self.line(value)] = env_helpers.why_not(helper)
        if new is None or new is value:
            return None  # the call does not raise anyway, or says too little
        self.needs_os |= helper.flag is None and bound is None
        return new

    def _new_value(self, node: cst.AnnAssign) -> tuple[cst.BaseExpression | None, str]:
        """The field's new default (None: it has one already), or why it cannot be given one."""
        value = node.value
        if value is None:
            return cst.Name("None"), ""
        if self._environ_read(value):
            return _environ_get(value), ""
        if isinstance(value, cst.Call) and self.qualified(value.func) & FIELD_FUNCTIONS:
            return self._field_call(value)
        return None, ""

    def _field_call(self, call: cst.Call) -> tuple[cst.BaseExpression | None, str]:
        args = list(call.args)
        pydantic = "dataclasses.field" not in self.qualified(call.func)
        for i, arg in enumerate(args):
            name = arg.keyword.value if arg.keyword is not None else None
            if name is None and i == 0 and arg.star == "" and pydantic:
                if not isinstance(arg.value, cst.Ellipsis):
                    return None, ""
                args[i] = arg.with_changes(value=cst.Name("None"))
                return call.with_changes(args=args), ""
            if name == "default":
                if not isinstance(arg.value, cst.Ellipsis):
                    return None, ""
                args[i] = arg.with_changes(value=cst.Name("None"))
                return call.with_changes(args=args), ""
            if name == "default_factory":
                factory = arg.value
                if isinstance(factory, cst.Lambda) and self._environ_read(factory.body):
                    lam = factory.with_changes(body=_environ_get(factory.body))
                    args[i] = arg.with_changes(value=lam)
                    return call.with_changes(args=args), ""
                return None, ""
            if arg.star:
                return None, "its Field(...) takes ** arguments: make it optional by hand"
        if pydantic:
            new = cst.Arg(
                cst.Name("None"), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
            return call.with_changes(args=[new, *args] if args else [cst.Arg(cst.Name("None"))]), ""
        new = cst.Arg(
            cst.Name("None"),
            keyword=cst.Name("default"),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            if args
            else cst.MaybeSentinel.DEFAULT,
        )
        return call.with_changes(args=[new, *args]), ""

    def _environ_read(self, node: cst.BaseExpression) -> bool:
        """``os.environ["X"]``: the read that raises once the variable is gone."""
        return isinstance(node, cst.Subscript) and ENVIRON in self.qualified(node.value)

    def _may_default(self, cls: cst.ClassDef, node: cst.AnnAssign) -> bool:
        """Whether a default may be given to ``node``: no field after it lacks one (or the
        dataclass is ``kw_only``)."""
        for decorator in cls.decorators:
            call = decorator.decorator
            if isinstance(call, cst.Call) and any(
                a.keyword is not None
                and a.keyword.value == "kw_only"
                and isinstance(a.value, cst.Name)
                and a.value.value == "True"
                for a in call.args
            ):
                return True
        after = False
        for statement in cls.body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if small is node:
                    after = True
                elif after and isinstance(small, cst.AnnAssign) and small.value is None:
                    if "ClassVar" not in cst.Module([]).code_for_node(small.annotation.annotation):
                        return False
        return True

    def _optional(self, annotation: cst.BaseExpression) -> cst.BaseExpression | None:
        if isinstance(annotation, (cst.SimpleString, cst.ConcatenatedString)):
            return None
        if _is_optional(annotation):
            return annotation
        if isinstance(annotation, cst.Subscript) and self.qualified(annotation.value) & {
            "typing.Annotated",
            "typing_extensions.Annotated",
        }:
            first, *rest = annotation.slice
            index = first.slice
            if not isinstance(index, cst.Index):
                return None
            inner = self._optional(index.value)
            if inner is None:
                return None
            first = first.with_changes(slice=index.with_changes(value=inner))
            return annotation.with_changes(slice=[first, *rest])
        if self._pipe_style():
            return cst.BinaryOperation(annotation, cst.BitOr(), cst.Name("None"))
        self.needs_optional = True
        return cst.Subscript(cst.Name("Optional"), [cst.SubscriptElement(cst.Index(annotation))])

    def _pipe_style(self) -> bool:
        code = self.module.code
        return "| None" in code or "None |" in code

    def _variable(self, cls: cst.ClassDef, node: cst.AnnAssign, kind: str | None) -> str:
        """The environment variable the field is read from, as far as the code says."""
        assert isinstance(node.target, cst.Name)
        name = node.target.value
        value = node.value
        reads = value
        if isinstance(value, cst.Call):
            for arg in value.args:
                if (
                    arg.keyword is not None
                    and arg.keyword.value
                    in (
                        "alias",
                        "validation_alias",
                        "env",
                    )
                    and isinstance(arg.value, cst.SimpleString)
                ):
                    return str(arg.value.evaluated_value)
                if arg.keyword is not None and arg.keyword.value == "default_factory":
                    reads = arg.value.body if isinstance(arg.value, cst.Lambda) else None
        if isinstance(reads, cst.Subscript) and self._environ_read(reads):
            key = reads.slice[0].slice
            if isinstance(key, cst.Index) and isinstance(key.value, cst.SimpleString):
                return str(key.value.evaluated_value)
        if kind == PYDANTIC:
            return (env_prefix(cls) + name).upper()
        return name

    def relax_construction(self, name: str, attr: str) -> int | None:
        """``name = Config(key=os.environ["X"], ...)``: the argument of the field made optional
        reads with ``.get`` (else the construction raises KeyError once X is gone). The line
        changed, or None."""
        node = self.top.get(name)
        if isinstance(node, cst.FunctionDef):  # ``get_settings()`` builds and returns it
            cls = self.lookup(name)
            if not isinstance(cls, cst.ClassDef):
                return None
            return self._relax_in(node, {cls.name.value}, cls, attr, f"{name}'s {attr}")
        value = node.value if isinstance(node, (cst.Assign, cst.AnnAssign)) else None
        if not isinstance(value, cst.Call):
            return None
        cls = self.lookup(value.func.value) if isinstance(value.func, cst.Name) else None
        arg = field_arg(value, attr, cls if isinstance(cls, cst.ClassDef) else None)
        new = self._relaxed(arg.value) if arg is not None else None
        if arg is None or new is None:
            return None
        self.arguments[id(arg)] = arg.with_changes(value=new)
        self.relaxed[self.line(arg)] = f"{name}'s {attr}"
        if not self._environ_read(arg.value):
            self.how[self.line(arg)] = f"as `{cst.Module([]).code_for_node(new)}`"
        return self.line(arg)

    @property
    def changed(self) -> bool:
        return bool(self.edits or self.arguments)

    def apply(self) -> bytes:
        """The module with the planned edits (and an ``Optional`` import when one is needed)."""
        edits, arguments = self.edits, self.arguments

        class _Edit(cst.CSTTransformer):
            def leave_AnnAssign(
                self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign
            ) -> cst.AnnAssign:
                return edits.get(id(original_node), updated_node)

            def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
                return arguments.get(id(original_node), updated_node)

        tree = self.module.visit(_Edit())
        if self.needs_os:  # in its sorted place
            body = list(tree.body)
            spans = [self._positions[b] for b in self.module.body]
            lines = [(p.start.line, p.end.line) for p in spans]
            first = next((i for i, b in enumerate(body) if not _heading(b)), len(body))
            add_imports(body, [ImportNeed("os")], first, ImportLayout(), lines)
            tree = tree.with_changes(body=body)
        if self.needs_optional:
            context = CodemodContext()
            AddImportsVisitor.add_needed_import(context, "typing", "Optional")
            tree = AddImportsVisitor(context).transform_module(tree)
        return tree.bytes


def _heading(statement: cst.BaseStatement) -> bool:
    """A docstring or an import: what comes before the first statement imports go above."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    return all(
        isinstance(small, (cst.Import, cst.ImportFrom))
        or (isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString))
        for small in statement.body
    )


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _is_optional(annotation: cst.BaseExpression) -> bool:
    text = cst.Module([]).code_for_node(annotation).replace(" ", "")
    return (
        text.startswith(("Optional[", "typing.Optional["))
        or text.endswith("|None")
        or text.startswith("None|")
        or (text.startswith(("Union[", "typing.Union[")) and ",None]" in text)
    )


def _environ_get(subscript: cst.BaseExpression) -> cst.BaseExpression:
    """``os.environ["X"]`` -> ``os.environ.get("X")``."""
    assert isinstance(subscript, cst.Subscript)
    key = subscript.slice[0].slice
    assert isinstance(key, cst.Index)
    return cst.Call(cst.Attribute(subscript.value, cst.Name("get")), [cst.Arg(key.value)])
