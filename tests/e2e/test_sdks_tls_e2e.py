"""SDKs that need https, end to end: semantic-kernel (its Azure settings accept only https
endpoints) and Azure AI Search (azure-core will not send a bearer token over http).

The stand-ins serve https on 127.0.0.1 with a throwaway certificate authority made per test
(tests/e2e/tls.py). The program is never changed to trust it: the child process only gets
SSL_CERT_FILE (honoured by httpcore2's default context, used by openai 3's httpx2 client, and by
OpenSSL's default paths that aiohttp's ``ssl.create_default_context()`` loads) and
REQUESTS_CA_BUNDLE (requests, azure-core's sync transport).

Each test runs the key-based program first, with its key, so the stand-in demonstrably checks
credentials; then migrates it and runs it again with no key, only the managed identity.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from codemods.options import MigrationOptions
from migrator.engine import migrate_source

from .loopback import (
    COGNITIVE_SERVICES_RESOURCE,
    AzureOpenAIEndpoint,
    IdentityEndpoint,
    run_program,
)
from .search_loopback import SEARCH_RESOURCE, AzureSearchEndpoint
from .tls import LoopbackTLS, make_loopback_tls

KEY = "e2e-tls-key-0123456789abcdef012345"
CLIENT_ID = "33333333-4444-4555-8666-777777777777"


@pytest.fixture
def tls(tmp_path: Path) -> LoopbackTLS:
    certs = tmp_path / "certs"
    certs.mkdir()
    return make_loopback_tls(certs)


def _write(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "app.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def _migrate(path: Path) -> str:
    result = migrate_source(path.read_bytes(), MigrationOptions(), str(path))
    assert result.clients and all(c.outcome == "migrated" for c in result.clients), result.clients
    path.write_bytes(result.new)
    return result.new.decode()


def _run(path: Path, env: dict[str, str]) -> dict[str, list[str]]:
    result = run_program(path, env, timeout=120)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    out: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        if "=" in line:
            name, value = line.split("=", 1)
            out.setdefault(name, []).append(value)
    return out


def test_stand_in_is_not_trusted_without_the_ca(tmp_path, tls):
    """The trust really comes from the environment: without it, the same program fails."""
    path = _write(
        tmp_path,
        """
        import os
        import urllib.request

        urllib.request.urlopen(os.environ["URL"] + "/openai/models")
        """,
    )
    with AzureOpenAIEndpoint(api_keys=[KEY], tls=tls.server_context()) as aoai:
        assert aoai.url.startswith("https://127.0.0.1:")
        failed = run_program(path, {"URL": aoai.url})
        assert failed.returncode != 0 and "CERTIFICATE_VERIFY_FAILED" in failed.stderr
        trusted = run_program(path, {"URL": aoai.url, **tls.client_env()})
        # Trusted, the TLS handshake succeeds and the stand-in answers (401: no key sent).
        assert "HTTP Error 401" in trusted.stderr, trusted.stderr
        assert [r.path for r in aoai.requests] == ["/openai/models"]


SK_PROGRAM = """
import asyncio
import os

from semantic_kernel.connectors.ai.open_ai import (
    AzureChatCompletion,
    AzureChatPromptExecutionSettings,
)
from semantic_kernel.contents import ChatHistory

service = AzureChatCompletion(
    deployment_name="gpt-4o",
    endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
    api_version="2024-10-21",
)


async def main():
    history = ChatHistory()
    history.add_user_message("hello kernel")
    reply = await service.get_chat_message_content(history, AzureChatPromptExecutionSettings())
    print("chat=" + str(reply))


asyncio.run(main())
"""


def test_semantic_kernel_azure_chat_completion(tmp_path, tls):
    pytest.importorskip("semantic_kernel.connectors.ai.open_ai")
    path = _write(tmp_path, SK_PROGRAM)
    server = tls.server_context()

    with AzureOpenAIEndpoint(api_keys=[KEY], tls=server) as aoai:
        env = {"AZURE_OPENAI_ENDPOINT": aoai.url, "AZURE_OPENAI_API_KEY": KEY, **tls.client_env()}
        assert _run(path, env)["chat"] == ["echo: hello kernel"]
        assert {v for _, v in aoai.auth_headers_seen()} == {KEY}

    migrated = _migrate(path)
    assert "ad_token_provider=async_token_provider" in migrated
    # api_key="" keeps semantic-kernel's settings from reading a key that is still set.
    assert 'api_key=""' in migrated and "AZURE_OPENAI_API_KEY" not in migrated

    # Once the key variable is gone, and during the rollout while it is still set.
    for old_key in ({}, {"AZURE_OPENAI_API_KEY": KEY}):
        with IdentityEndpoint() as identity:
            token = identity.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
            with AzureOpenAIEndpoint(tokens=[token], tls=server) as aoai:
                env = {
                    "AZURE_OPENAI_ENDPOINT": aoai.url,
                    "AZURE_CLIENT_ID": CLIENT_ID,
                    **identity.env(),
                    **tls.client_env(),
                    **old_key,
                }
                assert _run(path, env)["chat"] == ["echo: hello kernel"]
                assert [(r.method, r.path) for r in aoai.requests] == [
                    ("POST", "/openai/deployments/gpt-4o/chat/completions")
                ]
                assert aoai.auth_headers_seen() == [("bearer", token)]
                assert all("api-key" not in r.headers for r in aoai.requests)
            assert set(identity.resources_requested()) == {COGNITIVE_SERVICES_RESOURCE}
            assert set(identity.client_ids_requested()) == {CLIENT_ID}


HOTELS = [
    {"HotelId": "1", "HotelName": "Harbour Luxury Suites", "Category": "Luxury"},
    {"HotelId": "2", "HotelName": "Budget Inn", "Category": "Budget"},
    {"HotelId": "3", "HotelName": "Old Town Luxury Rooms", "Category": "Boutique"},
]

SEARCH_PROGRAM = """
import os

from azure.core.credentials import AzureKeyCredential
from azure.search.documents import SearchClient

client = SearchClient(
    os.environ["AZURE_SEARCH_ENDPOINT"],
    "hotels",
    AzureKeyCredential(os.environ["AZURE_SEARCH_API_KEY"]),
)
print("count=" + str(client.get_document_count()))
for doc in client.search(search_text="luxury"):
    print("hit=" + doc["HotelName"])
"""

SEARCH_ASYNC_PROGRAM = """
import asyncio
import os

from azure.core.credentials import AzureKeyCredential
from azure.search.documents.aio import SearchClient


async def main():
    client = SearchClient(
        os.environ["AZURE_SEARCH_ENDPOINT"],
        "hotels",
        AzureKeyCredential(os.environ["AZURE_SEARCH_API_KEY"]),
    )
    async with client:
        print("count=" + str(await client.get_document_count()))
        async for doc in await client.search(search_text="luxury"):
            print("hit=" + doc["HotelName"])


asyncio.run(main())
"""


@pytest.mark.parametrize("program", [SEARCH_PROGRAM, SEARCH_ASYNC_PROGRAM], ids=["sync", "aio"])
def test_azure_search_client(tmp_path, tls, program):
    pytest.importorskip("azure.search.documents")
    path = _write(tmp_path, program)
    server = tls.server_context()
    expected = {"count": ["3"], "hit": ["Harbour Luxury Suites", "Old Town Luxury Rooms"]}
    routes = [
        ("GET", "/indexes('hotels')/docs/$count"),
        ("POST", "/indexes('hotels')/docs/search.post.search"),
    ]

    with AzureSearchEndpoint({"hotels": HOTELS}, api_keys=[KEY], tls=server) as search:
        env = {"AZURE_SEARCH_ENDPOINT": search.url, "AZURE_SEARCH_API_KEY": KEY, **tls.client_env()}
        assert _run(path, env) == expected
        assert search.auth_headers_seen() == [("api-key", KEY)] * 2

    migrated = _migrate(path)
    assert "AzureKeyCredential" not in migrated and "AZURE_SEARCH_API_KEY" not in migrated

    with IdentityEndpoint() as identity:
        token = identity.token_for(SEARCH_RESOURCE, CLIENT_ID)
        with AzureSearchEndpoint({"hotels": HOTELS}, tokens=[token], tls=server) as search:
            env = {
                "AZURE_SEARCH_ENDPOINT": search.url,
                "AZURE_CLIENT_ID": CLIENT_ID,
                **identity.env(),
                **tls.client_env(),
            }
            assert _run(path, env) == expected
            assert [(r.method, r.path) for r in search.requests] == routes
            assert search.auth_headers_seen() == [("authorization", f"Bearer {token}")] * 2
        assert set(identity.resources_requested()) == {SEARCH_RESOURCE}
        assert set(identity.client_ids_requested()) == {CLIENT_ID}
