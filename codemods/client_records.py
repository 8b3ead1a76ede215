"""What becomes of each client call, as the report shows it: records, notes and the key
findings about calls that are not clients (a key set on a client copy, a key stored in a
Search index definition)."""

from __future__ import annotations

from typing import Any

import libcst as cst

from codemods import call_args, sdk_hooks
from codemods.credential_plan import CredentialPlan
from codemods.findings import ClientRecord, ModuleOutcome, Notice
from codemods.key_report import LiteralKeys
from codemods.module_state import ModuleState
from codemods.targets import KEY_OVERRIDE_METHODS, ClientSpec


class ClientRecords:
    def __init__(
        self,
        state: ModuleState,
        outcome: ModuleOutcome,
        literals: LiteralKeys,
        credentials: CredentialPlan,
    ) -> None:
        self.state = state
        self.outcome = outcome
        self.literals = literals
        self.credentials = credentials
        self._noted: set[tuple[str, int]] = set()

    def record(
        self, spec: ClientSpec, node: cst.Call, outcome: str, reason: str, **extra: Any
    ) -> None:
        pos = self.state.position(node)
        self.literals.report_arguments(spec, node)
        usage = self.state.usage_at(node)
        endpoint = None
        present = call_args.present(spec, node.args)
        for name in spec.endpoint_args:
            if name in present:
                value = node.args[present[name]].value
                if isinstance(value, cst.Name) and value.value in self.state.values:
                    value = self.state.values[
                        value.value
                    ]  # endpoint = os.getenv("AZURE_OPENAI_ENDPOINT")
                endpoint = cst.Module([]).code_for_node(value)
                break
        self.outcome.clients.append(
            ClientRecord(
                line=pos.line,
                column=pos.column,
                sdk=spec.sdk,
                cls=spec.label,
                outcome=outcome,
                reason=reason,
                service=spec.service,
                is_async=extra.get("is_async", spec.is_async),
                endpoint=endpoint,
                binding=usage.binding,
                calls=tuple(usage.calls),
                usage_known=usage.known,
                usage_note=usage.note,
            )
        )

    def notes(self, spec: ClientSpec, node: cst.Call, keyless: bool = False) -> None:
        pos = self.state.position(node)
        notes = spec.keyless_notes if keyless and spec.keyless_notes is not None else spec.notes
        for rule, message, severity in notes:
            if (rule, pos.line) in self._noted:
                continue
            self._noted.add((rule, pos.line))
            self.outcome.notices.append(
                Notice(pos.line, pos.column, rule, message, severity=severity)
            )

    def notice(self, node: cst.Call, rule: str, message: str, severity: str) -> None:
        pos = self.state.position(node)
        self.outcome.notices.append(Notice(pos.line, pos.column, rule, message, severity=severity))

    def check_key_override(self, node: cst.Call) -> None:
        """A call that is not a client: report a key it sets on a client or hands to a service."""
        message = sdk_hooks.search_definition_key(self.credentials.hooks, node)
        if message is not None:
            pos = self.state.position(node)
            self.outcome.notices.append(Notice(pos.line, pos.column, "search-service-key", message))
            return
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in KEY_OVERRIDE_METHODS):
            return
        if any(a.keyword is not None and a.keyword.value == "api_key" for a in node.args):
            pos = self.state.position(node)
            self.outcome.notices.append(
                Notice(
                    pos.line,
                    pos.column,
                    "key-override",
                    f".{func.attr.value}(api_key=...) sets a key on a client copy; "
                    "remove it by hand once the client uses a token provider",
                )
            )
