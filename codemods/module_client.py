"""The openai module client: ``openai.api_type = "azure"`` with ``openai.api_key = ...``.

openai 1.x and later build a module-level client from module attributes. When the module is
shown to be configured for Azure (``openai.api_type = "azure"`` or ``openai.azure_endpoint =``),
the key assignment becomes ``openai.azure_ad_token_provider = <provider>`` (in place, so its
comment and position stay); with no key assignment (the key came from AZURE_OPENAI_API_KEY) the
provider assignment goes right after the ``api_type`` one.

The 0.x API (``openai.api_base``, ``openai.ChatCompletion.create(engine=...)``, ``api_type =
"azure_ad"``) is reported, not changed: a 0.x token is a static string that expires, so the
real fix is the move to the 1.x client. A local server behind ``openai.api_key`` /
``openai.base_url`` with no Azure setting (vLLM, Ollama) is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from codemods import azure_endpoint, module_client_env
from codemods.credential_plan import CredentialPlan
from codemods.findings import KEYLESS, MANUAL, MIGRATED, CallUse, ClientRecord, ModuleOutcome
from codemods.key_report import Removals
from codemods.module_state import ModuleState
from codemods.resolve import qualified_names
from codemods.targets import MODULE_CLIENT

# 0.x resource classes: openai.ChatCompletion.create(...) and friends.
LEGACY_RESOURCES = frozenset(
    {
        "ChatCompletion",
        "Completion",
        "Embedding",
        "Image",
        "Audio",
        "Moderation",
        "Edit",
        "FineTune",
        "File",
        "Deployment",
    }
)
_ROLE_FAMILIES = ("chat.", "completions.", "embeddings.", "images.", "audio.", "models.",
                  "files.", "fine_tuning.", "batches.", "responses.", "moderations.", "beta.",
                  "vector_stores.", "uploads.", "realtime.")  # fmt: skip


@dataclass
class ModuleClientPlan:
    """What the scan found; the assignments are original nodes, looked up by identity."""

    azure_line: int | None = None  # line of the setting that shows the module client is Azure
    api_type: cst.Assign | None = None
    key: list[cst.Assign] = field(default_factory=list)
    provider: cst.Assign | None = None
    legacy: list[str] = field(default_factory=list)  # why this is 0.x code, with lines
    legacy_azure: bool = False
    calls: list[CallUse] = field(default_factory=list)
    # decided in prepare(): id(assign) -> "provider" (rewrite in place) / "drop"; and id(line) to
    # follow
    actions: dict[int, str] = field(default_factory=dict)
    insert_after: int | None = None
    attribute_base: cst.BaseExpression | None = None
    settings: set[str] = field(default_factory=set)  # openai.* module settings assigned
    # configured from the environment only: (index of the statement it goes before, base name)
    insert_before: tuple[int, cst.Name] | None = None


class Scan(cst.CSTVisitor):
    """Read-only: the module-client settings and calls (run batched with the other visitors)."""

    def __init__(self, state: ModuleState) -> None:
        self.state = state
        self.plan = ModuleClientPlan()

    def _line(self, node: cst.CSTNode) -> int:
        return self.state.position(node).line

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Attribute):
            return
        target = node.targets[0].target
        names = qualified_names(self.state, target)
        plan = self.plan
        value = node.value
        text = value.evaluated_value if isinstance(value, cst.SimpleString) else None
        plan.settings.update(n for n in names if n.startswith("openai."))
        if "openai.api_type" in names:
            if text == "azure":
                plan.api_type = node
                plan.azure_line = plan.azure_line or self._line(node)
                plan.attribute_base = target.value
            elif text == "azure_ad":
                plan.legacy.append(
                    f"openai.api_type = 'azure_ad' (line {self._line(node)}, a 0.x static token)"
                )
                plan.legacy_azure = True
        elif "openai.api_key" in names:
            plan.key.append(node)
        elif "openai.azure_endpoint" in names:
            plan.azure_line = plan.azure_line or self._line(node)
            plan.attribute_base = plan.attribute_base or target.value
        elif "openai.azure_ad_token_provider" in names:
            plan.provider = node
        elif "openai.api_base" in names:
            plan.legacy.append(f"openai.api_base (line {self._line(node)})")
            if azure_endpoint.classify(value, self.state.module_values()) == azure_endpoint.AZURE:
                plan.legacy_azure = True

    def visit_Call(self, node: cst.Call) -> None:
        for name in qualified_names(self.state, node.func):
            parts = name.split(".")
            if parts[0] != "openai" or len(parts) < 3:
                continue
            if parts[1] in LEGACY_RESOURCES:
                plan = self.plan
                plan.legacy.append(f"openai.{parts[1]}.{parts[-1]}(...) (line {self._line(node)})")
                if any(
                    a.keyword is not None and a.keyword.value in ("engine", "deployment_id")
                    for a in node.args
                ):
                    plan.legacy_azure = True
            else:
                chain = ".".join(parts[1:])
                if chain.startswith(_ROLE_FAMILIES):
                    self.plan.calls.append(CallUse(chain, self._line(node)))


def prepare(scan: Scan, outcome: ModuleOutcome) -> ModuleClientPlan | None:
    """Decide what happens to the module-client settings ``scan`` found (original nodes)."""
    plan = scan.plan
    if plan.azure_line is None and not plan.legacy_azure:
        if not plan.calls or plan.legacy or not _from_environment(scan, outcome):
            return None  # not an Azure module client: a vLLM/Ollama server, or no module client
    if plan.legacy:
        outcome.clients.append(
            _record(
                plan.azure_line or 1,
                MANUAL,
                "the openai 0.x module API is used ("
                + "; ".join(plan.legacy[:3])
                + "): move to the 1.x "
                "client (openai.AzureOpenAI) first, then run this tool again; nothing was changed, "
                "because a 0.x token (api_type='azure_ad') is a static string that expires after "
                "about an hour",
                plan,
            )
        )
        return None
    if plan.provider is not None:
        for assign in plan.key:
            plan.actions[id(assign)] = "drop"
        reason = "openai.azure_ad_token_provider is set" + (
            "; the openai.api_key assignment next to it was removed" if plan.key else ""
        )
        outcome.clients.append(
            _record(plan.azure_line, MIGRATED if plan.key else KEYLESS, reason, plan)
        )
        return plan
    if plan.key:
        plan.actions[id(plan.key[0])] = "provider"
        for assign in plan.key[1:]:
            plan.actions[id(assign)] = "drop"
        reason = "openai.api_key = ... replaced by openai.azure_ad_token_provider = <provider>"
    elif plan.api_type is not None:
        plan.insert_after = id(plan.api_type)
        reason = (
            "no openai.api_key (the key came from AZURE_OPENAI_API_KEY); "
            "openai.azure_ad_token_provider = <provider> added after openai.api_type"
        )
    elif plan.insert_before is not None:
        reason = (
            "configured from the environment (the key came from AZURE_OPENAI_API_KEY or "
            "OPENAI_API_KEY); "
            "openai.azure_ad_token_provider = <provider> added after the module's configuration"
        )
    else:
        outcome.clients.append(
            _record(
                plan.azure_line,
                MANUAL,
                "openai.azure_endpoint is set but neither openai.api_key nor openai.api_type is: "
                "set openai.azure_ad_token_provider where the module client is configured",
                plan,
            )
        )
        return None
    outcome.clients.append(_record(plan.azure_line, MIGRATED, reason, plan))
    return plan


def _from_environment(scan: Scan, outcome: ModuleOutcome) -> bool:
    """A module client configured from the environment alone: whether the file shows it is
    Azure (then ``plan.azure_line`` and where the provider goes are set), else a report."""
    plan = scan.plan
    first = min(plan.calls, key=lambda c: c.line)
    azure, openai = module_client_env.evidence(scan.state, plan.settings)
    place = None
    if azure and not openai and not plan.key and plan.provider is None:
        place = module_client_env.insertion(scan.state, first.line)
    if not azure or openai or (place is None and not plan.key and plan.provider is None):
        if azure or not openai:  # a file that shows only OpenAI is not an Azure client
            outcome.notices.append(module_client_env.report(first, azure, openai))
        return False
    plan.azure_line = first.line
    plan.insert_before = place
    return True


def _record(line: int, outcome: str, reason: str, plan: ModuleClientPlan) -> ClientRecord:
    return ClientRecord(
        line=line,
        column=0,
        sdk=MODULE_CLIENT.sdk,
        cls=MODULE_CLIENT.label,
        outcome=outcome,
        reason=reason,
        service="openai",
        endpoint=None,
        binding="openai",
        calls=tuple(plan.calls),
        usage_known=bool(plan.calls),
        usage_note="" if plan.calls else "no module-client calls are visible in this module",
    )


class ModuleClientTransform:
    """The module-client transform: its ``leave_`` method runs in the migration's traversal."""

    def __init__(
        self, plan: ModuleClientPlan, credentials: CredentialPlan, removals: Removals
    ) -> None:
        self.plan = plan
        self.credentials = credentials
        self.removals = removals

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        return rewrite_line(self, self.plan, original_node, updated_node)

    def leave_Module(self, updated_node: cst.Module) -> cst.Module:
        """A client configured from the environment: the provider after its configuration (the
        credential setup, added after this, goes right before it)."""
        if self.plan.insert_before is None:
            return updated_node
        at, base = self.plan.insert_before
        self.credentials.current_top = at
        provider = self.credentials.token_source(MODULE_CLIENT)
        self.credentials.needed_from(at)
        body = list(updated_node.body)
        body.insert(at, module_client_env.provider_statement(base, provider))
        after = body[at + 1] if at + 1 < len(body) else None
        if after is not None and not after.leading_lines:  # set apart from what follows
            blank = 2 if isinstance(after, (cst.FunctionDef, cst.ClassDef)) else 1
            body[at + 1] = after.with_changes(leading_lines=[cst.EmptyLine()] * blank)
        return updated_node.with_changes(body=body)


def rewrite_line(
    transform: ModuleClientTransform,
    plan: ModuleClientPlan,
    original: cst.SimpleStatementLine,
    updated: cst.SimpleStatementLine,
) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
    """Apply the plan's actions to one statement line."""
    credentials = transform.credentials
    body: list[cst.BaseSmallStatement] = []
    changed = False
    follow = False
    for old, new in zip(original.body, updated.body, strict=False):
        action = plan.actions.get(id(old))
        if action is None:
            body.append(new)
            follow = follow or id(old) == plan.insert_after
            continue
        changed = True
        assert isinstance(old, cst.Assign) and isinstance(new, cst.Assign)
        transform.removals.drop(old.value, old)
        if action == "provider":
            target = new.targets[0].target
            assert isinstance(target, cst.Attribute)
            provider = credentials.token_source(MODULE_CLIENT)
            body.append(
                new.with_changes(
                    targets=[
                        new.targets[0].with_changes(
                            target=target.with_changes(attr=cst.Name("azure_ad_token_provider"))
                        )
                    ],
                    value=cst.Name(provider),
                )
            )
            credentials.note_first_use(original)
    if follow:
        target = plan.api_type.targets[0].target if plan.api_type is not None else None
        assert isinstance(target, cst.Attribute)
        provider = credentials.token_source(MODULE_CLIENT)
        credentials.note_first_use(original)
        assignment = cst.SimpleStatementLine(
            [
                cst.Assign(
                    targets=[
                        cst.AssignTarget(
                            target.with_changes(attr=cst.Name("azure_ad_token_provider"))
                        )
                    ],
                    value=cst.Name(provider),
                )
            ]
        )
        return cst.FlattenSentinel([updated, assignment])
    if not changed:
        return updated
    if not body:
        return cst.RemoveFromParent()
    if isinstance(body[-1], cst.Assign) or hasattr(body[-1], "semicolon"):
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return updated.with_changes(body=body)
