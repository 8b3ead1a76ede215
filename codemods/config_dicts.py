"""Clients built from a config dict: ``AzureOpenAI(**config)`` where ``config`` is a dict literal.

When the dict is a module-level ``NAME = {...}`` (or ``dict(...)``) with string keys, used by
nothing but that one call, its key entry can be rewritten where it stands::

    AOAI_CONFIG = {"azure_endpoint": ENDPOINT, "api_key": KEY, "api_version": "2024-10-21"}
    client = AzureOpenAI(**AOAI_CONFIG)

becomes ``"azure_ad_token_provider": token_provider`` in the dict. Anything less certain (a dict
built elsewhere, passed around, merged, or read from a file) stays as it is and is reported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import libcst as cst


@dataclass(frozen=True)
class ConfigDict:
    name: str
    statement_index: int  # index of the module-level statement that assigns it
    keys: dict[str, cst.CSTNode]  # key -> the element (DictElement or Arg) that sets it
    node: cst.BaseExpression  # the dict literal or dict(...) call


def find(call: cst.Call, module: cst.Module, counts: Counter[str]) -> ConfigDict | None:
    """The config dict a ``**NAME`` argument of ``call`` unpacks, if it can be rewritten safely."""
    stars = [a for a in call.args if a.star]
    if len(stars) != 1 or stars[0].star != "**" or not isinstance(stars[0].value, cst.Name):
        return None
    name = stars[0].value.value
    if counts[name] != 2:  # the assignment and this call, nothing else
        return None
    for index, stmt in enumerate(module.body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and small.targets[0].target.value == name
            ):
                keys = _keys(small.value)
                return None if keys is None else ConfigDict(name, index, keys, small.value)
    return None


def _keys(value: cst.BaseExpression) -> dict[str, cst.CSTNode] | None:
    keys: dict[str, cst.CSTNode] = {}
    if isinstance(value, cst.Dict):
        for element in value.elements:
            if not (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)):
                return None  # **other or a computed key: cannot tell what the dict holds
            key = element.key.evaluated_value
            if not isinstance(key, str):
                return None
            keys[key] = element
        return keys
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "dict":
        for arg in value.args:
            if arg.keyword is None or arg.star:
                return None
            keys[arg.keyword.value] = arg
        return keys
    return None


def rewrite_key(found: ConfigDict, key: str, token_key: str, token_value: cst.BaseExpression) -> cst.BaseExpression:
    """The dict with its ``key`` entry replaced by ``token_key: token_value``, in place."""
    element = found.keys[key]
    if isinstance(element, cst.DictElement):
        quote = element.key.value[0] if isinstance(element.key, cst.SimpleString) else '"'  # type: ignore[union-attr]
        new = element.with_changes(key=cst.SimpleString(f"{quote}{token_key}{quote}"), value=token_value)
    else:
        new = element.with_changes(keyword=cst.Name(token_key), value=token_value)  # type: ignore[union-attr]
    return found.node.deep_replace(element, new)  # type: ignore[return-value]
