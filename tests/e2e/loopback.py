"""Loopback stand-ins for the Azure services that migrated programs talk to.

Everything here binds to 127.0.0.1 only and uses the standard library only.

* :class:`IdentityEndpoint` emulates the App Service managed-identity endpoint
  (``IDENTITY_ENDPOINT`` / ``IDENTITY_HEADER``), which the real
  ``azure.identity.ManagedIdentityCredential`` (sync and ``aio``) calls for tokens.
* :class:`AzureOpenAIEndpoint` emulates the data plane of an Azure OpenAI resource:
  the deployment routes used by ``openai.AzureOpenAI`` and the ``/openai/v1/`` routes
  used by ``openai.OpenAI(base_url=...)``, with ``api-key`` / ``Authorization: Bearer``
  checks and Azure-style error bodies.
* :func:`run_program` runs a Python file in a subprocess with a clean environment, so
  nothing from the parent's AZURE_* / OPENAI_* variables or proxies leaks in.

Both servers record every request they receive so a test can assert what the real
client libraries actually sent on the wire.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import ssl
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

LOOPBACK_HOST = "127.0.0.1"

# Made-up identifiers (version-4 GUID shape) used as the default token claims.
DEFAULT_TENANT_ID = "00000000-0000-4000-8000-0000000000a1"
DEFAULT_OBJECT_ID = "00000000-0000-4000-8000-0000000000b2"
DEFAULT_APP_ID = "00000000-0000-4000-8000-0000000000c3"

COGNITIVE_SERVICES_RESOURCE = "https://cognitiveservices.azure.com"

# The embedding vector served by AzureOpenAIEndpoint; each value is exact in float32,
# so it survives the base64 float32 encoding that openai asks for by default.
EMBEDDING_VECTOR = [0.5, -0.25, 0.125, 1.0]


_ServerT = TypeVar("_ServerT", bound="_LoopbackServer")


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as a stand-in received it.

    ``query`` maps each parameter to its last value; ``headers`` has lower-cased names;
    ``body`` is the parsed JSON body, the raw text if it was not JSON, or None if empty.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None


@dataclass
class _Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    # Server-sent events: each item is sent as one ``data:`` line, then ``data: [DONE]``.
    events: list[Any] | None = None


class _LoopbackServer:
    """Shared plumbing: a ThreadingHTTPServer on 127.0.0.1:<OS-chosen port> served from a
    daemon thread, started by ``__enter__`` (or :meth:`start`) and stopped by ``__exit__``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # When set (before start), the server speaks https with this context (see tests/e2e/tls.py).
        self.ssl_context: ssl.SSLContext | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self: _ServerT) -> _ServerT:
        if self._httpd is not None:
            return self
        httpd = ThreadingHTTPServer((LOOPBACK_HOST, 0), _Handler)
        httpd.daemon_threads = True
        httpd.owner = self  # type: ignore[attr-defined]
        if self.ssl_context is not None:
            httpd.socket = self.ssl_context.wrap_socket(httpd.socket, server_side=True)
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self: _ServerT) -> _ServerT:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not running")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (``https`` with an ssl_context; no trailing slash)."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{LOOPBACK_HOST}:{self.port}"

    # -- recording -------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot (copy) of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _handle(self, request: RecordedRequest) -> _Reply:  # pragma: no cover - abstract
        raise NotImplementedError


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, no keep-alive bookkeeping needed.
    protocol_version = "HTTP/1.0"
    server_version = "loopback"
    sys_version = ""

    def _serve(self) -> None:
        owner: _LoopbackServer = self.server.owner  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        parsed = parse_qs(parts.query, keep_blank_values=True)
        query = {name: values[-1] for name, values in parsed.items()}
        headers = {name.lower(): value for name, value in self.headers.items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        body: Any = None
        if raw:
            text = raw.decode("utf-8", errors="replace")
            try:
                body = json.loads(text)
            except ValueError:
                body = text
        request = RecordedRequest(self.command, parts.path, query, headers, body)
        owner._record(request)
        try:
            reply = owner._handle(request)
        except Exception as exc:  # a bug in a stand-in must show up, not hang the client
            reply = _Reply(500, {"error": {"code": "LoopbackError", "message": repr(exc)}})
        payload = json.dumps(reply.body).encode("utf-8")
        content_type = "application/json"
        if reply.events is not None:
            lines = [f"data: {json.dumps(event)}\n\n" for event in reply.events]
            payload = "".join([*lines, "data: [DONE]\n\n"]).encode("utf-8")
            content_type = "text/event-stream"
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        pass


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def decode_jwt_claims(token: str) -> dict[str, Any]:
    """Return the (unverified) payload claims of a JWT-shaped token."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# ======================================================================================
# Managed identity
# ======================================================================================


class IdentityEndpoint(_LoopbackServer):
    """Emulates the App Service managed-identity token endpoint (API version 2019-08-01).

    The real ``ManagedIdentityCredential`` picks the App Service source when both
    ``IDENTITY_ENDPOINT`` and ``IDENTITY_HEADER`` are set (see :meth:`env`). It sends
    ``GET /msi/token?api-version=2019-08-01&resource=<scope without /.default>``, plus
    ``client_id=<id>`` for a user-assigned identity, with header ``X-IDENTITY-HEADER: <secret>``.

    The endpoint answers with a JWT-shaped, unsigned (``alg: none``) access token whose
    claims are ``aud`` (= the requested resource), ``tid``, ``oid``, ``appid`` (= the
    requested ``client_id`` if any, else ``app_id``), plus ``iss``/``iat``/``nbf``/``exp``/``sub``.
    The token is deterministic for a given (resource, client_id), see :meth:`token_for`.

    ``error_status`` (settable at any time) makes it answer every token request with that
    status and an App Service-style ``{"statusCode": ..., "message": ...}`` body. Prefer 4xx:
    the credential retries a 5xx three times with backoff (about 5 s per token request).
    """

    TOKEN_PATH = "/msi/token"

    def __init__(
        self,
        *,
        tenant_id: str = DEFAULT_TENANT_ID,
        object_id: str = DEFAULT_OBJECT_ID,
        app_id: str = DEFAULT_APP_ID,
        secret: str | None = None,
        error_status: int | None = None,
        error_message: str | None = None,
    ) -> None:
        super().__init__()
        self.tenant_id = tenant_id
        self.object_id = object_id
        self.app_id = app_id
        self.secret = secret or secrets.token_hex(16)
        self.error_status = error_status
        self.error_message = error_message
        # Fixed at construction so that token_for() can predict the exact token served.
        self.issued_at = int(time.time())

    @property
    def token_url(self) -> str:
        return self.url + self.TOKEN_PATH

    def env(self) -> dict[str, str]:
        """Environment that points ManagedIdentityCredential (sync and aio) at this server."""
        return {"IDENTITY_ENDPOINT": self.token_url, "IDENTITY_HEADER": self.secret}

    def claims_for(self, resource: str, client_id: str | None = None) -> dict[str, Any]:
        return {
            "aud": resource,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": self.issued_at,
            "nbf": self.issued_at,
            "exp": self.issued_at + 86400,
            "tid": self.tenant_id,
            "oid": self.object_id,
            "sub": self.object_id,
            "appid": client_id or self.app_id,
            "idtyp": "app",
        }

    def token_for(
        self, resource: str = COGNITIVE_SERVICES_RESOURCE, client_id: str | None = None
    ) -> str:
        """The exact access token this endpoint serves for ``resource`` (and ``client_id``)."""
        header = _b64url(_compact_json({"alg": "none", "typ": "JWT"}))
        claims = _b64url(_compact_json(self.claims_for(resource, client_id)))
        return f"{header}.{claims}.{_b64url(b'unsigned')}"

    def token_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == self.TOKEN_PATH]

    def resources_requested(self) -> list[str | None]:
        """The ``resource`` query parameter of every token request, in order."""
        return [r.query.get("resource") for r in self.token_requests()]

    def client_ids_requested(self) -> list[str | None]:
        """The ``client_id`` query parameter of every token request (None: system-assigned)."""
        return [r.query.get("client_id") for r in self.token_requests()]

    def _error(self, status: int, message: str) -> _Reply:
        return _Reply(status, {"statusCode": status, "message": message})

    def _handle(self, request: RecordedRequest) -> _Reply:
        if request.path != self.TOKEN_PATH:
            return self._error(404, f"No route for {request.path}")
        if request.method != "GET":
            return self._error(405, f"Method {request.method} not allowed")
        if request.headers.get("x-identity-header") != self.secret:
            return self._error(401, "Missing or invalid X-IDENTITY-HEADER")
        if self.error_status is not None:
            message = self.error_message or "Token request failed (forced by test)"
            return self._error(self.error_status, message)
        resource = request.query.get("resource")
        if not resource:
            return self._error(400, "Missing required parameter 'resource'")
        client_id = request.query.get("client_id")
        now = int(time.time())
        return _Reply(
            200,
            {
                "access_token": self.token_for(resource, client_id),
                "expires_in": "3599",
                "expires_on": str(now + 3599),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": client_id or self.app_id,
            },
        )


# ======================================================================================
# Azure OpenAI data plane
# ======================================================================================

_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/openai/deployments/(?P<dep>[^/]+)/chat/completions$"), "chat"),
    ("POST", re.compile(r"^/openai/deployments/(?P<dep>[^/]+)/embeddings$"), "embeddings"),
    ("POST", re.compile(r"^/openai/deployments/(?P<dep>[^/]+)/completions$"), "completions"),
    ("POST", re.compile(r"^/openai/v1/chat/completions$"), "chat"),
    ("POST", re.compile(r"^/openai/v1/embeddings$"), "embeddings"),
    ("POST", re.compile(r"^/openai/v1/responses$"), "responses"),
    ("GET", re.compile(r"^/openai/(v1/)?models$"), "models"),
    ("GET", re.compile(r"^/openai/deployments$"), "deployments"),
]

# Data actions named in Azure's PermissionDenied message, per route kind.
_DATA_ACTIONS = {
    "chat": "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
    "embeddings": "Microsoft.CognitiveServices/accounts/OpenAI/deployments/embeddings/action",
    "completions": "Microsoft.CognitiveServices/accounts/OpenAI/deployments/completions/action",
}

_KEY_401 = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a "
    "valid key for an active subscription and use a correct regional API endpoint for your "
    "resource."
)
_BEARER_401 = (
    "Unauthorized. Access token is missing, invalid, audience is incorrect "
    "(https://cognitiveservices.azure.com), or have expired."
)


class AzureOpenAIEndpoint(_LoopbackServer):
    """Emulates the data plane of an Azure OpenAI resource at ``http://127.0.0.1:PORT``.

    Routes (answered with bodies the real ``openai`` client parses into its typed objects):

    * POST ``/openai/deployments/<dep>/chat/completions`` and ``/openai/v1/chat/completions``:
      one choice whose assistant message is ``"echo: <last user message>"``.
    * POST ``/openai/deployments/<dep>/embeddings`` and ``/openai/v1/embeddings``: one
      :data:`EMBEDDING_VECTOR` per input (base64 float32 when ``encoding_format=base64``,
      which openai requests by default, else a float list).
    * POST ``/openai/deployments/<dep>/completions``: one text choice echoing the prompt.
    * POST ``/openai/v1/responses``: a completed response with one output_text message.
    * GET ``/openai/models``, ``/openai/v1/models``: model list; GET ``/openai/deployments``.

    Authentication: accepted when ``api-key`` is in ``api_keys`` or ``Authorization: Bearer <t>``
    has ``t`` in ``tokens`` (on ``/openai/v1/`` paths, also a bearer value in ``api_keys``); otherwise 401 with an Azure-style ``{"error": {...}}`` body.
    ``force_status`` (settable at any time) answers every request with that status instead
    (403 gives Azure's ``PermissionDenied`` body naming the caller's ``oid``); ``force_body``
    overrides the error body. When ``deployments`` is given, other deployment names get 404
    ``DeploymentNotFound``. Error answers carry ``x-should-retry: false`` (not an Azure header)
    so the openai client does not spend time retrying 429/5xx. ``tls`` (a server-side
    SSLContext, see tests/e2e/tls.py) makes it serve https instead of http.
    """

    def __init__(
        self,
        *,
        api_keys: Iterable[str] = (),
        tokens: Iterable[str] = (),
        deployments: Iterable[str] | None = None,
        force_status: int | None = None,
        force_body: Any = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__()
        self.ssl_context = tls
        self.api_keys: set[str] = set(api_keys)
        self.tokens: set[str] = set(tokens)
        self.deployments: list[str] | None = list(deployments) if deployments is not None else None
        self.force_status = force_status
        self.force_body = force_body

    # -- helpers for tests -------------------------------------------------------------
    def auth_headers_seen(self) -> list[tuple[str, str]]:
        """Per request, in order: ("api-key", value) and/or ("bearer", token) it carried.

        An ``Authorization`` header that is not a bearer token appears as ("authorization", value).
        """
        seen: list[tuple[str, str]] = []
        for request in self.requests:
            if "api-key" in request.headers:
                seen.append(("api-key", request.headers["api-key"]))
            authorization = request.headers.get("authorization")
            if authorization is not None:
                scheme, _, value = authorization.partition(" ")
                if scheme.lower() == "bearer":
                    seen.append(("bearer", value.strip()))
                else:
                    seen.append(("authorization", authorization))
        return seen

    # -- request handling --------------------------------------------------------------
    @staticmethod
    def _bearer(request: RecordedRequest) -> str | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None

    def _authorized(self, request: RecordedRequest) -> bool:
        key = request.headers.get("api-key")
        token = self._bearer(request)
        key_ok = key is not None and key in self.api_keys
        # The v1 endpoint also takes the key as a bearer value: that is what the plain OpenAI
        # client sends when it is given an Azure key.
        if request.path.startswith("/openai/v1/") and token is not None and token in self.api_keys:
            key_ok = True
        return key_ok or (token is not None and token in self.tokens)

    @staticmethod
    def _error(status: int, code: str, message: str) -> _Reply:
        body = {"error": {"code": code, "message": message}}
        return _Reply(status, body, {"x-should-retry": "false"})

    def _unauthorized(self, request: RecordedRequest) -> _Reply:
        if "api-key" not in request.headers and self._bearer(request) is not None:
            return self._error(401, "401", _BEARER_401)
        return self._error(401, "401", _KEY_401)

    def _forced(self, request: RecordedRequest, status: int, kind: str | None) -> _Reply:
        if self.force_body is not None:
            return _Reply(status, self.force_body, {"x-should-retry": "false"})
        if status == 401:
            return self._unauthorized(request)
        if status == 403:
            principal = "unknown"
            token = self._bearer(request)
            if token:
                try:
                    principal = decode_jwt_claims(token).get("oid", principal)
                except (ValueError, IndexError):
                    pass
            action = _DATA_ACTIONS.get(kind or "")
            needs = f"the required data action `{action}`" if action else "the required data action"
            message = (
                f"The principal `{principal}` lacks {needs} to perform "
                f"`{request.method} {request.path}` operation."
            )
            return self._error(403, "PermissionDenied", message)
        if status == 404:
            return self._error(404, "404", "Resource not found")
        if status == 429:
            message = "Requests to the API have exceeded the rate limit (forced by test)."
            return self._error(429, "429", message)
        return self._error(status, str(status), f"Status {status} forced by test.")

    def _route(self, request: RecordedRequest) -> tuple[str, str | None] | None:
        for method, pattern, kind in _ROUTES:
            match = pattern.match(request.path)
            if match and request.method == method:
                return kind, match.groupdict().get("dep")
        return None

    def _handle(self, request: RecordedRequest) -> _Reply:
        route = self._route(request)
        if self.force_status is not None:
            return self._forced(request, self.force_status, route[0] if route else None)
        if not self._authorized(request):
            return self._unauthorized(request)
        if route is None:
            return self._error(404, "404", "Resource not found")
        kind, deployment = route
        known = self.deployments
        if deployment is not None and known is not None and deployment not in known:
            message = (
                "The API deployment for this resource does not exist. If you created the "
                "deployment within the last 5 minutes, please wait a moment and try again."
            )
            return self._error(404, "DeploymentNotFound", message)
        body = request.body if isinstance(request.body, dict) else {}
        model = deployment or str(body.get("model") or "unknown-model")
        builder = getattr(self, f"_body_{kind}")
        whole = builder(body, model)
        headers = {"x-request-id": str(uuid.uuid4())}
        if body.get("stream") is True and kind in ("chat", "completions"):
            return _Reply(200, None, headers, _events(whole))
        return _Reply(200, whole, headers)

    # -- response bodies ---------------------------------------------------------------
    @staticmethod
    def _text_of(value: Any) -> str:
        """Flatten a message content / prompt / input (string or list of parts) to text."""
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            return " ".join(filter(None, (AzureOpenAIEndpoint._text_of(v) for v in value)))
        if isinstance(value, dict):
            for key in ("text", "content"):
                if key in value:
                    return AzureOpenAIEndpoint._text_of(value[key])
        return ""

    @staticmethod
    def _usage(prompt_tokens: int = 5, completion_tokens: int = 3) -> dict[str, int]:
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }

    def _body_chat(self, body: dict, model: str) -> dict:
        messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
        user = [m for m in messages if m.get("role") == "user"] or messages
        said = self._text_of(user[-1].get("content")) if user else ""
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "logprobs": None,
                    "message": {"role": "assistant", "content": f"echo: {said}", "refusal": None},
                }
            ],
            "usage": self._usage(),
        }

    def _body_completions(self, body: dict, model: str) -> dict:
        return {
            "id": f"cmpl-{uuid.uuid4().hex}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "logprobs": None,
                    "text": f"echo: {self._text_of(body.get('prompt'))}",
                }
            ],
            "usage": self._usage(),
        }

    def _body_embeddings(self, body: dict, model: str) -> dict:
        inputs = body.get("input")
        # A list of strings or of token lists is a batch; a string or flat token list is one.
        if isinstance(inputs, list) and inputs and isinstance(inputs[0], (str, list)):
            count = len(inputs)
        else:
            count = 1
        if body.get("encoding_format") == "base64":
            packed = struct.pack(f"<{len(EMBEDDING_VECTOR)}f", *EMBEDDING_VECTOR)
            vector: Any = base64.b64encode(packed).decode("ascii")
        else:
            vector = list(EMBEDDING_VECTOR)
        return {
            "object": "list",
            "model": model,
            "data": [
                {"object": "embedding", "index": i, "embedding": vector} for i in range(count)
            ],
            "usage": {"prompt_tokens": 4 * count, "total_tokens": 4 * count},
        }

    def _body_responses(self, body: dict, model: str) -> dict:
        text = f"echo: {self._text_of(body.get('input'))}"
        return {
            "id": f"resp_{uuid.uuid4().hex}",
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": model,
            "output": [
                {
                    "id": f"msg_{uuid.uuid4().hex}",
                    "type": "message",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                }
            ],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": {
                "input_tokens": 5,
                "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                "output_tokens": 3,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 8,
            },
        }

    def _model_names(self) -> list[str]:
        if self.deployments is not None:
            return self.deployments
        return ["gpt-4o", "text-embedding-3-small"]

    def _body_models(self, body: dict, model: str) -> dict:
        return {
            "object": "list",
            "data": [
                {"id": name, "object": "model", "created": 1715558400, "owned_by": "system"}
                for name in self._model_names()
            ],
        }

    def _body_deployments(self, body: dict, model: str) -> dict:
        return {
            "object": "list",
            "data": [
                {
                    "id": name,
                    "model": name,
                    "object": "deployment",
                    "owner": "organization-owner",
                    "status": "succeeded",
                    "created_at": 1715558400,
                    "updated_at": 1715558400,
                    "scale_settings": {"scale_type": "standard"},
                }
                for name in self._model_names()
            ],
        }


# ======================================================================================
# Running a program
# ======================================================================================

_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def _events(whole: dict) -> list[dict]:
    """A chat or text completion as Azure streams it: a first chunk with no choices (the
    prompt's content-filter results), the role, the text word by word, then the finish."""
    chat = whole["object"] == "chat.completion"
    base = {k: whole[k] for k in ("id", "created", "model")}
    base["object"] = "chat.completion.chunk" if chat else "text_completion"
    choice = whole["choices"][0]
    text = choice["message"]["content"] if chat else choice["text"]
    words = text.split(" ")
    pieces = [w if i == 0 else " " + w for i, w in enumerate(words)]

    def chunk(part: dict, finish: str | None = None) -> dict:
        body = {"index": 0, "finish_reason": finish, **part}
        return {**base, "choices": [body]}

    if chat:
        events = [{**base, "model": "", "choices": [], "prompt_filter_results": []}]
        events.append(chunk({"delta": {"role": "assistant", "content": ""}}))
        events += [chunk({"delta": {"content": p}}) for p in pieces]
        events.append(chunk({"delta": {}}, "stop"))
        return events
    return [chunk({"text": p}) for p in pieces] + [chunk({"text": ""}, "stop")]


def clean_env(env: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """A minimal environment (PATH, HOME, SYSTEMROOT if present) plus ``env``.

    Nothing else of the parent's environment is inherited: no AZURE_*, OPENAI_*,
    IDENTITY_* or proxy variables. ``NO_PROXY``/``no_proxy`` cover 127.0.0.1 and
    localhost. A value of None in ``env`` removes that variable.
    """
    base = {name: os.environ[name] for name in ("PATH", "HOME", "SYSTEMROOT") if name in os.environ}
    base.update(
        {
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONIOENCODING": "utf-8",
        }
    )
    for name, value in (env or {}).items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    for name in _PROXY_VARS:
        base.pop(name, None)
    return base


def run_program(
    script_path: str | os.PathLike[str],
    env: Mapping[str, str | None] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the Python file ``script_path`` with this interpreter (``sys.executable``) and
    :func:`clean_env` ``(env)``; ``cwd`` defaults to the script's directory.

    Returns the CompletedProcess (text stdout/stderr); does not raise on a non-zero exit.
    """
    script = os.fspath(script_path)
    return subprocess.run(
        [sys.executable, script],
        env=clean_env(env),
        cwd=os.fspath(cwd) if cwd is not None else os.path.dirname(os.path.abspath(script)),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
