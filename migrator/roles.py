"""Least-privilege role assignments, judged from the calls each client makes.

Facts (role names, ids, which call needs which role) are from FACTS.md section 5. One rule is
ours: calls for which no data action was confirmed in the OpenAI User definition
(``responses``, ``images.edit``, ``audio.speech``, ``moderations``) are given OpenAI User,
marked "unverified"; if the service answers 403, OpenAI Contributor is the next step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from codemods.findings import MANUAL, MIGRATED, KEYLESS, ClientRecord


@dataclass(frozen=True)
class Role:
    key: str
    name: str
    id: str
    rank: int  # within one service, a higher rank includes what the lower ones allow


OPENAI_USER = Role("openai-user", "Cognitive Services OpenAI User", "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd", 1)
OPENAI_CONTRIBUTOR = Role(
    "openai-contributor", "Cognitive Services OpenAI Contributor", "a001fd3d-188f-4b5d-821b-7da978bf7442", 2
)
SEARCH_READER = Role("search-reader", "Search Index Data Reader", "1407120a-92aa-4202-b7e9-c0e197c71c8f", 1)
SEARCH_CONTRIBUTOR = Role(
    "search-contributor", "Search Index Data Contributor", "8ebe5a00-799e-43f5-93ac-243d3dce84a7", 2
)
SEARCH_SERVICE_CONTRIBUTOR = Role(
    "search-service-contributor", "Search Service Contributor", "7ca78c08-252a-4471-8644-bb5ff32d4ba0", 3
)

ROLES = {r.key: r for r in (OPENAI_USER, OPENAI_CONTRIBUTOR, SEARCH_READER, SEARCH_CONTRIBUTOR, SEARCH_SERVICE_CONTRIBUTOR)}

# (pattern over the call chain, role, basis). First match wins. Basis: "documented" or "unverified".
_OPENAI_RULES: tuple[tuple[str, Role, str], ...] = (
    (r"chat\.completions\.(list|retrieve|update|delete|messages)", OPENAI_CONTRIBUTOR, "documented"),
    (r"files\.(create|delete)", OPENAI_CONTRIBUTOR, "documented"),
    (r"fine_tuning\.jobs\.(create|cancel|pause|resume)", OPENAI_CONTRIBUTOR, "documented"),
    (r"batches\.", OPENAI_CONTRIBUTOR, "documented"),
    (r"uploads\.", OPENAI_CONTRIBUTOR, "documented"),
    (r"(chat\.)?completions\.create", OPENAI_USER, "documented"),
    (r"embeddings\.create", OPENAI_USER, "documented"),
    (r"images\.generate", OPENAI_USER, "documented"),
    (r"audio\.(transcriptions|translations)\.", OPENAI_USER, "documented"),
    (r"models\.", OPENAI_USER, "documented"),
    (r"(beta\.)?realtime\.", OPENAI_USER, "documented"),
    (r"files\.(list|retrieve|content|retrieve_content|wait_for_processing)", OPENAI_USER, "documented"),
    (r"fine_tuning\.jobs\.(list|retrieve|list_events|checkpoints)", OPENAI_USER, "documented"),
    (r"beta\.(assistants|threads|vector_stores)\.", OPENAI_USER, "documented"),
    (r"(vector_stores|assistants|threads)\.", OPENAI_USER, "documented"),
    (r"(responses|images\.edit|audio\.speech|moderations)", OPENAI_USER, "unverified"),
)

UNVERIFIED_RULE = (
    "no data action for this call was confirmed in the OpenAI User definition; "
    "OpenAI User is listed (if the service answers 403, grant OpenAI Contributor)"
)


def role_for_call(service: str, chain: str) -> tuple[Role, str] | None:
    """The least-privilege role for one call chain, and how sure that is; None: not a service call."""
    if service == "openai":
        for pattern, role, basis in _OPENAI_RULES:
            if re.match(pattern, chain):
                return role, basis
        return None
    return None


@dataclass(frozen=True)
class Evidence:
    path: str
    line: int
    what: str  # the call chain, or why it is assumed


@dataclass(frozen=True)
class Assignment:
    service: str
    resource: str  # a stable key: env:NAME, host:NAME or expr:TEXT
    role: Role
    evidence: tuple[Evidence, ...]
    assumed: bool
    unverified: bool


def resource_key(client: ClientRecord) -> str:
    """Which resource a client talks to, as far as the source shows it."""
    text = client.endpoint
    if text is None:
        if client.sdk == "openai" and client.cls.endswith("AzureOpenAI"):
            return "env:AZURE_OPENAI_ENDPOINT"  # what the class reads when no endpoint is given
        return "unknown"
    env = re.search(r"""["']([A-Z][A-Z0-9_]*)["']""", text)
    if env:
        return f"env:{env.group(1)}"
    host = re.search(r"https?://([A-Za-z0-9.-]+)", text)
    if host:
        return f"host:{host.group(1).lower()}"
    # A settings attribute or constant named like an environment variable (settings.AZURE_OPENAI_ENDPOINT).
    named = re.search(r"\b([A-Z][A-Z0-9_]*(ENDPOINT|URL|BASE|HOST)[A-Z0-9_]*)\b", text)
    if named:
        return f"env:{named.group(1)}"
    return f"expr:{text.strip()}"


def resource_variable(resource: str) -> str:
    """The shell variable a user sets to the resource id of one resource."""
    kind, _, value = resource.partition(":")
    if kind == "env":
        base = re.sub(r"_?(ENDPOINT|URL|BASE|HOST)$", "", value) or value
    elif kind == "host":
        base = value.split(".")[0]
    elif kind == "expr":
        base = re.sub(r"[^A-Za-z0-9]+", "_", value).strip("_")[-40:] or "OPENAI"
    else:
        base = "AZURE_OPENAI"
    return re.sub(r"[^A-Z0-9_]", "_", base.upper()) + "_RESOURCE_ID"


def describe_resource(resource: str) -> str:
    kind, _, value = resource.partition(":")
    if kind == "env":
        return f"the resource named by {value}"
    if kind == "host":
        return f"the resource at {value}"
    if kind == "expr":
        return f"the resource given by `{value}`"
    return "the resource the client uses (its endpoint is not visible)"


def client_roles(client: ClientRecord) -> tuple[Role, bool, bool]:
    """(role, assumed, unverified) that one client needs."""
    best: Role | None = None
    unverified = False
    for call in client.calls:
        found = role_for_call(client.service, call.chain)
        if found is None:
            continue
        role, basis = found
        unverified |= basis == "unverified"
        if best is None or role.rank > best.rank:
            best = role
    assumed = not client.usage_known or best is None
    if best is None:
        best = OPENAI_USER if client.service == "openai" else SEARCH_READER
    return best, assumed, unverified


def assignments(clients: Iterable[tuple[str, ClientRecord]]) -> list[Assignment]:
    """Deduplicated assignments for (path, client) pairs: one per resource, the widest role needed."""
    grouped: dict[tuple[str, str], list[tuple[str, ClientRecord, Role, bool, bool]]] = {}
    for path, client in clients:
        if client.outcome not in (MIGRATED, KEYLESS, MANUAL):
            continue
        role, assumed, unverified = client_roles(client)
        grouped.setdefault((client.service, resource_key(client)), []).append(
            (path, client, role, assumed, unverified)
        )
    result: list[Assignment] = []
    for (service, resource), items in sorted(grouped.items()):
        role = max((item[2] for item in items), key=lambda r: r.rank)
        evidence: list[Evidence] = []
        for path, client, _, assumed, _ in items:
            for call in client.calls:
                if role_for_call(service, call.chain) is not None:
                    evidence.append(Evidence(_in_cell(path, call.cell), call.line, call.chain))
            if assumed:
                note = f"assumed: {client.usage_note or 'usage not visible'}"
                evidence.append(Evidence(_in_cell(path, client.cell), client.line, note))
        result.append(
            Assignment(
                service=service,
                resource=resource,
                role=role,
                evidence=tuple(evidence),
                assumed=all(item[3] for item in items),
                unverified=any(item[4] for item in items),
            )
        )
    return result


def _in_cell(path: str, cell: int | None) -> str:
    return path if cell is None else f"{path}:cell {cell}"


def az_commands(items: list[Assignment], principal_type: str = "ServicePrincipal") -> str:
    variable = "PRINCIPAL_ID" if principal_type == "ServicePrincipal" else "DEVELOPER_OBJECT_ID"
    lines: list[str] = []
    for a in items:
        lines.append(f"# {a.role.name} on {describe_resource(a.resource)}")
        if a.assumed:
            lines.append("#   assumed: the calls made with this client are not visible")
        if a.unverified:
            lines.append(f"#   unverified: {UNVERIFIED_RULE}")
        for ev in a.evidence[:10]:
            lines.append(f"#   {ev.path}:{ev.line} {ev.what}")
        if len(a.evidence) > 10:
            lines.append(f"#   ... and {len(a.evidence) - 10} more")
        lines.append(
            "az role assignment create"
            f' --assignee-object-id "${variable}"'
            f" --assignee-principal-type {principal_type}"
            f" --role {a.role.id}"
            f' --scope "${resource_variable(a.resource)}"'
        )
    return "\n".join(lines)
