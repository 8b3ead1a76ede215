"""LangChain's AzureSearch vector store end to end, against the https Search stand-in.

The key-based program runs first with its key (the stand-in checks it), then the migrated one
runs with no key: the sync client (index read and queries) and the async client must both send
the managed identity's bearer token, never DefaultAzureCredential's.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from codemods.options import MigrationOptions
from migrator.engine import migrate_source

from .loopback import IdentityEndpoint, RecordedRequest, _Reply, run_program
from .search_loopback import SEARCH_RESOURCE, AzureSearchEndpoint
from .tls import LoopbackTLS, make_loopback_tls

KEY = "e2e-store-key-0123456789abcdef0123"
CLIENT_ID = "44444444-5555-4666-8777-888888888888"
_INDEX = re.compile(r"^/indexes\('(?P<index>[^']+)'\)$")

DOCS = [
    {"id": "1", "content": "Harbour luxury suites", "metadata": '{"source": "a.md"}'},
    {"id": "2", "content": "Budget inn", "metadata": '{"source": "b.md"}'},
]


class StoreSearchEndpoint(AzureSearchEndpoint):
    """The Search stand-in, plus the index definition the vector store reads when built."""

    def _handle(self, request: RecordedRequest) -> _Reply:
        reply = super()._handle(request)
        match = _INDEX.match(request.path)
        if reply.status == 404 and match and request.method == "GET":
            if match["index"] not in self.indexes:
                return reply
            return _Reply(200, {"name": match["index"], "fields": _FIELDS})
        return reply


_FIELDS = [
    {"name": "id", "type": "Edm.String", "key": True, "filterable": True},
    {"name": "content", "type": "Edm.String", "searchable": True},
    {"name": "content_vector", "type": "Collection(Edm.Single)", "searchable": True,
     "dimensions": 3, "vectorSearchProfile": "myHnswProfile"},
    {"name": "metadata", "type": "Edm.String", "searchable": True},
]  # fmt: skip

PROGRAM = """
import asyncio
import os

from langchain_community.vectorstores.azuresearch import AzureSearch


def embed(text):
    return [0.1, 0.2, 0.3]


store = AzureSearch(
    azure_search_endpoint=os.environ["AZURE_SEARCH_ENDPOINT"],
    azure_search_key=os.environ["AZURE_SEARCH_KEY"],
    index_name="docs",
    embedding_function=embed,
)
for doc in store.similarity_search("luxury", k=2):
    print("hit=" + doc.page_content)


async def main():
    for doc in await store.asimilarity_search("budget", k=2):
        print("ahit=" + doc.page_content)


asyncio.run(main())
"""


@pytest.fixture
def tls(tmp_path: Path) -> LoopbackTLS:
    certs = tmp_path / "certs"
    certs.mkdir()
    return make_loopback_tls(certs)


def _run(path: Path, env: dict[str, str]) -> dict[str, list[str]]:
    result = run_program(path, env, timeout=120)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    out: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        if "=" in line:
            name, value = line.split("=", 1)
            out.setdefault(name, []).append(value)
    return out


def test_azure_search_vector_store_sync_and_async(tmp_path, tls):
    pytest.importorskip("langchain_community.vectorstores.azuresearch")
    pytest.importorskip("azure.search.documents")
    path = tmp_path / "app.py"
    path.write_text(textwrap.dedent(PROGRAM), encoding="utf-8")
    server = tls.server_context()
    expected = {"hit": ["Harbour luxury suites"], "ahit": ["Budget inn"]}

    with StoreSearchEndpoint({"docs": DOCS}, api_keys=[KEY], tls=server) as search:
        env = {"AZURE_SEARCH_ENDPOINT": search.url, "AZURE_SEARCH_KEY": KEY, **tls.client_env()}
        assert _run(path, env) == expected
        assert {v for _, v in search.auth_headers_seen()} == {KEY}

    result = migrate_source(path.read_bytes(), MigrationOptions(), str(path))
    assert [c.outcome for c in result.clients] == ["migrated"], result.clients
    migrated = result.new.decode()
    assert "AZURE_SEARCH_KEY" not in migrated
    assert "azure_credential=credential" in migrated
    assert "azure_async_credential=async_credential" in migrated
    path.write_bytes(result.new)

    with IdentityEndpoint() as identity:
        token = identity.token_for(SEARCH_RESOURCE, CLIENT_ID)
        with StoreSearchEndpoint({"docs": DOCS}, tokens=[token], tls=server) as search:
            env = {
                "AZURE_SEARCH_ENDPOINT": search.url,
                "AZURE_CLIENT_ID": CLIENT_ID,
                **identity.env(),
                **tls.client_env(),
            }
            assert _run(path, env) == expected
            routes = [(r.method, r.path) for r in search.requests]
            assert routes.count(("GET", "/indexes('docs')")) == 2  # sync and async store
            assert routes.count(("POST", "/indexes('docs')/docs/search.post.search")) == 2
            assert set(search.auth_headers_seen()) == {("authorization", f"Bearer {token}")}
        assert set(identity.resources_requested()) == {SEARCH_RESOURCE}
        assert set(identity.client_ids_requested()) == {CLIENT_ID}
