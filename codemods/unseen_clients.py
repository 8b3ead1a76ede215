"""Clients built in a way the qualified-name lookup cannot follow: reported, never changed.

* a client class from a star import (``from openai import *`` then ``AzureOpenAI(...)``);
* a client class used as a value: bound to another name (``cls = AzureOpenAI; cls(...)``),
  passed to a factory (``partial(AzureOpenAI, api_key=...)``), subclassed;
* ``getattr(openai, "AzureOpenAI")``.

Each is one ``client-unresolved`` finding at the place the class is named. A local class or
function that happens to be called like a client class is not one (its name resolves locally),
nor is a star import from a module of the project when the module imports no client SDK.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import ScopeProvider

from codemods import azure_endpoint
from codemods.findings import Notice
from codemods.module_state import ModuleState
from codemods.resolve import qualified_names
from codemods.targets import SPECS, ClientSpec, spec_for

RULE = "client-unresolved"

# Calls whose arguments name a class without building it.
_TYPE_CHECKS = frozenset({"isinstance", "issubclass", "cast", "type", "typing.cast"})

# module -> {public name -> spec}, for the classes importable from that module.
_BY_MODULE: dict[str, dict[str, ClientSpec]] = {}
for _spec in SPECS:
    for _name in _spec.names:
        _module, _, _short = _name.rpartition(".")
        _BY_MODULE.setdefault(_module, {})[_short] = _spec
_SDK_ROOTS = frozenset(m.split(".", 1)[0] for m in _BY_MODULE)
_CLASS_NAMES = {
    short: spec
    for names in _BY_MODULE.values()
    for short, spec in names.items()
    if short[:1].isupper()
}


class Finder(cst.CSTVisitor):
    """Read-only: collects the findings in ``notices``."""

    def __init__(self, state: ModuleState) -> None:
        self.m = state
        self.notices: list[Notice] = []
        self.star: dict[str, ClientSpec] = {}  # names a star import may have bound
        self.star_elsewhere = False  # a star import of a module that is not a client SDK
        self.imports_sdk = False
        self._skip: set[int] = set()  # nodes that name a class without using it as a value
        self._calls: list[cst.Call] = []

    # -- imports ---------------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            if cst.Module([]).code_for_node(alias.name).split(".")[0] in _SDK_ROOTS:
                self.imports_sdk = True
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if node.relative or node.module is None:
            source = None
        else:
            source = cst.Module([]).code_for_node(node.module)
            if source.split(".")[0] in _SDK_ROOTS:
                self.imports_sdk = True
        if isinstance(node.names, cst.ImportStar):
            if source is not None and source in _BY_MODULE:
                self.star.update(_BY_MODULE[source])
            else:
                self.star_elsewhere = True
        return False

    def leave_Module(self, original_node: cst.Module) -> None:
        if self.star_elsewhere and self.imports_sdk:
            for short, spec in _CLASS_NAMES.items():
                self.star.setdefault(short, spec)
        for call in self._calls:
            self._star_call(call)

    # -- places that name a class without using it as a value -------------------------------------
    def visit_Annotation(self, node: cst.Annotation) -> bool:
        return False

    def visit_Subscript(self, node: cst.Subscript) -> None:
        for element in node.slice:  # Optional[AzureOpenAI], Union[...]
            self._skip.add(id(element.slice))
            if isinstance(element.slice, cst.Index):
                self._skip_names(element.slice.value)

    def visit_Call(self, node: cst.Call) -> None:
        self._calls.append(node)
        self._skip.add(id(node.func))
        func = cst.Module([]).code_for_node(node.func)
        if func in _TYPE_CHECKS:
            for arg in node.args:
                self._skip_names(arg.value)
        elif func == "getattr" and len(node.args) >= 2:
            self._getattr(node)

    def _skip_names(self, value: cst.BaseExpression) -> None:
        self._skip.add(id(value))
        if isinstance(value, (cst.Tuple, cst.List)):
            for element in value.elements:
                self._skip.add(id(element.value))

    # -- what is reported ------------------------------------------------------------------------
    def visit_Name(self, node: cst.Name) -> None:
        self._value_use(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self._value_use(node)
        return True

    def _value_use(self, node: cst.Name | cst.Attribute) -> None:
        if id(node) in self._skip:
            return
        for name in qualified_names(self.m, node):
            spec = spec_for(name)
            if (
                spec is not None
                and not spec.needs_azure_base_url
                and name.rpartition(".")[2][:1].isupper()
            ):
                self._note(
                    node,
                    f"{spec.label} is used here as a value (bound to another name, "
                    "passed on or subclassed): the clients built from it are not migrated; "
                    "review them and migrate them by hand",
                )
                return

    def _getattr(self, node: cst.Call) -> None:
        target, attr = node.args[0].value, node.args[1].value
        if not isinstance(attr, cst.SimpleString):
            return
        short = attr.evaluated_value
        for module in qualified_names(self.m, target):
            spec = _BY_MODULE.get(module, {}).get(short) if isinstance(short, str) else None
            if spec is not None and not spec.needs_azure_base_url:
                self._note(
                    node,
                    f"getattr({module}, {short!r}) builds {spec.label} out of the tool's sight: "
                    "the clients built from it are not migrated; "
                    "review them and migrate them by hand",
                )
                return

    def _star_call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Name) or func.value not in self.star:
            return
        scope = self.m.get_metadata(ScopeProvider, func, None)
        if scope is None or scope[func.value]:
            return  # bound in the module (a local class, an import): not the star import's
        spec = self.star[func.value]
        if spec.needs_azure_base_url:
            base = next(
                (
                    a.value
                    for a in node.args
                    if a.keyword is not None and a.keyword.value == "base_url"
                ),
                None,
            )
            if (
                base is None
                or azure_endpoint.classify(base, self.m.module_values()) == azure_endpoint.NOT_AZURE
            ):
                return
        self._note(
            node,
            f"{func.value} comes from a star import, so the tool cannot tell it is "
            f"{spec.label}: it is not migrated; import it by name, "
            "or review it and migrate it by hand",
        )

    def _note(self, node: cst.CSTNode, message: str) -> None:
        pos = self.m.get_metadata(cst.metadata.PositionProvider, node).start
        self.notices.append(Notice(pos.line, pos.column, RULE, message))
