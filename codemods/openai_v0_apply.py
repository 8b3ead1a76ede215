"""The edits ``codemods.openai_v0`` planned, applied in one pass over the module.

Keyed by ``id`` of original nodes: ``("drop",)``, ``("replace", statements)``, ``("rename",
attr)``, ``("error", names)`` (an ``openai.error`` name to its 1.x exception, or a tuple of
them) and ``("call", client, chain)`` (a 0.x call to the client's method, its arguments renamed);
then the response reads (``codemods.openai_v0_results``).
"""

from __future__ import annotations

import libcst as cst

from codemods.openai_v0_results import ResponseReads, dumped


class Apply(cst.CSTTransformer):
    """Applies the plan: edits keyed by ``id`` of original nodes."""

    def __init__(self, edits: dict[int, object], reads: ResponseReads) -> None:
        self.edits = edits
        self.reads = reads

    def on_leave(self, original_node, updated_node):  # type: ignore[override]
        key = id(original_node)
        edit = self.edits.get(key)
        result = updated_node
        if edit is not None:
            result = _apply(edit, updated_node)
        read = self.reads.edits.get(key)
        if read is not None:
            result = read(result)
        if key in self.reads.wraps:
            result = dumped(result)
        return result


def _apply(edit: tuple, node: cst.CSTNode):  # type: ignore[no-untyped-def]
    kind = edit[0]
    if kind == "drop":
        return cst.RemoveFromParent()
    if kind == "replace":
        return cst.FlattenSentinel(edit[1])
    if kind == "node":
        return edit[1]
    if kind == "rename":
        return node.with_changes(attr=cst.Name(edit[1]))
    if kind == "error":
        parts = [cst.Attribute(cst.Name("openai"), cst.Name(n)) for n in edit[1]]
        if len(parts) == 1:
            return parts[0]
        return cst.Tuple([cst.Element(p) for p in parts])
    assert kind == "call" and isinstance(node, cst.Call)
    _, client, chain = edit
    func: cst.BaseExpression = cst.Name(client)
    for part in [*chain.split("."), "create"]:
        func = cst.Attribute(func, cst.Name(part))
    has_engine = any(
        a.keyword is not None and a.keyword.value in ("engine", "deployment_id") for a in node.args
    )
    args = []
    for arg in node.args:
        word = arg.keyword.value if arg.keyword is not None else None
        if word == "model" and has_engine:
            continue
        if word in ("engine", "deployment_id"):
            arg = arg.with_changes(keyword=cst.Name("model"))
        elif word == "request_timeout":
            arg = arg.with_changes(keyword=cst.Name("timeout"))
        args.append(arg)
    if args:
        args[-1] = args[-1].with_changes(comma=node.args[-1].comma)
    return node.with_changes(func=func, args=args)
