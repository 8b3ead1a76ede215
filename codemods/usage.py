"""How each client is used in its module: what it is bound to and which calls are made on it.

The roles report maps these calls to the least-privilege role. The analysis is syntactic and
stays inside one module: a client bound to a name, an attribute (``self.client``), a ``with``
target, or returned by a function (``get_client().chat...``). A client that is passed away,
stored in a container or never called is marked as not fully seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod import ContextAwareVisitor
from libcst.metadata import PositionProvider, QualifiedNameProvider

from codemods.findings import CallUse
from codemods.resolve import client_spec, dotted

# Segments that do not change what a call does on the service.
_TRANSPARENT = {"with_raw_response", "with_streaming_response"}


@dataclass
class ClientUsage:
    binding: str | None = None
    calls: list[CallUse] = field(default_factory=list)
    escapes: list[str] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return bool(self.calls) and not self.escapes

    @property
    def note(self) -> str:
        if self.binding is None:
            return "the client is not bound to a name, so its calls cannot be followed"
        if self.escapes:
            return "; ".join(self.escapes)
        if not self.calls:
            return f"no calls on {self.binding} are visible in this module"
        return ""


class UsageVisitor(ContextAwareVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self.by_position: dict[tuple[int, int], ClientUsage] = {}
        self._bindings: dict[str, list[ClientUsage]] = {}
        self._functions: list[str] = []
        self._attribute_roots: set[int] = set()
        self._binding_targets: set[int] = set()
        self._calls: list[tuple[str, int]] = []
        self._names: list[tuple[str, int, int]] = []

    # -- where clients are built and bound ------------------------------------------------
    def _construction(self, node: cst.BaseExpression | None) -> ClientUsage | None:
        if isinstance(node, cst.Await):
            node = node.expression
        if isinstance(node, cst.Call) and client_spec(self, node) is not None:
            pos = self.get_metadata(PositionProvider, node).start
            return self.by_position.setdefault((pos.line, pos.column), ClientUsage())
        return None

    def _bind(self, target: cst.BaseExpression, usage: ClientUsage) -> None:
        name = dotted(target)
        if name is None:
            usage.escapes.append("the client is stored in a container")
            return
        usage.binding = name
        self._bindings.setdefault(name, []).append(usage)
        if isinstance(target, cst.Name):
            self._binding_targets.add(id(target))

    def visit_Assign(self, node: cst.Assign) -> None:
        usage = self._construction(node.value)
        if usage is not None:
            for target in node.targets:
                self._bind(target.target, usage)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        usage = self._construction(node.value)
        if usage is not None:
            self._bind(node.target, usage)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        usage = self._construction(node.value)
        if usage is not None:
            self._bind(node.target, usage)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if isinstance(node.item, cst.Name):
            self._binding_targets.add(id(node.item))  # `with client:` only opens and closes it
        usage = self._construction(node.item)
        if usage is not None and node.asname is not None:
            self._bind(node.asname.name, usage)  # type: ignore[arg-type]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()

    def visit_Return(self, node: cst.Return) -> None:
        usage = self._construction(node.value)
        if usage is not None and self._functions:
            name = self._functions[-1] + "()"
            usage.binding = name
            self._bindings.setdefault(name, []).append(usage)

    # -- where they are used ---------------------------------------------------------------
    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name):
            self._attribute_roots.add(id(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        text = dotted(node.func)
        if text is not None and "." in text:
            line = self.get_metadata(PositionProvider, node).start.line
            self._calls.append((text, line))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._attribute_roots and id(node) not in self._binding_targets:
            line = self.get_metadata(PositionProvider, node).start.line
            self._names.append((node.value, id(node), line))

    def leave_Module(self, original_node: cst.Module) -> None:
        for text, line in self._calls:
            for binding, usages in self._bindings.items():
                if text.startswith(binding + "."):
                    chain = ".".join(
                        part for part in text[len(binding) + 1 :].split(".") if part not in _TRANSPARENT
                    )
                    for usage in usages:
                        usage.calls.append(CallUse(chain, line))
        for name, _, line in self._names:
            for usage in self._bindings.get(name, ()):
                usage.escapes.append(f"{name} is used at line {line} in a way that is not followed")
