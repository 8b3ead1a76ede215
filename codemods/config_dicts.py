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

from codemods import call_args
from codemods.client_records import ClientRecords
from codemods.credential_plan import CredentialPlan
from codemods.findings import KEYLESS, MIGRATED
from codemods.key_report import Removals
from codemods.module_state import ModuleState
from codemods.targets import ClientSpec


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


def inline(call: cst.Call) -> cst.Dict | None:
    """The dict literal of ``Client(**{...})``, when that is the call's one ``*``/``**``."""
    stars = [a for a in call.args if a.star]
    if len(stars) == 1 and stars[0].star == "**" and isinstance(stars[0].value, cst.Dict):
        return stars[0].value
    return None


def _keys(value: cst.BaseExpression) -> dict[str, cst.CSTNode] | None:
    keys: dict[str, cst.CSTNode] = {}
    if isinstance(value, cst.Dict):
        for element in value.elements:
            if not (
                isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
            ):
                return None  # **other or a computed key: cannot tell what the dict holds
            key = element.key.evaluated_value
            if not isinstance(key, str):
                return None
            keys[key] = element
        return keys
    if (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value == "dict"
    ):
        for arg in value.args:
            if arg.keyword is None or arg.star:
                return None
            keys[arg.keyword.value] = arg
        return keys
    return None


def rewrite_key(
    found: ConfigDict, key: str, token_key: str, token_value: cst.BaseExpression
) -> cst.BaseExpression:
    """The dict with its ``key`` entry replaced by ``token_key: token_value``, in place."""
    element = found.keys[key]
    if isinstance(element, cst.DictElement):
        quote = element.key.value[0] if isinstance(element.key, cst.SimpleString) else '"'  # type: ignore[union-attr]
        new = element.with_changes(
            key=cst.SimpleString(f"{quote}{token_key}{quote}"), value=token_value
        )
    else:
        new = element.with_changes(keyword=cst.Name(token_key), value=token_value)  # type: ignore[union-attr]
    return found.node.deep_replace(element, new)  # type: ignore[return-value]


class ConfigDicts:
    """The config-dict transform: ``migrate`` is called for a client call with ``**`` arguments;
    ``leave_Module`` writes the rewritten dicts."""

    def __init__(
        self,
        state: ModuleState,
        records: ClientRecords,
        credentials: CredentialPlan,
        removals: Removals,
    ) -> None:
        self.state = state
        self.records = records
        self.credentials = credentials
        self.removals = removals
        self._rewrites: dict[str, tuple[int, cst.BaseExpression]] = {}

    def migrate(self, spec: ClientSpec, original: cst.Call, updated: cst.Call) -> cst.Call | None:
        """``Client(**CONFIG)`` with a module-level dict literal: rewrite the dict's key entry."""
        if spec.needs_azure_base_url:
            return None
        found = find(original, self.state.module, self.state.name_counts)
        if found is None:
            return self._migrate_inline(spec, original, updated)
        explicit = {a.keyword.value for a in original.args if a.keyword is not None}
        present = set(found.keys) | explicit
        if present & set(spec.keyless_args):
            self.records.record(
                spec, original, KEYLESS, f"the config dict {found.name} passes a token provider"
            )
            return updated
        if present & set(spec.static_token_args):
            return None
        keys = [k for k in spec.key_args if k in found.keys]
        if not keys and (present & set(spec.key_args) or not spec.reads_env_key):
            return None
        if len(keys) > 1 or found.name in self._rewrites:
            return None
        token_value = cst.Name(self.credentials.token_source(spec))
        if keys:
            element = found.keys[keys[0]]
            self.removals.drop_arg(element)  # type: ignore[arg-type]
            self._rewrites[found.name] = (
                found.statement_index,
                rewrite_key(found, keys[0], spec.token_arg, token_value),
            )
            reason = (
                f"the {keys[0]!r} entry of the config dict {found.name} replaced by "
                f"{spec.token_arg!r}"
            )
            new_call = updated
        else:
            new_call = updated.with_changes(
                args=call_args.append_arg(updated, list(updated.args), spec.token_arg, token_value)
            )
            reason = (
                f"the config dict {found.name} holds no key (it came from the environment); "
                f"{spec.token_arg}= added"
            )
        self.records.record(spec, original, MIGRATED, reason)
        self.records.notes(spec, original)
        self.credentials.note_first_use(original)
        if keys:
            self.credentials.needed_from(found.statement_index)  # the dict refers to the provider
        return new_call

    def _migrate_inline(
        self, spec: ClientSpec, original: cst.Call, updated: cst.Call
    ) -> cst.Call | None:
        """``Client(**{"api_key": K, ...})``: the key entry is rewritten inside the call."""
        before, after = inline(original), inline(updated)
        if before is None or after is None:
            return None
        keys, new_keys = _keys(before), _keys(after)
        if keys is None or new_keys is None or list(keys) != list(new_keys):
            return None
        explicit = {a.keyword.value for a in original.args if a.keyword is not None}
        if (set(keys) | explicit) & {*spec.keyless_args, *spec.static_token_args}:
            return None
        found = [k for k in spec.key_args if k in keys]
        if len(found) != 1 or explicit & set(spec.key_args):
            return None
        token_value = cst.Name(self.credentials.token_source(spec))
        self.removals.drop_arg(keys[found[0]])  # type: ignore[arg-type]
        rewritten = rewrite_key(
            ConfigDict("", -1, new_keys, after), found[0], spec.token_arg, token_value
        )
        self.records.record(
            spec,
            original,
            MIGRATED,
            f"the {found[0]!r} entry of the unpacked dict replaced by {spec.token_arg!r}",
        )
        self.records.notes(spec, original)
        self.credentials.note_first_use(original)
        return updated.deep_replace(after, rewritten)  # type: ignore[return-value]

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self._rewrites:
            return updated_node
        body = list(updated_node.body)
        for index, value in self._rewrites.values():
            stmt = body[index]
            assign = next(s for s in stmt.body if isinstance(s, cst.Assign))  # type: ignore[union-attr]
            body[index] = stmt.deep_replace(assign, assign.with_changes(value=value))  # type: ignore[assignment]
        return updated_node.with_changes(body=body)
