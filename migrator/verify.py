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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from codemods.options import MigrationOptions

# The names this command, its tests and its callers use, from the modules that do each job:
# what to check and where a token may go; the credential and the token; the request and its
# diagnosis. ``run`` looks up ``build_credential`` and ``_get`` here, where tests replace them.
from migrator.verify_probe import (  # noqa: F401
    _Answer,
    _error_fields,
    _get,
    _no_token_explanation,
    diagnose_answer,
    diagnose_exception,
    role_command,
    scope_argument,
)
from migrator.verify_targets import (  # noqa: F401
    _JWT,
    _MESSAGE_LIMIT,
    _REGIONAL_HOST,
    DEFAULT_HTTP_TIMEOUT,
    DEFAULT_TOKEN_TIMEOUT,
    ENDPOINT_WRONG,
    EXIT_NOT_READY,
    EXIT_READY,
    FORBIDDEN,
    INFERENCE_API_VERSION,
    INSECURE,
    NETWORK,
    NO_TOKEN,
    NOT_AZURE,
    NOT_FOUND,
    OPENAI_API_VERSION,
    READY,
    SEARCH_API_VERSION,
    SERVICE_ERROR,
    SERVICES,
    THROTTLED,
    TOKEN_DOMAINS,
    UNAUTHORIZED,
    UNEXPECTED,
    UNRESOLVED,
    WRONG_TENANT,
    Target,
    VerifyError,
    _host,
    _service_words,
    allowed_non_azure,
    azure_domain,
    domains_words,
    explicit_targets,
    index_names,
    is_loopback,
    literal_urls,
    normalize_url,
    probe_url,
    refuse_explicit,
    resolve_resource,
    scope_of,
    targets_from_analysis,
    token_may_go,
)
from migrator.verify_token import (  # noqa: F401
    CredentialInfo,
    Identity,
    _acquire,
    _Grant,
    build_credential,
    principal_type,
    read_claims,
)

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
