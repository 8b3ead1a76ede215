"""Where a removed key argument read an entry of a dict (``cfg["api_key"]``,
``cfg["azure_openai"]["key"]``): the facts ``migrator.config_schema`` follows to the JSON schema
that may require that entry."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import PositionProvider


def subscript_reads(
    visitor: cst.MetadataDependent, values: list[cst.BaseExpression]
) -> tuple[tuple[str, tuple[str, ...], int], ...]:
    """Each removed key expression that is a name subscripted by string literals only: (the
    name, the keys from the outside in, line). ``cfg.get("key")`` and computed keys are not."""
    out: list[tuple[str, tuple[str, ...], int]] = []
    for value in values:
        node: cst.BaseExpression = value
        keys: list[str] = []
        while isinstance(node, cst.Subscript) and len(node.slice) == 1:
            index = node.slice[0].slice
            if not isinstance(index, cst.Index) or not isinstance(index.value, cst.SimpleString):
                break
            key = index.value.evaluated_value
            if not isinstance(key, str):
                break
            keys.append(key)
            node = node.value
        if not isinstance(node, cst.Name) or not keys:
            continue
        line = visitor.get_metadata(PositionProvider, value).start.line
        out.append((node.value, tuple(reversed(keys)), line))
    return tuple(dict.fromkeys(out))
