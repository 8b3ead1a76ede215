"""Key-argument replacement: a client call's key argument becomes the token argument.

For every call of a known client class (``codemods.targets``), resolved by qualified name:

* a key argument is replaced, in place, by the token argument (so its comma, comments and
  layout stay where they were);
* a client with no credential argument, which would read a key from the environment, gets the
  token argument appended;
* what cannot be migrated safely is left as it is and recorded with the reason.

A client built from a config dict (``Client(**CONFIG)``) is ``codemods.config_dicts``'s.
"""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from codemods import (
    azure_endpoint,
    call_args,
    credential_setup,
    endpoint_decision,
    precision,
    sdk_hooks,
    suppressed,
)
from codemods.client_records import ClientRecords
from codemods.config_dicts import ConfigDicts
from codemods.config_dicts import find as find_config
from codemods.credential_flow import CredentialFlow, Site
from codemods.credential_plan import CredentialPlan
from codemods.findings import KEYLESS, MANUAL, MIGRATED, REVIEW, Notice
from codemods.key_report import Removals
from codemods.module_state import ModuleState
from codemods.resolve import client_spec, qualified_names
from codemods.targets import CREDENTIAL, TOKEN_PROVIDER_FUNCTIONS, ClientSpec, audience_for

# The note naming the evidence that decided a v1 client's base URL is Azure OpenAI.
EVIDENCE_RULE = "endpoint-evidence"


class ClientArgs:
    """The key-argument transform: its ``leave_`` method runs in the migration's traversal."""

    def __init__(
        self,
        state: ModuleState,
        records: ClientRecords,
        credentials: CredentialPlan,
        removals: Removals,
        config_dicts: ConfigDicts,
    ) -> None:
        self.state = state
        self.records = records
        self.credentials = credentials
        self.removals = removals
        self.config_dicts = config_dicts
        self.precision = precision.Precision(state)
        self.flow = CredentialFlow(
            state, self._refusal, lambda v: sdk_hooks.credential_kind(self.credentials.hooks, v)
        )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        spec = client_spec(self.state, original_node)
        if spec is None:
            site = self.flow.built_here(original_node)
            if site is not None:
                return self._rewrite_build(site, original_node)
            self.records.check_key_override(original_node)
            return updated_node
        line = suppressed.suppressed_line(self.state, spec, original_node)
        if line is not None:  # a suppression comment: the call stays exactly as it was written
            self.records.record(spec, original_node, MANUAL, suppressed.REASON)
            start = str(self.state.position(original_node).line)
            self.records.outcome.notices.append(Notice(line, 0, suppressed.USED, "", subject=start))
            return original_node
        site = self.flow.passed_to(spec, original_node)
        if site is not None and site.token:
            reason = f"credential is already a TokenCredential (`{site.holder}`, line {site.line})"
            self.records.record(spec, original_node, KEYLESS, reason)
            self.records.notes(spec, original_node, keyless=True)
            return updated_node
        if site is not None and self._refusal(spec, original_node, site.build) is None:
            return self._through_holder(site, spec, original_node, updated_node)
        return self._migrate(spec, original_node, updated_node)

    # -- a key credential held on ``self`` (codemods.credential_flow) ---------------------------
    def _refusal(self, spec: ClientSpec, call: cst.Call, build: cst.Call) -> str | None:
        """Why the client ``call`` would be left if its credential argument were ``build``
        (the AzureKeyCredential its attribute holds); None: it would be migrated."""
        if suppressed.suppressed_line(self.state, spec, call) is not None:
            return suppressed.REASON
        leave = self.precision.check(spec, call)
        if leave is not None:
            return leave.reason
        if spec.hook is None:
            return None
        kw = call_args.present(spec, call.args)
        present = {n: call.args[i] for n, i in kw.items()}
        present[spec.token_arg] = present[spec.token_arg].with_changes(value=build)
        verdict = sdk_hooks.decide(self.credentials.hooks, spec, call, present)
        if verdict == sdk_hooks.SKIP:
            return "not a client the tool migrates"
        if isinstance(verdict, sdk_hooks.Aside):
            return verdict.message
        return verdict.reason if isinstance(verdict, sdk_hooks.Verdict) else None

    def _rewrite_build(self, site: Site, original: cst.Call) -> cst.BaseExpression:
        """``self.cred = AzureKeyCredential(key)`` -> ``self.cred = credential``."""
        name = self.credentials.token_source(site.spec)
        self.credentials.note_first_use(original)
        self.removals.drop(original, original)
        return cst.Name(name)

    def _through_holder(
        self, site: Site, spec: ClientSpec, original: cst.Call, updated: cst.Call
    ) -> cst.BaseExpression:
        built = site.built
        if site.escape is not None:
            self.records.record(
                spec, original, MANUAL, f"{built}, and {site.escape}: left as it is"
            )
            return updated
        what = "async token credential" if spec.is_async else "token credential"
        self.records.record(
            spec, original, MIGRATED, f"{built}: that line now gives it the module's {what}"
        )
        self.records.notes(spec, original)
        return updated.with_changes(args=self._write_extra_args(spec, updated, list(updated.args)))

    def _left(self, spec: ClientSpec, original: cst.Call) -> bool:
        """Whether the key is not the tool's to remove (``codemods.precision``): then the call
        is recorded with the reason and a notice, and left as it is."""
        leave = self.precision.check(spec, original)
        if leave is None:
            return False
        self.records.record(spec, original, leave.outcome, leave.reason)
        self.records.notice(original, leave.rule, leave.message, leave.severity)
        return True

    def _is_provider(self, value: cst.BaseExpression) -> bool:
        if isinstance(value, cst.Name):
            if value.value in self.state.existing.values():
                return True
            value = self.state.values.get(value.value, value)
        return isinstance(value, cst.Call) and bool(
            qualified_names(self.state, value.func) & set(TOKEN_PROVIDER_FUNCTIONS)
        )

    def _migrate(
        self, spec: ClientSpec, original: cst.Call, updated: cst.Call
    ) -> cst.BaseExpression:
        args = original.args
        kw = call_args.present(spec, args)
        if spec.hook is not None:
            verdict = sdk_hooks.decide(
                self.credentials.hooks, spec, original, {n: args[i] for n, i in kw.items()}
            )
            if verdict == sdk_hooks.SKIP:
                return updated
            if isinstance(verdict, sdk_hooks.Aside):
                self.records.notice(original, verdict.rule, verdict.message, verdict.severity)
                return updated
            if isinstance(verdict, sdk_hooks.Verdict):
                if verdict.outcome == MANUAL and self._left(spec, original):
                    return updated
                self.records.record(spec, original, verdict.outcome, verdict.reason)
                if verdict.outcome == KEYLESS:
                    self.records.notes(spec, original, keyless=True)
                return updated
        starred = any(a.star for a in args)
        if starred and spec.needs_azure_base_url and self._starred_not_azure(spec, original, kw):
            return updated
        if starred:
            names = {a.keyword.value for a in args if a.keyword is not None}
            if names & set(spec.keyless_args):
                self.records.record(spec, original, KEYLESS, "token provider passed explicitly")
            elif (rewritten := self.config_dicts.migrate(spec, original, updated)) is not None:
                return rewritten
            else:
                self.records.record(
                    spec,
                    original,
                    MANUAL,
                    "built from *args/**kwargs (a config dict): the key may be inside; "
                    "pass the token provider where the dict is built",
                )
            return updated

        if spec.needs_azure_base_url:
            # The spec's base-URL argument and its aliases (langchain's openai_api_base=).
            given = next((n for n in spec.endpoint_args if n in kw), None)
            if given is None:
                return updated
            key = next((args[kw[n]].value for n in spec.key_args if n in kw), None)
            decision = endpoint_decision.decide(
                args[kw[given]].value,
                self.state.values,
                self.state.options.endpoint_evidence,
                key,
            )
            if decision.verdict == azure_endpoint.NOT_AZURE and not decision.reason:
                # The code itself shows another service; GitHub Models is named in the report.
                if azure_endpoint.GITHUB_MODELS_HOST.search(
                    endpoint_decision.literal_text(args[kw[given]].value, self.state.values)
                ):
                    self.records.notice(
                        original,
                        azure_endpoint.GITHUB_MODELS_RULE,
                        azure_endpoint.GITHUB_MODELS_NOTE,
                        "info",
                    )
                return updated
            if decision.verdict != azure_endpoint.AZURE:
                self.records.record(spec, original, REVIEW, f"{decision.reason}; left as it is")
                return updated
            if decision.reason:
                # Decided by the project's files or the names: the report says which.
                self.records.notice(original, EVIDENCE_RULE, decision.reason, "info")
        if self._left(spec, original):
            return updated
        if (
            spec.token_replaces_key_in_place
            and spec.token_arg in kw
            and self._is_provider(args[kw[spec.token_arg]].value)
        ):
            self.records.record(
                spec, original, KEYLESS, f"{spec.token_arg} is already a token provider"
            )
            return updated

        keyless = [n for n in spec.keyless_args if n in kw]
        static = [n for n in spec.static_token_args if n in kw]
        keys = [
            n
            for n in spec.key_args
            if n in kw
            and not call_args.is_none(args[kw[n]].value)
            and not _written_by_migration(spec, n, args[kw[n]].value)
        ]
        switched_off = spec.none_key_means_no_key and any(
            n in kw and call_args.is_none(args[kw[n]].value) for n in spec.key_args
        )
        if static and not keyless:
            self.records.record(spec, original, MANUAL, _static_reason(spec, static[0]))
            return updated
        if keyless and not keys:
            self.records.record(spec, original, KEYLESS, f"uses {keyless[0]}=")
            self.records.notes(spec, original, keyless=True)
            return updated
        if not keys and (not spec.reads_env_key or switched_off):
            return updated

        use = self._async_use(spec, original)
        if use == "both" and spec.async_token_arg is None:
            self.records.record(
                spec,
                original,
                MANUAL,
                f"used from both sync and async code, and {spec.token_arg}= takes one provider: "
                "a sync provider fails in the async calls and an async one in the sync calls",
            )
            return updated
        new_args = list(updated.args)
        if keyless:
            # Already has a token argument; the key next to it would make openai raise. Nothing
            # new is needed, so no credential setup either.
            for name in keys:
                self.removals.drop_arg(original.args[kw[name]])
            reason = f"removed {', '.join(keys)} next to {keyless[0]}="
            token = new_args[kw[keyless[0]]]
            # ``tp if not key else None``: with the key gone, the provider must not depend on it
            # (while the key is still set, the client would have no credential at all).
            if isinstance(token.value, cst.IfExp) and (kept := _not_none(token.value)) is not None:
                new_args[kw[keyless[0]]] = token.with_changes(value=kept)
                reason += f"; {keyless[0]}= no longer depends on a condition"
            self.records.record(spec, original, MIGRATED, reason)
            self.records.notes(spec, original)
            return updated.with_changes(args=call_args.remove_args(new_args, {kw[n] for n in keys}))
        token_spec = spec
        if use == "async" and spec.async_token_arg is None and not spec.is_async:
            token_spec = replace(spec, is_async=True)
        token_value = cst.Name(self.credentials.token_source(token_spec))
        if keys:
            first = kw[keys[0]]
            for name in keys:
                self.removals.drop_arg(original.args[kw[name]])
            keyword = None if new_args[first].keyword is None else cst.Name(spec.token_arg)
            new_args[first] = new_args[first].with_changes(keyword=keyword, value=token_value)
            new_args = call_args.remove_args(new_args, {kw[n] for n in keys[1:]})
            if keys[0] == spec.token_arg:
                what = "token credential" if spec.supplies == CREDENTIAL else "token provider"
                reason = f"the key in {keys[0]} replaced by the module's {what}"
            else:
                reason = f"{keys[0]}= replaced by {spec.token_arg}="
        else:
            new_args = call_args.append_arg(updated, new_args, spec.token_arg, token_value)
            reason = f"no key argument (the key came from the environment); {spec.token_arg}= added"
        if use in ("async", "both") and spec.async_token_arg is not None:
            present = {a.keyword.value for a in new_args if a.keyword is not None}
            if spec.async_token_arg not in present:
                async_value = cst.Name(self.credentials.token_source(replace(spec, is_async=True)))
                new_args = call_args.append_arg(
                    updated, new_args, spec.async_token_arg, async_value
                )
                reason += f"; {spec.async_token_arg}= added for the async calls"
        elif use == "async" and token_spec.is_async and not spec.is_async:
            reason += " (an async provider: the object is used from async code)"
        new_args = self._write_extra_args(spec, updated, new_args)
        self.records.record(spec, original, MIGRATED, reason)
        self.records.notes(spec, original)
        self.credentials.note_first_use(original)
        return updated.with_changes(args=new_args)

    def _starred_not_azure(self, spec: ClientSpec, original: cst.Call, kw: dict[str, int]) -> bool:
        """For a v1 client built from ``*args``/``**kwargs``: whether it is left as it is because
        its base URL is not shown to be Azure (recorded for review when it is not shown at all).
        A module-level config dict literal is read for its base URL entry."""
        given = next((n for n in spec.endpoint_args if n in kw), None)
        base = original.args[kw[given]].value if given is not None else None
        shown = given is not None
        state = self.state
        if not shown and (found := find_config(original, state.module, state.name_counts)):
            shown = True
            entry = next((found.keys[n] for n in spec.endpoint_args if n in found.keys), None)
            base = entry.value if isinstance(entry, (cst.DictElement, cst.Arg)) else None
        if not shown:
            verdict = azure_endpoint.UNKNOWN
        elif base is None:
            verdict = azure_endpoint.NOT_AZURE
        else:
            verdict = azure_endpoint.classify(base, self.state.values)
        if verdict == azure_endpoint.UNKNOWN:
            where = "base_url" if base is not None else "base_url (inside *args/**kwargs)"
            self.records.record(
                spec,
                original,
                REVIEW,
                f"the code does not show whether {where} is an Azure OpenAI endpoint; "
                "left as it is",
            )
        return verdict != azure_endpoint.AZURE

    def _async_use(self, spec: ClientSpec, node: cst.Call) -> str | None:
        """``async``, ``both`` or None: whether the object is used from async code.

        Decided from the calls made on it in this module; when its use cannot be followed (it
        goes into a chain or is passed away), from whether the module calls any of the async
        methods at all.
        """
        if not spec.async_use_methods:
            return None
        usage = self.state.usage_at(node)
        methods = {c.chain.split(".")[0] for c in usage.calls}
        asynchronous = bool(methods & set(spec.async_use_methods))
        if not usage.known and set(spec.async_use_methods) & self.state.words:
            asynchronous = True
        if not asynchronous:
            return None
        sync_methods = {m[1:] for m in spec.async_use_methods if m.startswith("a")} | {
            m.removesuffix("_async") for m in spec.async_use_methods
        }
        return "both" if methods & sync_methods else "async"

    def _write_extra_args(
        self, spec: ClientSpec, updated: cst.Call, new_args: list[cst.Arg]
    ) -> list[cst.Arg]:
        scope = credential_setup.scope(self.state.options, spec.service)
        audience = audience_for(spec.service, self.state.options.cloud)
        wanted = list(spec.extra_args)
        if self.state.options.cloud != "public":
            wanted += list(spec.cloud_args)
        for name, template in [*spec.set_args, *wanted]:
            value = cst.parse_expression(template.format(scope=scope, audience=audience))
            index = next(
                (
                    i
                    for i, a in enumerate(new_args)
                    if a.keyword is not None and a.keyword.value == name
                ),
                None,
            )
            if index is None:
                new_args = call_args.append_arg(updated, new_args, name, value)
            elif (name, template) in spec.set_args and not new_args[index].value.deep_equals(value):
                new_args[index] = new_args[index].with_changes(value=value)
        return new_args


def _not_none(value: cst.IfExp) -> cst.BaseExpression | None:
    """The branch of ``a if c else None`` (or ``None if c else a``) that is not None."""
    if call_args.is_none(value.orelse) and not call_args.is_none(value.body):
        return value.body
    if call_args.is_none(value.body) and not call_args.is_none(value.orelse):
        return value.orelse
    return None


def _written_by_migration(spec: ClientSpec, name: str, value: cst.BaseExpression) -> bool:
    """Whether ``name=value`` is an extra argument the migration writes (semantic-kernel's
    ``api_key=""``): not a key, so a second run leaves it."""
    return any(
        arg == name and cst.parse_expression(template).deep_equals(value)
        for arg, template in spec.extra_args
    )


def _static_reason(spec: ClientSpec, name: str) -> str:
    if name == "credential":
        return (
            "credential= fetches one token when the service is built and never refreshes it "
            f"(it expires after about an hour); pass {spec.token_arg}= with a token provider "
            "instead"
        )
    return (
        f"{name}= is a static token that expires after about an hour; "
        f"use {spec.token_arg}= with a token provider instead"
    )
