"""End to end: a class that builds its AzureKeyCredential in ``__init__`` and hands it to a
search client in a method (``codemods.credential_flow``). Run with its key first (the stand-in
checks credentials), migrated, then again with only the managed identity: every request carries
a bearer token and no ``api-key`` header."""

from __future__ import annotations

import textwrap

import pytest

from codemods.options import MigrationOptions
from migrator.engine import migrate_source

from .loopback import IdentityEndpoint, run_program
from .search_loopback import SEARCH_RESOURCE, AzureSearchEndpoint
from .tls import make_loopback_tls

KEY = "e2e-flow-key-0123456789abcdef0123456"
CLIENT_ID = "44444444-5555-4666-8777-888888888888"
DOCS = [
    {"id": "1", "Title": "Keyless search with a managed identity"},
    {"id": "2", "Title": "Rotating admin keys"},
    {"id": "3", "Title": "Managed identity for the indexer"},
]

PROGRAM = """
import os

from azure.core.credentials import AzureKeyCredential
from azure.search.documents import SearchClient


class Articles:
    def __init__(self):
        self.endpoint = os.environ["AZURE_SEARCH_ENDPOINT"]
        self.credentials = AzureKeyCredential(os.environ["AZURE_SEARCH_ADMIN_KEY"])

    def client(self):
        return SearchClient(self.endpoint, "articles", credential=self.credentials)

    def titles(self, text):
        return [doc["Title"] for doc in self.client().search(search_text=text)]


articles = Articles()
for title in articles.titles("identity"):
    print("hit=" + title)
"""


def _hits(stdout: str) -> list[str]:
    return [line.split("=", 1)[1] for line in stdout.splitlines() if line.startswith("hit=")]


def test_credential_built_in_init_sends_a_bearer_token_once_migrated(tmp_path):
    pytest.importorskip("azure.search.documents")
    certs = tmp_path / "certs"
    certs.mkdir()
    tls = make_loopback_tls(certs)
    path = tmp_path / "app.py"
    path.write_text(textwrap.dedent(PROGRAM), encoding="utf-8")
    expected = [
        "Keyless search with a managed identity",
        "Managed identity for the indexer",
    ]

    with AzureSearchEndpoint({"articles": DOCS}, api_keys=[KEY], tls=tls.server_context()) as s:
        env = {"AZURE_SEARCH_ENDPOINT": s.url, "AZURE_SEARCH_ADMIN_KEY": KEY, **tls.client_env()}
        before = run_program(path, env, timeout=120)
        assert before.returncode == 0, before.stderr
        assert _hits(before.stdout) == expected
        assert s.auth_headers_seen() == [("api-key", KEY)]

    result = migrate_source(path.read_bytes(), MigrationOptions(), str(path))
    assert [c.outcome for c in result.clients] == ["migrated"]
    migrated = result.new.decode()
    assert "        self.credentials = credential\n" in migrated
    assert "AzureKeyCredential" not in migrated and "AZURE_SEARCH_ADMIN_KEY" not in migrated
    path.write_bytes(result.new)

    with IdentityEndpoint() as identity:
        token = identity.token_for(SEARCH_RESOURCE, CLIENT_ID)
        with AzureSearchEndpoint({"articles": DOCS}, tokens=[token], tls=tls.server_context()) as s:
            env = {
                "AZURE_SEARCH_ENDPOINT": s.url,
                "AZURE_CLIENT_ID": CLIENT_ID,
                **identity.env(),
                **tls.client_env(),
            }
            after = run_program(path, env, timeout=120)
            assert after.returncode == 0, after.stderr
            assert _hits(after.stdout) == expected
            assert s.auth_headers_seen() == [("authorization", f"Bearer {token}")]
        assert set(identity.resources_requested()) == {SEARCH_RESOURCE}
        assert set(identity.client_ids_requested()) == {CLIENT_ID}
