"""What `aoai-migrate verify` checks: the endpoints (from the analysis, the environment or
``--endpoint``), the hosts a token may go to (the service's Azure domains for the chosen cloud,
or loopback), the scope and the URL probed for each. The rules are in ``migrator.verify``.
"""

from __future__ import annotations

import ast
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


def _service_words(service: str) -> str:
    return {"openai": "Azure OpenAI", "search": "Azure AI Search", "inference": "model inference"}[
        service
    ]
