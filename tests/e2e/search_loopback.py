"""Loopback stand-in for the data plane of an Azure AI Search service (127.0.0.1 only).

Routes, as azure-search-documents 12 builds them (``_operations/_operations.py``):

* POST ``/indexes('<index>')/docs/search.post.search``: every stored document whose string
  fields contain ``searchText`` (case-insensitive; ``*`` or empty matches all), each with
  ``@search.score``; ``@odata.count`` when ``count`` is true.
* GET ``/indexes('<index>')/docs/$count``: the number of stored documents, as a bare number.

Authentication: an ``api-key`` header in ``api_keys`` or ``Authorization: Bearer <t>`` with ``t``
in ``tokens``; otherwise 401 (403 for an unknown key, as the service does). An unknown index
is 404. Every request is recorded (see :attr:`requests`). azure-core refuses to send a bearer
token over http, so a token test serves https (``tls=`` a server SSLContext, tests/e2e/tls.py).
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterable, Mapping
from typing import Any

from .loopback import RecordedRequest, _LoopbackServer, _Reply

SEARCH_RESOURCE = "https://search.azure.com"

_SEARCH = re.compile(r"^/indexes\('(?P<index>[^']+)'\)/docs/search\.post\.search$")
_COUNT = re.compile(r"^/indexes\('(?P<index>[^']+)'\)/docs/\$count$")


class AzureSearchEndpoint(_LoopbackServer):
    def __init__(
        self,
        indexes: Mapping[str, list[dict[str, Any]]],
        *,
        api_keys: Iterable[str] = (),
        tokens: Iterable[str] = (),
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__()
        self.ssl_context = tls
        self.indexes = {name: list(docs) for name, docs in indexes.items()}
        self.api_keys = set(api_keys)
        self.tokens = set(tokens)

    def auth_headers_seen(self) -> list[tuple[str, str]]:
        """Per request, in order: ("api-key", value) and/or ("authorization", value)."""
        seen: list[tuple[str, str]] = []
        for request in self.requests:
            for name in ("api-key", "authorization"):
                if name in request.headers:
                    seen.append((name, request.headers[name]))
        return seen

    @staticmethod
    def _error(status: int, code: str, message: str) -> _Reply:
        return _Reply(status, {"error": {"code": code, "message": message}})

    def _handle(self, request: RecordedRequest) -> _Reply:
        key = request.headers.get("api-key")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        by_token = scheme.lower() == "bearer" and token.strip() in self.tokens
        if not (by_token or (key is not None and key in self.api_keys)):
            if key is not None:
                return self._error(403, "Forbidden", "Invalid api-key.")
            return self._error(401, "Unauthorized", "Authentication is required.")
        for pattern, method, answer in (
            (_SEARCH, "POST", self._search),
            (_COUNT, "GET", self._count),
        ):
            match = pattern.match(request.path)
            if match and request.method == method:
                docs = self.indexes.get(match["index"])
                if docs is None:
                    message = f"The index '{match['index']}' for service was not found."
                    return self._error(404, "ResourceNotFound", message)
                return answer(request, docs)
        return self._error(404, "ResourceNotFound", f"No route for {request.method} {request.path}")

    @staticmethod
    def _search(request: RecordedRequest, docs: list[dict[str, Any]]) -> _Reply:
        body = request.body if isinstance(request.body, dict) else {}
        text = str(body.get("search") or "*").strip().lower()
        hits = [
            {"@search.score": 1.0, **doc}
            for doc in docs
            if text == "*" or any(isinstance(v, str) and text in v.lower() for v in doc.values())
        ]
        reply: dict[str, Any] = {"value": hits}
        if body.get("count"):
            reply["@odata.count"] = len(hits)
        return _Reply(200, reply)

    @staticmethod
    def _count(request: RecordedRequest, docs: list[dict[str, Any]]) -> _Reply:
        return _Reply(200, len(docs))
