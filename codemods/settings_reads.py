"""Where a removed key argument read a settings field: the facts ``migrator.settings_link``
follows to the class that declares it (``codemods.settings_fields`` edits it)."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import (
    PositionProvider,
    QualifiedNameProvider,
    QualifiedNameSource,
    ScopeProvider,
)


def field_reads(
    visitor: cst.MetadataDependent, values: list[cst.BaseExpression]
) -> tuple[tuple[int, str, int], ...]:
    """Where each removed key expression read a settings field: ``settings.api_key``,
    ``get_settings().azure.key``, ``cfg.api_key.get_secret_value()``, ``str(settings.key)``.

    Each as (import level, or -1 for a name of this module; the dotted name of what was read,
    from the imported or module-level name; line). Calls without arguments (``get_settings()``,
    ``Settings()``) are looked through; anything else (``self.x``, ``d.get("k")``) is not."""
    out: list[tuple[int, str, int]] = []
    for value in values:
        node = _unwrapped(value)
        attrs: list[str] = []
        while True:
            if isinstance(node, cst.Call) and not node.args and attrs:
                node = node.func
            elif isinstance(node, cst.Attribute):
                attrs.append(node.attr.value)
                node = node.value
            else:
                break
        if not isinstance(node, cst.Name) or not attrs:
            continue
        line = visitor.get_metadata(PositionProvider, value).start.line
        tail = ".".join(reversed(attrs))
        names = visitor.get_metadata(QualifiedNameProvider, node, set())
        if any("<locals>" in q.name for q in names):
            names = _local_origin(visitor, node)
        for q in names:
            if "<locals>" in q.name:
                continue
            if q.source is QualifiedNameSource.IMPORT:
                name = q.name.lstrip(".")
                out.append((len(q.name) - len(name), f"{name}.{tail}", line))
            elif q.source is QualifiedNameSource.LOCAL:
                out.append((-1, f"{q.name}.{tail}", line))
    return tuple(dict.fromkeys(out))


def name_reads(
    visitor: cst.MetadataDependent, values: list[cst.BaseExpression]
) -> tuple[tuple[int, str, int], ...]:
    """Each removed key expression that is a name imported from another module (``from config
    import KEY``): (import level, the module's dotted name and the name, line)."""
    out: list[tuple[int, str, int]] = []
    for value in values:
        if not isinstance(value, cst.Name):
            continue
        names = visitor.get_metadata(QualifiedNameProvider, value, set())
        imported = [q for q in names if q.source is QualifiedNameSource.IMPORT]
        if len(names) != 1 or len(imported) != 1 or "." not in imported[0].name.lstrip("."):
            continue
        name = imported[0].name.lstrip(".")
        line = visitor.get_metadata(PositionProvider, value).start.line
        out.append((len(imported[0].name) - len(name), name, line))
    return tuple(dict.fromkeys(out))


def _local_origin(visitor: cst.MetadataDependent, node: cst.Name) -> set:
    """A function's own name for the settings: a parameter annotated with the class
    (``settings: Settings = Depends(get_settings)``) or a local ``s = get_settings()``; the
    qualified names of the class or function it stands for."""
    scope = visitor.get_metadata(ScopeProvider, node, None)
    if scope is None or node.value not in scope:
        return set()
    assignments = list(scope[node.value])
    if len(assignments) != 1:
        return set()
    bound = getattr(assignments[0], "node", None)
    origin = None
    if isinstance(bound, cst.Param) and bound.annotation is not None:
        origin = bound.annotation.annotation
    elif isinstance(bound, (cst.Assign, cst.AnnAssign)) and isinstance(bound.value, cst.Call):
        origin = bound.value.func
    elif isinstance(bound, cst.Name):  # LibCST names the target of a plain assignment
        origin = _assigned_call(getattr(scope, "node", None), bound)
    if not isinstance(origin, (cst.Name, cst.Attribute)):
        return set()
    return set(visitor.get_metadata(QualifiedNameProvider, origin, set()))


def _assigned_call(function: cst.CSTNode | None, target: cst.Name) -> cst.BaseExpression | None:
    """The function called in ``target = f(...)`` inside ``function``."""
    found: list[cst.BaseExpression] = []

    class _Find(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            if any(t.target is target for t in node.targets) and isinstance(node.value, cst.Call):
                found.append(node.value.func)

    if function is not None:
        function.visit(_Find())
    return found[0] if len(found) == 1 else None


def _unwrapped(node: cst.BaseExpression) -> cst.BaseExpression:
    """``x.get_secret_value()`` and ``str(x)`` are ``x``."""
    while isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "get_secret_value":
            node = func.value
        elif isinstance(func, cst.Name) and func.value == "str" and len(node.args) == 1:
            node = node.args[0].value
        else:
            break
    return node
