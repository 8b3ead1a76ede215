"""`aoai-migrate verify`: prove, before deploying, that the identity can really call each resource.

For every endpoint: build the credential the migrated code builds, get a token for the scope the
migrated code asks for, read who answered from the token's claims, make the cheapest read-only
data-plane call, and explain the answer in words a user can act on.

Rules kept here:
* The token is held in local variables only. No result, message or log line carries it: every
  free text that leaves this module goes through :class:`Redactor`.
* Never an API key: nothing here reads one (environment variables named like secrets are never
  read) and requests carry only ``Authorization: Bearer``.
* A token goes only to a host under one of the service's Azure domains for the chosen cloud
  (:data:`TOKEN_DOMAINS`), at the URL's own port, or to loopback (test servers). Any other host
  named by the code or the environment is reported and skipped; one given with ``--endpoint``
  needs ``--allow-host HOST`` as well (checked by the command before :func:`run`).
* Only GET requests. No redirect is followed (urllib would resend the Authorization header to the
  new host). Plain ``http`` only for loopback hosts; real endpoints are https.
* The HTTP call is the standard library's urllib, so azure-core's rule against bearer tokens over
  http does not apply; the loopback-only rule above replaces it.

Nothing here prints: :func:`run` returns a :class:`Run`; ``cli_verify`` renders it.
"""

from __future__ import annotations

import ast
import base64
import http.client
import ipaddress
import json
import logging
import os
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import quote, urlsplit

from codemods.options import MigrationOptions
from codemods.targets import scope_for
from migrator import roles

SERVICES = ("openai", "search", "inference")

# Data-plane API versions of the checks. OpenAI: 2024-10-21 is a GA version that has
# GET /openai/models (data action models/read, which OpenAI User has). Listing deployments on the
# data plane exists only in old preview versions and is not an OpenAI User action: not used.
OPENAI_API_VERSION = "2024-10-21"
SEARCH_API_VERSION = "2024-07-01"
INFERENCE_API_VERSION = "2024-05-01-preview"  # azure-ai-inference's GET /info

DEFAULT_HTTP_TIMEOUT = 5.0
DEFAULT_TOKEN_TIMEOUT = 15.0

# Outcomes.
READY = "ready"
UNRESOLVED = "unresolved"  # no endpoint URL could be found
INSECURE = "insecure-endpoint"  # http to a non-loopback host: refused, no request made
NOT_AZURE = "not-azure-host"  # a host outside the service's Azure domains: refused, no request made
NO_TOKEN = "no-token"
UNAUTHORIZED = "unauthorized"  # 401
FORBIDDEN = "forbidden"  # 403: a role is missing
WRONG_TENANT = "wrong-tenant"
NETWORK = "network-blocked"  # timeout, firewall, private endpoint
ENDPOINT_WRONG = "endpoint-wrong"  # name resolution, refused, TLS, redirect, no API at that path
NOT_FOUND = "not-found"  # the search index named does not exist
THROTTLED = "throttled"
SERVICE_ERROR = "service-error"
UNEXPECTED = "unexpected"

EXIT_READY = 0
EXIT_NOT_READY = 1

# Environment variables whose value verify must never read (FACTS section 2 lists the key ones).
_SECRET_NAME = re.compile(r"(KEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD|CREDENTIAL|SAS)", re.IGNORECASE)
# A JWT, or what is left of one after a cut: header and (part of) the payload.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(\.[A-Za-z0-9_-]*)?")
_MESSAGE_LIMIT = 500

_AI_SERVICES_HOST = re.compile(
    r"^([a-z0-9][a-z0-9-]*)\.(openai\.azure\.(com|us|cn)|cognitiveservices\.azure\.(com|us|cn)|services\.ai\.azure\.com)$"
)
_SEARCH_HOST = re.compile(r"^([a-z0-9][a-z0-9-]*)\.search\.(windows\.net|azure\.us|azure\.cn)$")
_REGIONAL_HOST = re.compile(r"\.api\.cognitive\.(microsoft\.com|microsoft\.us|azure\.cn)$")

# The only hosts a token is sent to: names under these domains, per service and cloud (FACTS
# section 7). Azure OpenAI, Azure AI Services (which also serves the OpenAI paths) and AI Foundry
# resource endpoints; Azure AI Search. Gateways (*.azure-api.net), serverless model endpoints and
# regional endpoints are not in the list: they take keys, not this token.
_AI_SERVICES_DOMAINS = {
    "public": ("openai.azure.com", "cognitiveservices.azure.com", "services.ai.azure.com"),
    "usgov": ("openai.azure.us", "cognitiveservices.azure.us"),
    "china": ("openai.azure.cn", "cognitiveservices.azure.cn"),
}
TOKEN_DOMAINS: dict[str, dict[str, tuple[str, ...]]] = {
    "openai": _AI_SERVICES_DOMAINS,
    "inference": _AI_SERVICES_DOMAINS,
    "search": {
        "public": ("search.windows.net",),
        "usgov": ("search.azure.us",),
        "china": ("search.azure.cn",),
    },
}
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# 403 bodies that come from network rules, not from a missing role.
_NETWORK_403 = re.compile(
    r"firewall|virtual network|public (network )?access|private endpoint|ip address"
    r"|not allowed to access",
    re.IGNORECASE,
)


class VerifyError(Exception):
    """A problem with the command itself (bad endpoint, missing package): exit 2."""


# ======================================================================================
# What to check
# ======================================================================================


@dataclass(frozen=True)
class Target:
    """One endpoint to check, and the role the code needs on it."""

    service: str
    source: str  # "--endpoint", or the roles resource key (env:NAME, host:NAME, expr:TEXT)
    url: str | None  # scheme://host[:port][/path], no query; None when it could not be found
    role: roles.Role
    role_basis: str  # "code": from the roles analysis; "default": the least role for the check
    index: str | None = None
    evidence: tuple[str, ...] = ()  # "path:line what" from the roles analysis
    problem: str | None = None  # why url is None


_DEFAULT_ROLE = {
    "openai": roles.OPENAI_USER,
    "inference": roles.OPENAI_USER,
    "search": roles.SEARCH_READER,
}


def normalize_url(text: str) -> str:
    """``scheme://host[:port][/path]`` without query or trailing slash; raises VerifyError.

    The host is what a connection would go to, spelled once: lower case, IDNA-encoded (the way the
    socket layer encodes it), without a trailing dot; a URL with user info (``user@host``) or a
    host that is not a plain DNS name or IP address is refused. The error never repeats the text:
    a misplaced key in an endpoint variable stays unprinted.
    """
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        raise VerifyError("is not a valid URL (bad host or port)") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise VerifyError("is not an http(s) URL")
    if "@" in parts.netloc:
        raise VerifyError("carries user info before the host (user@host): give the host only")
    host = _canonical_host(parts.hostname)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}"


def _canonical_host(hostname: str) -> str:
    """The ASCII host a connection goes to; raises VerifyError for anything else."""
    try:
        return str(ipaddress.ip_address(hostname))
    except ValueError:
        pass
    name = hostname.removesuffix(".")
    try:
        name = name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise VerifyError("has an invalid host name") from None
    if not name or not all(_LABEL.match(label) for label in name.split(".")):
        raise VerifyError("has an invalid host name")
    return name


def azure_domain(host: str, service: str, cloud: str) -> str | None:
    """The Azure domain of ``service`` in ``cloud`` that ``host`` is a name under, or None.

    ``host`` is a canonical host (:func:`normalize_url`); the match is on whole labels, so
    ``xopenai.azure.com`` and ``x.openai.azure.com.example`` are not under ``openai.azure.com``.
    """
    for domain in TOKEN_DOMAINS.get(service, {}).get(cloud, ()):
        if host.endswith("." + domain) and len(host) > len(domain) + 1:
            return domain
    return None


def token_may_go(url: str, service: str, cloud: str, allowed_hosts: Iterable[str] = ()) -> bool:
    """Whether a token for ``service`` may be sent to ``url``: an https URL on a host under the
    service's Azure domains for ``cloud``, or on a host the user allowed, or a loopback URL."""
    try:
        url = normalize_url(url)
    except VerifyError:
        return False
    parts = urlsplit(url)
    host = parts.hostname or ""
    if is_loopback(host):
        return True
    if parts.scheme != "https":
        return False
    return azure_domain(host, service, cloud) is not None or host in _hosts(allowed_hosts)


def _hosts(allowed_hosts: Iterable[str]) -> set[str]:
    out = set()
    for raw in allowed_hosts:
        try:
            out.add(_canonical_host(raw.strip().lower()))
        except VerifyError:
            continue
    return out


def domains_words(service: str, cloud: str) -> str:
    return ", ".join(f"*.{d}" for d in TOKEN_DOMAINS.get(service, {}).get(cloud, ()))


def refuse_explicit(targets: Iterable[Target], cloud: str, allowed_hosts: Iterable[str]) -> None:
    """Raise VerifyError naming every https ``--endpoint`` host outside the service's Azure domains
    that ``--allow-host`` does not allow (plain http is refused by :func:`run`, as before)."""
    refused: dict[str, str] = {}
    for t in targets:
        if t.source != "--endpoint" or t.url is None or urlsplit(t.url).scheme != "https":
            continue
        if not token_may_go(t.url, t.service, cloud, allowed_hosts):
            refused.setdefault(_host(t.url), t.service)
    if refused:
        host, service = next(iter(refused.items()))
        raise VerifyError(
            f"--endpoint host {', '.join(refused)} is not under the Azure domains that may "
            f"receive a {_service_words(service)} token in the {cloud} cloud "
            f"({domains_words(service, cloud)}): no token was requested and no request made. "
            f"If you trust it (a gateway that accepts Entra ID tokens, say), add "
            f"--allow-host {host} to send it the token"
        )


def allowed_non_azure(targets: Iterable[Target], cloud: str) -> list[str]:
    """The hosts of ``--endpoint`` targets that get a token only because the user allowed them."""
    hosts: list[str] = []
    for t in targets:
        if t.source != "--endpoint" or t.url is None or urlsplit(t.url).scheme != "https":
            continue
        host = _host(t.url)
        if is_loopback(host) or azure_domain(host, t.service, cloud) or host in hosts:
            continue
        hosts.append(host)
    return hosts


def resolve_resource(resource: str, environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(url, None) for a roles resource key, or (None, why not)."""
    kind, _, value = resource.partition(":")
    if kind == "env":
        if _SECRET_NAME.search(value):
            return (
                None,
                f"{value} is named like a secret, so verify does not read it: pass --endpoint URL",
            )
        raw = environ.get(value)
        if raw is None or not raw.strip():
            return None, (
                f"{value} is not set here: set it to the endpoint the deployed code uses, "
                "or pass --endpoint URL"
            )
        try:
            return normalize_url(raw), None
        except VerifyError as exc:
            return None, f"{value} {exc}: set it to the endpoint URL, or pass --endpoint URL"
    if kind == "host":
        try:  # refined from the code's own literal when it is known (targets_from_analysis)
            return normalize_url(f"https://{value}"), None
        except VerifyError as exc:
            return None, f"the host written in the code {exc}: pass --endpoint URL"
    if kind == "expr":
        return None, f"the endpoint is computed in code (`{value}`): pass --endpoint URL"
    return None, "the client's endpoint is not visible in the code: pass --endpoint URL"


def index_names(clients: Iterable[tuple[str, object]], service: str, resource: str) -> list[str]:
    """Index names the code gives the search clients of one resource.

    The one place that reads them from the analysis: a client record's ``index_name`` field, when
    the analysis provides one (azure-search-documents calls the parameter ``index_name``).
    """
    found: list[str] = []
    for _, client in clients:
        if getattr(client, "service", None) != service or roles.resource_key(client) != resource:  # type: ignore[arg-type]
            continue
        name = getattr(client, "index_name", None)
        if isinstance(name, str) and name and name not in found:
            found.append(name)
    return found


def targets_from_analysis(
    assignments: Iterable[roles.Assignment],
    clients: Iterable[tuple[str, object]],
    environ: Mapping[str, str],
    index: str | None = None,
) -> list[Target]:
    clients = list(clients)
    targets: list[Target] = []
    for a in assignments:
        urls: list[tuple[str | None, str | None]] = [resolve_resource(a.resource, environ)]
        if a.resource.startswith("host:"):
            urls = literal_urls(clients, a.service, a.resource) or urls
        if a.service not in SERVICES:
            urls = [(None, f"verify has no read-only check for the {a.service} service yet")]
        evidence = tuple(f"{e.path}:{e.line} {e.what}" for e in a.evidence)
        indexes: list[str | None] = [None]
        if a.service == "search":
            indexes = (
                [index] if index else list(index_names(clients, a.service, a.resource)) or [None]
            )
        for url, problem in urls:
            for name in indexes:
                targets.append(
                    Target(a.service, a.resource, url, a.role, "code", name, evidence, problem)
                )
    return _dedupe(targets)


def literal_urls(
    clients: Iterable[tuple[str, object]], service: str, resource: str
) -> list[tuple[str | None, str | None]]:
    """(url, problem) for each endpoint string literal the clients of one ``host:`` resource use.

    The resource key keeps only the host; the URL is read again from the literal's value, so its
    port, scheme and real host (``"https://x.openai.azure.com\\x40evil.example"`` is not on
    Azure) are the ones the code would use.
    """
    found: list[tuple[str | None, str | None]] = []
    for _, client in clients:
        if getattr(client, "service", None) != service or roles.resource_key(client) != resource:  # type: ignore[arg-type]
            continue
        try:
            value = ast.literal_eval(str(getattr(client, "endpoint", "")))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            value = None
        if isinstance(value, bytes) or not isinstance(value, str):
            item: tuple[str | None, str | None] = (
                None,
                "the endpoint is built in code around a literal host: pass --endpoint URL",
            )
        else:
            try:
                item = (normalize_url(value), None)
            except VerifyError as exc:
                item = (None, f"the endpoint written in the code {exc}: pass --endpoint URL")
        if item not in found:
            found.append(item)
    return found


def explicit_targets(
    urls: Iterable[str],
    service: str,
    assignments: Iterable[roles.Assignment] = (),
    index: str | None = None,
) -> list[Target]:
    """Targets for ``--endpoint``; the role comes from the analysis of PATH when one was given."""
    if service not in SERVICES:
        raise VerifyError(f"unknown service {service!r}: choose one of {', '.join(SERVICES)}")
    needed = [a for a in assignments if a.service == service]
    if needed:
        role, basis = roles.widest(a.role for a in needed), "code"
        evidence = tuple(f"{e.path}:{e.line} {e.what}" for a in needed for e in a.evidence)
    else:
        role, basis, evidence = _DEFAULT_ROLE[service], "default", ()
    targets = []
    for raw in urls:
        try:
            url = normalize_url(raw)
        except VerifyError as exc:
            raise VerifyError(f"--endpoint {exc}") from None
        targets.append(Target(service, "--endpoint", url, role, basis, index, evidence))
    return _dedupe(targets)


def _dedupe(targets: list[Target]) -> list[Target]:
    seen: set[tuple[str, str | None, str | None, str]] = set()
    out = []
    for t in targets:
        key = (t.service, t.url, t.index, t.source if t.url is None else "")
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def scope_of(target: Target, options: MigrationOptions) -> str:
    """The scope the migrated code asks for (the same table the codemods use)."""
    return scope_for(target.service, options.cloud)


def probe_url(target: Target) -> str:
    """The cheapest read-only data-plane request for the target."""
    assert target.url is not None
    parts = urlsplit(target.url)
    root = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    if target.service == "search":
        if target.index:
            index = quote(target.index, safe="")
            return f"{root}{path}/indexes/{index}/docs/$count?api-version={SEARCH_API_VERSION}"
        return f"{root}{path}/indexes?api-version={SEARCH_API_VERSION}&$select=name"
    if target.service == "inference" and not _AI_SERVICES_HOST.match(_host(target.url)):
        return f"{root}{path}/info?api-version={INFERENCE_API_VERSION}"
    # Azure OpenAI, or an inference client on an Azure OpenAI / AI Services host: the resource's
    # OpenAI models list. A base URL's own /openai, /openai/v1 or /openai/deployments/X suffix
    # (and an AI Services /models suffix) is dropped: the list lives under the resource root.
    path = re.sub(r"/openai(/v1|/deployments/[^/]+)?$", "", path, flags=re.IGNORECASE)
    if target.service == "inference":
        path = re.sub(r"/models$", "", path, flags=re.IGNORECASE)
    return f"{root}{path}/openai/models?api-version={OPENAI_API_VERSION}"


# ======================================================================================
# The credential and the token
# ======================================================================================


@dataclass(frozen=True)
class CredentialInfo:
    kind: str  # managed-identity | default | chained
    expression: str  # the constructor call the migrated code contains
    client_id_env: str | None  # the variable the managed identity's client id comes from
    client_id: str | None  # its value here (a client id is an identifier, not a secret)
    note: str | None = None


def build_credential(options: MigrationOptions, environ: Mapping[str, str] | None = None):  # type: ignore[no-untyped-def]
    """The sync credential the migrated code builds for ``options``, and a description of it.

    Mirrors ``codemods.credential_setup.credential_expression`` (a test keeps the two in step).
    """
    environ = os.environ if environ is None else environ
    try:
        from azure.identity import (
            AzureCliCredential,
            ChainedTokenCredential,
            DefaultAzureCredential,
            ManagedIdentityCredential,
        )
    except ImportError:
        raise VerifyError(
            "verify needs the azure-identity package: pip install 'aoai-migrate[verify]'"
        ) from None
    from codemods.credential_setup import credential_expression  # LibCST: only when verifying

    expression, _ = credential_expression(options, is_async=False, both=False)
    client_id_env = (
        None
        if options.system_assigned or options.credential == "default"
        else options.client_id_env
    )
    client_id = environ.get(client_id_env) if client_id_env else None
    note = None
    if client_id_env and not client_id:
        note = (
            f"{client_id_env} is not set here, so the managed identity is the system-assigned one"
        )

    def managed_identity():  # type: ignore[no-untyped-def]
        if options.system_assigned:
            return ManagedIdentityCredential()
        return ManagedIdentityCredential(client_id=client_id)

    if options.credential == "default":
        credential = DefaultAzureCredential()
        if environ.get("AZURE_CLIENT_ID"):
            client_id_env, client_id = "AZURE_CLIENT_ID", environ.get("AZURE_CLIENT_ID")
    elif options.credential == "chained":
        credential = ChainedTokenCredential(managed_identity(), AzureCliCredential())
    else:
        credential = managed_identity()
    return credential, CredentialInfo(
        options.credential, expression, client_id_env, client_id, note
    )


@dataclass(frozen=True)
class Identity:
    """Who answered, read from the token's claims (never from a verified signature)."""

    credential: str  # the credential that produced the token
    chain: str | None  # the chain it belongs to (ChainedTokenCredential, DefaultAzureCredential)
    source: str | None  # for a managed identity, the kind of endpoint that served it
    tenant_id: str | None
    object_id: str | None
    app_id: str | None
    principal_type: str  # ServicePrincipal | User
    audience: str | None
    expires_on: int | None


def read_claims(token: str) -> dict:
    """The payload claims of a JWT, unverified; {} when it is not one. Never raises."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except Exception:  # noqa: BLE001 - and the message would carry part of the token
        return {}
    return data if isinstance(data, dict) else {}


def principal_type(claims: Mapping[str, object]) -> str:
    if claims.get("idtyp") == "user" or any(k in claims for k in ("scp", "upn", "unique_name")):
        return "User"
    return "ServicePrincipal"


class _IdentityLog(logging.Handler):
    """Collects azure-identity's log records while a token is acquired.

    ``ChainedTokenCredential`` (and ``DefaultAzureCredential``, a subclass) logs
    "<chain> acquired a token from <credential>" at INFO: that names the credential that answered.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._logger = logging.getLogger("azure.identity")
        self._saved: tuple[int, bool] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> _IdentityLog:
        self._saved = (self._logger.level, self._logger.propagate)
        self._logger.addHandler(self)
        self._logger.setLevel(logging.DEBUG)
        self._logger.propagate = False  # the chain's own warnings would otherwise reach stderr
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        if self._saved is not None:
            self._logger.setLevel(self._saved[0])
            self._logger.propagate = self._saved[1]

    def answered_by(self) -> str | None:
        for record in reversed(self.records):
            if record.msg == "%s acquired a token from %s" and isinstance(record.args, tuple):
                return str(record.args[1])
        return None

    def messages(self) -> list[str]:
        out = []
        for record in self.records:
            try:
                out.append(f"{record.levelname.lower()}: {record.name}: {record.getMessage()}")
            except Exception:  # noqa: BLE001 - a malformed record must not break the run
                continue
        return out


@dataclass
class _Grant:
    token: str | None = None
    identity: Identity | None = None
    error: str | None = None
    timed_out: bool = False


def _acquire(credential, scope: str, timeout: float, log: list[str]) -> _Grant:  # type: ignore[no-untyped-def]
    """Get one token in a worker thread, so a hanging source (IMDS, a CLI) cannot hang verify."""
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["token"] = credential.get_token(scope).token
        except BaseException as exc:  # noqa: BLE001 - reported, never re-raised
            box["error"] = exc

    with _IdentityLog() as capture:
        thread = threading.Thread(target=work, name="aoai-migrate-verify-token", daemon=True)
        thread.start()
        thread.join(timeout)
        log.extend(capture.messages())
        answered = capture.answered_by()
    if thread.is_alive():
        return _Grant(error=f"no token within {timeout:g} s", timed_out=True)
    if "error" in box:
        exc = box["error"]
        return _Grant(error=f"{type(exc).__name__}: {exc}")
    token = str(box["token"])
    chain_types = tuple(getattr(c, "__name__", "") for c in type(credential).__mro__)
    is_chain = "ChainedTokenCredential" in chain_types
    answering = getattr(credential, "_successful_credential", None) if is_chain else credential
    name = answered or (
        type(answering).__name__ if answering is not None else type(credential).__name__
    )
    inner = getattr(answering, "_credential", None)
    source = (
        type(inner).__name__ if inner is not None and name == "ManagedIdentityCredential" else None
    )
    claims = read_claims(token)
    identity = Identity(
        credential=name,
        chain=type(credential).__name__ if is_chain else None,
        source=source,
        tenant_id=_str(claims.get("tid")),
        object_id=_str(claims.get("oid")),
        app_id=_str(claims.get("appid") or claims.get("azp")),
        principal_type=principal_type(claims),
        audience=_str(claims.get("aud")),
        expires_on=claims.get("exp") if isinstance(claims.get("exp"), int) else None,
    )
    return _Grant(token=token, identity=identity)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


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
# Results
# ======================================================================================


@dataclass(frozen=True)
class EndpointResult:
    target: Target
    scope: str | None
    status: str
    explanation: str
    fixes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    identity: Identity | None = None
    request: str | None = None  # "GET <url>" (the URL has no secret in it)
    http_status: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    request_id: str | None = None
    elapsed_ms: int | None = None

    @property
    def ready(self) -> bool:
        return self.status == READY


@dataclass(frozen=True)
class Run:
    credential: CredentialInfo | None
    results: tuple[EndpointResult, ...]
    warnings: tuple[str, ...] = ()
    log: tuple[str, ...] = ()  # azure-identity's messages, redacted (shown with --verbose)

    @property
    def ready(self) -> bool:
        return bool(self.results) and all(r.ready for r in self.results)

    @property
    def return_code(self) -> int:
        return EXIT_READY if self.ready else EXIT_NOT_READY


class Redactor:
    """Removes every token this run acquired, and anything shaped like a JWT, from a text."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        if secret:
            self._secrets.add(secret)

    def __call__(self, text: str | None) -> str | None:
        if text is None:
            return None
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "<token redacted>")
        return _JWT.sub("<token redacted>", text)


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


def _service_words(service: str) -> str:
    return {"openai": "Azure OpenAI", "search": "Azure AI Search", "inference": "model inference"}[
        service
    ]


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


# ======================================================================================
# The run
# ======================================================================================


_INSECURE_TEXT = (
    "refused: plain http would send the token in clear text; Azure endpoints are https "
    "(http is allowed only for loopback test servers)"
)


def _not_azure_text(target: Target, cloud: str) -> str:
    host = _host(target.url or "")
    text = (
        f"refused: {host} is not under the Azure domains that may receive a "
        f"{_service_words(target.service)} token in the {cloud} cloud "
        f"({domains_words(target.service, cloud)}); no token was requested and no request made"
    )
    if _REGIONAL_HOST.search(host):
        text += (
            ". It is a regional endpoint, which accepts keys only: Entra ID tokens need the "
            "resource's own endpoint (https://NAME.openai.azure.com or "
            "https://NAME.cognitiveservices.azure.com)"
        )
    elif target.source == "--endpoint":
        text += f". To send it the token anyway, add --allow-host {host}"
    else:
        text += (
            ". If you trust it (a gateway that accepts Entra ID tokens, say), check it with "
            f"--endpoint URL --allow-host {host}"
        )
    return text


def run(
    targets: list[Target],
    options: MigrationOptions,
    *,
    http_timeout: float = DEFAULT_HTTP_TIMEOUT,
    token_timeout: float = DEFAULT_TOKEN_TIMEOUT,
    environ: Mapping[str, str] | None = None,
    warnings: Iterable[str] = (),
    allowed_hosts: Iterable[str] = (),
) -> Run:
    """Check every target. A token is requested and sent only for a target whose URL
    :func:`token_may_go`; ``allowed_hosts`` (``--allow-host``) counts for ``--endpoint`` targets
    only, never for an endpoint the code or the environment names."""
    allowed_hosts = tuple(allowed_hosts)
    redact = Redactor()
    log: list[str] = []
    results: list[EndpointResult] = []
    grants: dict[str, _Grant] = {}
    credential = None
    info: CredentialInfo | None = None
    hung = False
    try:
        for target in targets:
            if target.url is None:
                results.append(
                    EndpointResult(target, None, UNRESOLVED, target.problem or "no endpoint")
                )
                continue
            try:  # check and request the same spelling of the URL: its canonical one
                target = replace(target, url=normalize_url(target.url))
            except VerifyError as exc:
                text = f"the endpoint {exc}: no token was requested"
                results.append(EndpointResult(target, None, ENDPOINT_WRONG, text))
                continue
            scope = scope_of(target, options)
            scheme = urlsplit(target.url).scheme
            if scheme != "https" and not is_loopback(_host(target.url)):
                results.append(EndpointResult(target, scope, INSECURE, _INSECURE_TEXT))
                continue
            allowed = allowed_hosts if target.source == "--endpoint" else ()
            if not token_may_go(target.url, target.service, options.cloud, allowed):
                text = _not_azure_text(target, options.cloud)
                results.append(EndpointResult(target, scope, NOT_AZURE, text))
                continue
            if credential is None:
                credential, info = build_credential(options, environ)
            grant = grants.get(scope)
            if grant is None:
                grant = grants[scope] = _acquire(credential, scope, token_timeout, log)
                if grant.token:
                    redact.add(grant.token)
                hung |= grant.timed_out
            results.append(_check(target, scope, grant, options, http_timeout, redact))
    finally:
        if credential is not None and not hung and hasattr(credential, "close"):
            try:
                credential.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
    # The tokens go out of scope with `grants`; nothing returned holds one.
    return Run(
        info,
        tuple(_redacted(r, redact) for r in results),
        tuple(redact(w) or "" for w in warnings),
        tuple(redact(line) or "" for line in log),
    )


def _check(
    target: Target,
    scope: str,
    grant: _Grant,
    options: MigrationOptions,
    timeout: float,
    redact: Redactor,
) -> EndpointResult:
    if grant.token is None:
        return EndpointResult(
            target,
            scope,
            NO_TOKEN,
            _no_token_explanation(options, grant.error or "unknown error", grant.timed_out),
        )
    url = probe_url(target)
    try:
        answer = _get(url, grant.token, timeout)
    except Exception as exc:  # noqa: BLE001 - every transport failure is explained, none raised
        status, explanation = diagnose_exception(target, exc, timeout)
        return EndpointResult(
            target, scope, status, explanation, identity=grant.identity, request=f"GET {url}"
        )
    status, explanation, fixes, notes = diagnose_answer(
        target, scope, grant.identity, answer, options
    )
    code, message = _error_fields(answer.body) if answer.status >= 300 else (None, None)
    request_id = next(
        (
            answer.headers[h]
            for h in ("apim-request-id", "x-ms-request-id", "request-id", "x-request-id")
            if h in answer.headers
        ),
        None,
    )
    return EndpointResult(
        target,
        scope,
        status,
        explanation,
        tuple(fixes),
        tuple(notes),
        grant.identity,
        f"GET {url}",
        answer.status,
        code,
        message,
        request_id,
        answer.elapsed_ms,
    )


def _redacted(result: EndpointResult, redact: Redactor) -> EndpointResult:
    return replace(
        result,
        explanation=redact(result.explanation) or "",
        fixes=tuple(redact(f) or "" for f in result.fixes),
        notes=tuple(redact(n) or "" for n in result.notes),
        # Redact first, cut after: a cut could leave a piece of a token that no longer matches.
        error_message=_cut(redact(result.error_message)),
        error_code=_cut(redact(result.error_code), 100),
    )


def _cut(text: str | None, limit: int = _MESSAGE_LIMIT) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 3] + "..."


# ======================================================================================
# JSON
# ======================================================================================

SCHEMA_VERSION = 1


def to_json(run_result: Run) -> dict:
    """The ``--format json`` document (schema in the README's "verify" section)."""
    info = run_result.credential
    return {
        "schema": SCHEMA_VERSION,
        "ready": run_result.ready,
        "credential": (
            None
            if info is None
            else {
                "kind": info.kind,
                "expression": info.expression,
                "client_id_env": info.client_id_env,
                "client_id": info.client_id,
                "note": info.note,
            }
        ),
        "warnings": list(run_result.warnings),
        "endpoints": [_result_json(r) for r in run_result.results],
    }


def _result_json(r: EndpointResult) -> dict:
    t = r.target
    ident = r.identity
    return {
        "service": t.service,
        "endpoint": t.url,
        "source": t.source,
        "index": t.index,
        "scope": r.scope,
        "status": r.status,
        "ready": r.ready,
        "explanation": r.explanation,
        "fixes": list(r.fixes),
        "notes": list(r.notes),
        "role": {
            "name": t.role.name,
            "id": t.role.id,
            "basis": t.role_basis,
            "evidence": list(t.evidence),
        },
        "identity": (
            None
            if ident is None
            else {
                "credential": ident.credential,
                "chain": ident.chain,
                "source": ident.source,
                "tenant_id": ident.tenant_id,
                "object_id": ident.object_id,
                "app_id": ident.app_id,
                "principal_type": ident.principal_type,
                "audience": ident.audience,
                "expires_on": ident.expires_on,
            }
        ),
        "request": (
            None
            if r.request is None
            else {
                "method": "GET",
                "url": r.request.split(" ", 1)[1],
                "http_status": r.http_status,
                "error_code": r.error_code,
                "error_message": r.error_message,
                "request_id": r.request_id,
                "elapsed_ms": r.elapsed_ms,
            }
        ),
    }
