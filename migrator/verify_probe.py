"""`aoai-migrate verify`: the one read-only GET per endpoint (no redirect followed, only
``Authorization: Bearer``) and the diagnosis of its answer or failure in words a user can act on.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from codemods.options import MigrationOptions
from migrator import roles
from migrator.verify_targets import (
    _AI_SERVICES_HOST,
    _DEFAULT_ROLE,
    _NETWORK_403,
    _REGIONAL_HOST,
    _SEARCH_HOST,
    ENDPOINT_WRONG,
    FORBIDDEN,
    NETWORK,
    NOT_FOUND,
    READY,
    SERVICE_ERROR,
    THROTTLED,
    UNAUTHORIZED,
    UNEXPECTED,
    WRONG_TENANT,
    Target,
    _host,
    _service_words,
    is_loopback,
)
from migrator.verify_token import Identity

# ======================================================================================
# The request
# ======================================================================================


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None  # urllib then raises HTTPError with the 3xx status


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_ms: int


def _get(url: str, token: str, timeout: float) -> _Answer:
    """One GET with the bearer token. Raises what urllib raises for transport failures."""
    handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
    if is_loopback(_host(url)):
        handlers.append(urllib.request.ProxyHandler({}))  # loopback never goes through a proxy
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, method="GET")
    request.add_header("Accept", "application/json")
    request.add_header("User-Agent", "aoai-migrate-verify")
    request.add_header("x-ms-client-request-id", str(uuid.uuid4()))
    request.add_unredirected_header("Authorization", f"Bearer {token}")
    start = time.monotonic()
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(65536)
            status, headers = response.status, dict(response.headers.items())
    except urllib.error.HTTPError as exc:
        body = exc.read(65536) if exc.fp is not None else b""
        status, headers = exc.code, dict(exc.headers.items()) if exc.headers else {}
    return _Answer(
        status,
        {k.lower(): v for k, v in headers.items()},
        body,
        int((time.monotonic() - start) * 1000),
    )


def _error_fields(body: bytes) -> tuple[str | None, str | None]:
    """(code, message) from an Azure error body: {"error": {...}} or {"statusCode", "message"}."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return None, (text or None)
    if isinstance(data, dict):
        inner = data.get("error") if isinstance(data.get("error"), dict) else data
        code = inner.get("code", inner.get("statusCode"))
        message = inner.get("message")
        return (str(code) if code not in (None, "") else None), (str(message) if message else None)
    return None, None


# ======================================================================================
# Diagnosis
# ======================================================================================


def _shell_name(name: str) -> str:
    name = re.sub(r"[^A-Z0-9_]", "_", name.upper())
    return name if name and not name[0].isdigit() else "AZURE_RESOURCE_ID"


def scope_argument(target: Target) -> tuple[str, str | None]:
    """The ``--scope`` value for a role assignment on the target's resource, and a note if it is a
    variable the user must set first."""
    host = _host(target.url or "")
    match = _AI_SERVICES_HOST.match(host)
    if match and target.service in ("openai", "inference"):
        query = f"[?properties.customSubDomainName=='{match.group(1)}'].id"
        return f'"$(az cognitiveservices account list --query "{query}" --output tsv)"', None
    match = _SEARCH_HOST.match(host)
    if match and target.service == "search":
        lookup = (
            f"az resource list --name {match.group(1)}"
            " --resource-type Microsoft.Search/searchServices"
            ' --query "[0].id" --output tsv'
        )
        return f'"$({lookup})"', None
    source = target.source if target.source != "--endpoint" else f"host:{host}"
    variable = _shell_name(roles.resource_variable(source))
    return f'"${variable}"', f"set {variable} to the resource id of {target.url} first"


def role_command(target: Target, identity: Identity) -> list[str]:
    scope, note = scope_argument(target)
    lines = [f"# {target.role.name} for {identity.object_id} on {target.url}"]
    if note:
        lines.append(f"# {note}")
    lines.append(
        "az role assignment create"
        f" --assignee-object-id {identity.object_id}"
        f" --assignee-principal-type {identity.principal_type}"
        f" --role {target.role.id}"
        f" --scope {scope}"
    )
    return lines


def _expected_audience(scope: str) -> str:
    return scope.removesuffix("/.default")


def _audience_mismatch(identity: Identity | None, scope: str) -> str | None:
    if identity is None or identity.audience is None:
        return None
    expected = _expected_audience(scope).rstrip("/")
    if identity.audience.rstrip("/") == expected:
        return None
    return f"the token's audience is {identity.audience}, but this check asked for {expected}"


def _identity_hint(identity: Identity | None) -> str | None:
    if identity is not None and identity.principal_type == "User":
        return (
            "this token is your own sign-in; the deployed code's managed identity needs the same "
            "role (`aoai-migrate roles PATH` prints that command)"
        )
    return None


def diagnose_answer(
    target: Target,
    scope: str,
    identity: Identity | None,
    answer: _Answer,
    options: MigrationOptions,
) -> tuple[str, str, list[str], list[str]]:
    """(status, explanation, fixes, notes) for an HTTP answer."""
    code, message = _error_fields(answer.body) if answer.status >= 300 else (None, None)
    host = _host(target.url or "")
    service = target.service
    oid = identity.object_id if identity and identity.object_id else "OBJECT_ID"
    fixes: list[str] = []
    notes: list[str] = []
    hint = _identity_hint(identity)
    status = answer.status
    if status == 200:
        if target.role_basis == "code" and target.role.key != _DEFAULT_ROLE[service].key:
            notes.append(
                f"the code also needs {target.role.name}; a read-only check cannot prove that role "
                f"(list this identity's roles: az role assignment list --assignee {oid} --all)"
            )
        notes.extend([hint] if hint else [])
        what = _ready_detail(target, answer.body)
        text = f"the identity's token was accepted and the read call succeeded ({what})"
        return READY, text, fixes, notes
    if 300 <= status < 400:
        location = answer.headers.get("location", "another address")
        text = (
            f"the endpoint redirects ({status}) to {location}: it is not the resource's API "
            "endpoint; use the final address (verify does not follow redirects with a token)"
        )
        return ENDPOINT_WRONG, text, fixes, notes
    if status == 400 and "tenant" in f"{code} {message}".lower():
        fixes.append(
            "sign in to the resource's tenant (az login --tenant RESOURCE_TENANT_ID), or use an "
            "identity from that tenant: a managed identity can only call resources in its own "
            "tenant"
        )
        tid = identity.tenant_id if identity else "unknown"
        text = f"the token is from tenant {tid}, which is not the tenant of the resource"
        return WRONG_TENANT, text, fixes, notes
    if status == 401:
        return _diagnose_401(target, scope, identity, answer, options)
    if status == 403 and _NETWORK_403.search(message or ""):
        text = (
            "the resource's network rules refused this machine (firewall or public network access "
            "disabled): run verify from a network the resource allows (the app's VNet, through its "
            "private endpoint), or add this network to the resource's firewall"
        )
        return NETWORK, text, fixes, notes
    if status == 403:
        if identity is not None and identity.object_id:
            fixes.extend(role_command(target, identity))
        notes.append("a new role assignment can take a few minutes to take effect")
        notes.extend([hint] if hint else [])
        basis = (
            "what the code's calls need"
            if target.role_basis == "code"
            else "the least role this check needs"
        )
        text = (
            "the token was accepted but the identity has no role that allows this call: assign "
            f"{target.role.name} ({basis}) to object id {oid} on the resource"
        )
        return FORBIDDEN, text, fixes, notes
    if status == 404 and service == "search" and target.index:
        text = f"the search service answered 404 for index {target.index!r}: check the index name"
        return NOT_FOUND, text, fixes, notes
    if status == 404 and service == "inference" and not _AI_SERVICES_HOST.match(host):
        text = (
            "the endpoint has no /info route, so this check cannot prove access here: "
            "Azure OpenAI and AI Foundry endpoints do not serve it"
        )
        return ENDPOINT_WRONG, text, fixes, notes
    if status == 404:
        text = (
            f"{host} answered 404 for the {_service_words(service)} API: the endpoint is not the "
            "resource's endpoint (or carries a path it should not)"
        )
        return ENDPOINT_WRONG, text, fixes, notes
    if status == 429:
        return (
            THROTTLED,
            "the resource is rate-limiting requests: try again in a minute",
            fixes,
            notes,
        )
    if status >= 500:
        return SERVICE_ERROR, f"the service failed ({status}): try again later", fixes, notes
    return UNEXPECTED, f"unexpected answer {status}", fixes, notes


def _ready_detail(target: Target, body: bytes) -> str:
    text = body.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if target.service == "search" and target.index and isinstance(data, int):
        return f"index {target.index} has {data} documents"
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return f"{len(data['data'])} models listed"
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        return f"{len(data['value'])} indexes listed"
    return "200 OK"


def _diagnose_401(
    target: Target,
    scope: str,
    identity: Identity | None,
    answer: _Answer,
    options: MigrationOptions,
) -> tuple[str, str, list[str], list[str]]:
    host = _host(target.url or "")
    fixes: list[str] = []
    causes: list[str] = []
    mismatch = _audience_mismatch(identity, scope)
    if mismatch:
        causes.append(f"{mismatch} (is --cloud {options.cloud} right?)")
    if (
        identity is not None
        and identity.expires_on is not None
        and identity.expires_on < time.time()
    ):
        causes.append("the token has expired")
    if target.service == "search":
        challenge = "bearer" in answer.headers.get("www-authenticate", "").lower()
        rbac = (
            "role-based access is not enabled on the search service (it accepts API keys only): "
            "enable it with az search service update --name NAME --resource-group GROUP "
            "--auth-options aadOrApiKey --aad-auth-failure-mode http403"
        )
        role = (
            "the identity has no Search role on the service (a service set to answer 401 instead "
            f"of 403 for a missing role): assign {target.role.name}"
        )
        causes.extend([role, rbac] if challenge else [rbac, role])
        if identity is not None and identity.object_id:
            fixes.extend(role_command(target, identity))
    else:
        if _REGIONAL_HOST.search(host):
            causes.insert(
                0,
                "this is a regional endpoint, which accepts keys only: Entra ID tokens need the "
                "resource's own endpoint (https://NAME.openai.azure.com or "
                "https://NAME.cognitiveservices.azure.com; a resource without one needs a custom "
                "subdomain: az cognitiveservices account update --custom-domain NAME)",
            )
        elif not _AI_SERVICES_HOST.match(host) and not is_loopback(host):
            causes.insert(
                0,
                f"{host} is not an Azure OpenAI resource host: a gateway or custom domain in front "
                "of the resource (API Management, Front Door, a proxy) that accepts keys only; "
                "make it accept Entra ID tokens (API Management: the validate-azure-ad-token "
                "policy and a managed identity to the backend), or point the code at the "
                "resource's own endpoint",
            )
        causes.append(
            "the resource is in another tenant than the token's "
            f"({identity.tenant_id if identity else 'unknown'}): sign in to the resource's tenant "
            "(az login --tenant TENANT_ID), or use an identity from it; a managed identity can "
            "only call resources in its own tenant"
        )
        if identity is not None and not mismatch and identity.audience:
            causes.append(
                "the service does not accept this token although its audience "
                f"({identity.audience}) is the expected one: read the service's message"
            )
    explanation = (
        "the service rejected the token itself (401), before any role check. Likely causes: "
        + "; ".join(f"({i}) {c}" for i, c in enumerate(causes, 1))
    )
    return UNAUTHORIZED, explanation, fixes, []


def diagnose_exception(target: Target, exc: BaseException, timeout: float) -> tuple[str, str]:
    """(status, explanation) for a transport failure."""
    url = target.url or ""
    parts = urlsplit(url)
    host = _host(url)
    where = f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, socket.gaierror):
        return ENDPOINT_WRONG, (
            f"the host name {host} does not resolve: a typo in the endpoint, a deleted resource, "
            "or a private DNS zone this machine cannot see (a private endpoint is resolved inside "
            "its network)"
        )
    if isinstance(reason, ConnectionRefusedError):
        return (
            ENDPOINT_WRONG,
            f"nothing accepts connections at {where}: the endpoint (or its port) is wrong",
        )
    if isinstance(reason, ssl.SSLCertVerificationError):
        return ENDPOINT_WRONG, (
            f"the TLS certificate of {host} does not verify "
            f"({getattr(reason, 'verify_message', reason)}): "
            "the endpoint is wrong, or a proxy intercepts TLS (point SSL_CERT_FILE at its CA)"
        )
    if isinstance(reason, ssl.SSLError):
        return ENDPOINT_WRONG, f"the TLS handshake with {where} failed: is it an https endpoint?"
    if isinstance(reason, TimeoutError):
        return NETWORK, (
            f"no answer from {where} within {timeout:g} s: network rules drop the traffic (a "
            "private endpoint only reachable inside its network, a firewall, or public network "
            "access disabled); run verify where the app runs, or raise --timeout if the network "
            "is slow"
        )
    if isinstance(
        reason, (ConnectionResetError, http.client.RemoteDisconnected, ConnectionAbortedError)
    ):
        return (
            NETWORK,
            f"{where} closed the connection without answering: a firewall or proxy in the way",
        )
    if isinstance(reason, OSError):
        return (
            NETWORK,
            f"cannot reach {where} ({type(reason).__name__}: {reason}): check the network route",
        )
    return UNEXPECTED, f"{type(exc).__name__}: {exc}"


def _no_token_explanation(options: MigrationOptions, error: str, timed_out: bool) -> str:
    text = error.strip().rstrip(".")
    if options.credential == "managed-identity":
        text += (
            ". A managed identity answers only on its Azure host: run verify there, or from a "
            "developer machine with --credential chained or default after az login"
        )
    elif timed_out:
        text += ". A credential source did not answer in time (raise --token-timeout if it is slow)"
    return text
