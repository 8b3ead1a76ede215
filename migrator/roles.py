"""Least-privilege role assignments, judged from the calls each client makes.

The model is general: a client belongs to a service (``openai``, ``search``, ``inference``),
talks to a resource (grouped by the endpoint expression it uses), and each call it makes needs
a role, with evidence (``file:line``). Facts (role names, ids, which call needs which role) are
from FACTS.md section 5. Rendering to az / Bicep / Terraform / JSON is in ``role_formats``.

Two rules are ours, and every output states them:

* **unverified**: a call whose least privilege is not confirmed (``responses``, ``images.edit``,
  ``audio.speech``, ``moderations``; the AI Inference calls) gets the lowest role that plausibly
  covers it, marked "unverified", with the role to grant next if the service answers 403.
  Granting the broader role up front would defeat least privilege for every user whose call
  does work with the lower one; a 403 is loud and the output names the fix.
* **assumed**: a client whose calls are not all visible (passed away, stored in a container,
  never called where the analysis can see) or that makes calls the table does not know gets
  the service's base role, marked "assumed", with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from codemods.findings import KEYLESS, MANUAL, MIGRATED, ClientRecord
from codemods.sdks import ROLE_RULES, SPECS

DOCUMENTED = "documented"
UNVERIFIED = "unverified"
ASSUMED = "assumed"


@dataclass(frozen=True)
class Role:
    key: str
    name: str
    id: str  # the built-in role definition's GUID
    covers: tuple[str, ...] = ()  # keys of the roles whose permissions this one includes


OPENAI_USER = Role(
    "openai-user", "Cognitive Services OpenAI User", "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
)
OPENAI_CONTRIBUTOR = Role(
    "openai-contributor",
    "Cognitive Services OpenAI Contributor",
    "a001fd3d-188f-4b5d-821b-7da978bf7442",
    covers=("openai-user",),
)
SEARCH_READER = Role(
    "search-index-data-reader", "Search Index Data Reader", "1407120a-92aa-4202-b7e9-c0e197c71c8f"
)
SEARCH_CONTRIBUTOR = Role(
    "search-index-data-contributor",
    "Search Index Data Contributor",
    "8ebe5a00-799e-43f5-93ac-243d3dce84a7",
    covers=("search-index-data-reader",),
)
# Manages index definitions, indexers, data sources and skillsets: no access to documents.
SEARCH_SERVICE_CONTRIBUTOR = Role(
    "search-service-contributor",
    "Search Service Contributor",
    "7ca78c08-252a-4471-8644-bb5ff32d4ba0",
)

ROLES = {
    r.key: r
    for r in (
        OPENAI_USER,
        OPENAI_CONTRIBUTOR,
        SEARCH_READER,
        SEARCH_CONTRIBUTOR,
        SEARCH_SERVICE_CONTRIBUTOR,
    )
}

_SPEC_BY_LABEL = {spec.label: spec for spec in SPECS}

Rule = tuple[str, Role, str]  # (pattern over the call chain, role, basis); the first match wins


def _rules(service: str) -> tuple[Rule, ...]:
    """The call-to-role table the SDK modules declare for ``service`` (codemods/sdks/)."""
    return tuple((r.pattern, ROLES[r.role], r.basis) for r in ROLE_RULES.get(service, ()))


_OPENAI_RULES = _rules("openai")
_SEARCH_RULES = _rules("search")
# azure-ai-inference against an Azure OpenAI / AI Services resource.
_INFERENCE_RULES = _rules("inference")

# Calls that only manage the client object itself: they need no role.
_CLIENT_ONLY = re.compile(r"(close|__enter__|__exit__|__aenter__|__aexit__)$")


@dataclass(frozen=True)
class Service:
    name: str
    rules: tuple[Rule, ...]
    base: Role  # what an assumed client gets
    next_role: Role | None  # what to grant when an unverified role answers 403
    resource_type: str  # ARM type of the resource the role is assigned on
    api_version: str  # for Bicep's `existing` declaration
    terraform_resource: str  # the azurerm resource that declares it
    terraform_local_auth: str  # its attribute that turns key authentication off


_COGNITIVE = {
    "resource_type": "Microsoft.CognitiveServices/accounts",
    "api_version": "2024-10-01",
    "terraform_resource": "azurerm_cognitive_account",
    "terraform_local_auth": "local_auth_enabled",
}
SERVICES: dict[str, Service] = {
    "openai": Service("openai", _OPENAI_RULES, OPENAI_USER, OPENAI_CONTRIBUTOR, **_COGNITIVE),
    "inference": Service(
        "inference", _INFERENCE_RULES, OPENAI_USER, OPENAI_CONTRIBUTOR, **_COGNITIVE
    ),
    "search": Service(
        "search",
        _SEARCH_RULES,
        SEARCH_READER,
        None,
        resource_type="Microsoft.Search/searchServices",
        api_version="2023-11-01",
        terraform_resource="azurerm_search_service",
        terraform_local_auth="local_authentication_enabled",
    ),
}

UNVERIFIED_RULE = (
    "a call whose least privilege is not confirmed gets the lowest role that plausibly covers it, "
    "marked unverified; if the service answers 403, grant the next role named with it"
)
ASSUMED_RULE = (
    "a client whose calls are not all visible gets its service's base role, "
    "marked assumed, with the reason"
)


def role_for_call(service: str, chain: str) -> tuple[Role, str] | None:
    """The least-privilege role for one call chain, and how sure that is; None: not in the table."""
    table = SERVICES.get(service)
    if table is None:
        return None
    for pattern, role, basis in table.rules:
        if re.match(pattern, chain):
            return role, basis
    return None


def _default_role(client: ClientRecord) -> Role:
    """The role assumed when a client's calls are not visible: what its spec declares."""
    spec = _SPEC_BY_LABEL.get(client.cls)
    if spec is not None and spec.default_role is not None:
        return ROLES[spec.default_role]
    service = SERVICES.get(client.service)
    return service.base if service is not None else OPENAI_USER


@dataclass(frozen=True)
class Evidence:
    path: str
    line: int
    needs: Role
    basis: str  # documented | unverified | assumed
    call: str | None = None  # the call chain; None for an assumption
    reason: str = ""  # why it is assumed

    @property
    def what(self) -> str:
        """The call, or the assumption and its reason, in a few words."""
        return self.call if self.call is not None else f"assumed: {self.reason}"


@dataclass(frozen=True)
class Assignment:
    service: str
    resource: str  # a stable key: env:NAME, host:NAME, expr:TEXT or unknown
    role: Role
    evidence: tuple[Evidence, ...]
    assumed: bool  # every piece of evidence for it is an assumption
    unverified: bool  # at least one call needs exactly this role on an unverified basis

    @property
    def next_role(self) -> Role | None:
        service = SERVICES.get(self.service)
        if not self.unverified or service is None or service.next_role is None:
            return None
        return None if service.next_role == self.role else service.next_role


def resource_key(client: ClientRecord) -> str:
    """Which resource a client talks to, as far as the source shows it."""
    text = client.endpoint
    if text is None:
        spec = _SPEC_BY_LABEL.get(client.cls)
        if spec is not None and spec.endpoint_env is not None:
            return f"env:{spec.endpoint_env}"  # what the class reads when no endpoint is given
        return "unknown"
    env = re.search(r"""["']([A-Z][A-Z0-9_]*)["']""", text)
    if env:
        return f"env:{env.group(1)}"
    host = re.search(r"https?://([A-Za-z0-9][A-Za-z0-9.-]*)", text)
    if host:
        return f"host:{host.group(1).lower()}"
    # A settings attribute or constant named like an environment variable
    # (settings.AZURE_OPENAI_ENDPOINT).
    named = re.search(r"\b([A-Z][A-Z0-9_]*(ENDPOINT|URL|BASE|HOST)[A-Z0-9_]*)\b", text)
    if named:
        return f"env:{named.group(1)}"
    return f"expr:{' '.join(text.split())}"


def resource_variable(resource: str) -> str:
    """The shell variable a user sets to the resource id of one resource."""
    return resource_base(resource).upper() + "_RESOURCE_ID"


def resource_base(resource: str) -> str:
    """A short identifier for a resource (``azure_openai``), the root of every generated name."""
    kind, _, value = resource.partition(":")
    if kind == "env":
        base = re.sub(r"_?(ENDPOINT|URL|BASE|HOST)$", "", value) or value
    elif kind == "host":
        base = value.split(".")[0]
    elif kind == "expr":
        base = re.sub(r"[^A-Za-z0-9]+", "_", value).strip("_")[-40:]
    else:
        base = ""
    base = re.sub(r"[^a-z0-9_]", "_", base.lower()).strip("_")
    base = re.sub(r"_+", "_", base)
    if not base or not base[0].isalpha():
        base = f"resource_{base}" if base else "resource"
    return base


def describe_resource(resource: str) -> str:
    kind, _, value = resource.partition(":")
    if kind == "env":
        return f"the resource named by {value}"
    if kind == "host":
        return f"the resource at {value}"
    if kind == "expr":
        return f"the resource given by `{value}`"
    return "the resource the client uses (its endpoint is not visible)"


def _counts(client: ClientRecord) -> bool:
    return client.outcome in (MIGRATED, KEYLESS, MANUAL) and client.service in SERVICES


def widest(candidates: Iterable[Role]) -> Role:
    """Of several roles, the one that includes the most others."""
    return max(candidates, key=lambda r: len(r.covers))


def client_evidence(path: str, client: ClientRecord) -> list[Evidence]:
    """What one client needs: one piece of evidence per mapped call, plus an assumption if any."""
    service = SERVICES[client.service]
    found: list[Evidence] = []
    unmapped: list[str] = []
    for call in client.calls:
        role = role_for_call(client.service, call.chain)
        if role is None:
            if not _CLIENT_ONLY.search(call.chain):
                unmapped.append(
                    f"{call.chain} (line {call.line})"
                    if call.path is None
                    else f"{call.chain} ({call.path}:{call.line})"
                )
            continue
        found.append(
            Evidence(
                _in_cell(call.path or path, call.cell), call.line, role[0], role[1], call=call.chain
            )
        )
    reasons: list[str] = []
    if not client.usage_known:
        reasons.append(client.usage_note or "the calls made with this client are not visible")
    if unmapped:
        reasons.append("calls the role table does not know: " + ", ".join(unmapped))
    if not found and not reasons:
        reasons.append("no call that needs a role is visible")
    if reasons:
        base = _default_role(client) if client.service == "search" else service.base
        found.append(
            Evidence(
                _in_cell(path, client.cell), client.line, base, ASSUMED, reason="; ".join(reasons)
            )
        )
    return found


def _in_cell(path: str, cell: int | None) -> str:
    """Notebook evidence names the cell the line is in."""
    return path if cell is None else f"{path}:cell {cell}"


def _minimal(roles: Iterable[Role]) -> list[Role]:
    """Drop every role that another needed role already includes."""
    needed = {r.key: r for r in roles}
    kept = [
        r
        for r in needed.values()
        if not any(r.key in other.covers for other in needed.values() if other != r)
    ]
    return sorted(kept, key=lambda r: r.key)


def client_roles(client: ClientRecord) -> list[tuple[Role, bool, bool]]:
    """(role, assumed, unverified) for each role one client needs, for the per-client report
    line."""
    if not _counts(client):
        return []
    evidence = client_evidence("", client)
    out = []
    for role in _minimal(e.needs for e in evidence):
        mine = [e for e in evidence if e.needs == role or e.needs.key in role.covers]
        out.append(
            (
                role,
                all(e.basis == ASSUMED for e in mine),
                any(e.needs == role and e.basis == UNVERIFIED for e in mine),
            )
        )
    return out


def assignments(clients: Iterable[tuple[str, ClientRecord]]) -> list[Assignment]:
    """Deduplicated assignments: per service and resource, the smallest set of roles that covers
    every call."""
    grouped: dict[tuple[str, str], list[Evidence]] = {}
    for path, client in clients:
        if _counts(client):
            grouped.setdefault((client.service, resource_key(client)), []).extend(
                client_evidence(path, client)
            )
    result: list[Assignment] = []
    for (service, resource), evidence in sorted(grouped.items()):
        kept = _minimal(e.needs for e in evidence)
        for role in kept:
            mine = [
                e
                for e in evidence
                if e.needs == role or (e.needs.key in role.covers and e.needs not in kept)
            ]
            mine.sort(key=lambda e: (e.path, e.line, e.call or "", e.reason))
            result.append(
                Assignment(
                    service=service,
                    resource=resource,
                    role=role,
                    evidence=tuple(dict.fromkeys(mine)),
                    assumed=all(e.basis == ASSUMED for e in mine),
                    unverified=any(e.needs == role and e.basis == UNVERIFIED for e in mine),
                )
            )
    return result
