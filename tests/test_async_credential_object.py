"""Async clients that take a credential object (Azure AI Search, Azure AI Inference): the migrated
module gives them a credential class that runs a lazily built sync credential in a worker thread,
so it works in every event loop and holds nothing to close."""

from __future__ import annotations

import asyncio
import sys
import types

import pytest
from helpers import code, run

SEARCH_BEFORE = """\
import os

from azure.core.credentials import AzureKeyCredential
from azure.search.documents.aio import SearchClient

search = SearchClient(os.environ["SEARCH_ENDPOINT"], "hotels", AzureKeyCredential(os.environ["SEARCH_KEY"]))
"""

CREDENTIAL_CLASS = '''\
class _AsyncCredential(AsyncTokenCredential):
    """Runs a sync credential, built at the first token request, in a
    worker thread: tied to no event loop, with nothing to close."""

    @functools.cached_property
    def credential(self):
        return ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))

    async def get_token(self, *scopes, **kwargs):
        return await asyncio.to_thread(self.credential.get_token, *scopes, **kwargs)


async_credential = _AsyncCredential()
'''

SEARCH_AFTER = f"""\
import asyncio
import functools
import os

from azure.core.credentials_async import AsyncTokenCredential
from azure.identity import ManagedIdentityCredential
from azure.search.documents.aio import SearchClient


{CREDENTIAL_CLASS}
search = SearchClient(os.environ["SEARCH_ENDPOINT"], "hotels", async_credential)
"""

CHAT_BEFORE = """\
import os

from azure.ai.inference.aio import ChatCompletionsClient
from azure.core.credentials import AzureKeyCredential

chat = ChatCompletionsClient(
    endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    credential=AzureKeyCredential(os.environ["AZURE_OPENAI_API_KEY"]),
)
"""

CHAT_AFTER = f"""\
import asyncio
import functools
import os

from azure.ai.inference.aio import ChatCompletionsClient
from azure.core.credentials_async import AsyncTokenCredential
from azure.identity import ManagedIdentityCredential


{CREDENTIAL_CLASS}
chat = ChatCompletionsClient(
    endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    credential=async_credential,
    credential_scopes=["https://cognitiveservices.azure.com/.default"],
)
"""


@pytest.mark.parametrize(
    "before, after",
    [(SEARCH_BEFORE, SEARCH_AFTER), (CHAT_BEFORE, CHAT_AFTER)],
    ids=["search", "chat"],
)
def test_an_aio_client_gets_the_credential_class_and_nothing_to_close(before, after):
    result = run(before)
    assert result.new.decode() == after
    assert "close-async-credential" not in [n.rule for n in result.notices]


@pytest.mark.parametrize("migrated", [SEARCH_AFTER, CHAT_AFTER], ids=["search", "chat"])
def test_a_second_run_changes_nothing_and_sees_a_token_credential(migrated):
    again = run(migrated)
    assert again.new.decode() == migrated
    assert [c.outcome for c in again.clients] == ["already-keyless"]


def test_a_module_class_that_is_not_a_token_credential_is_still_unknown():
    source = (
        "from azure.search.documents.aio import SearchClient\n\n\n"
        "class Holder:\n    pass\n\n\nsearch = SearchClient(E, 'i', Holder())\n"
    )
    result = run(source)
    assert result.new.decode() == source
    assert [c.outcome for c in result.clients] == ["manual"]


@pytest.fixture
def sync_identity(monkeypatch):
    """A stand-in sync ``azure.identity``: records each credential built and each token asked."""
    from azure.core.credentials import AccessToken

    events: list[tuple[str, object]] = []

    class ManagedIdentityCredential:
        def __init__(self, *, client_id=None):  # type: ignore[no-untyped-def]
            events.append(("built", client_id))

        def get_token(self, *scopes, **kwargs):  # type: ignore[no-untyped-def]
            events.append(("token", scopes))
            return AccessToken(f"token-{len(events)}", 0)  # expired at once: every use refreshes

    identity = types.ModuleType("azure.identity")
    identity.ManagedIdentityCredential = ManagedIdentityCredential  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure.identity", identity)
    return events


def test_the_credential_is_built_at_the_first_token_and_serves_two_event_loops(
    sync_identity, monkeypatch
):
    from azure.core.pipeline import PipelineContext, PipelineRequest
    from azure.core.pipeline.policies import AsyncBearerTokenCredentialPolicy
    from azure.core.rest import HttpRequest

    # The setup the tool writes (run here, so that this fails when the generated code does).
    migrated = code(SEARCH_BEFORE)
    setup = migrated[: migrated.index("search = ")]
    namespace: dict[str, object] = {}
    monkeypatch.delenv("AZURE_CLIENT_ID", raising=False)
    exec(compile(setup, "app.py", "exec"), namespace)
    assert sync_identity == []  # importing the module builds nothing
    monkeypatch.setenv("AZURE_CLIENT_ID", "set-by-main")  # what load_dotenv() in main() does
    # azure-core's policy, as the aio clients build it, asking in two event loops.
    policy = AsyncBearerTokenCredentialPolicy(
        namespace["async_credential"], "https://search/.default"
    )

    async def authorize() -> str:
        request = PipelineRequest(
            HttpRequest("GET", "https://x.search.windows.net"), PipelineContext(None)
        )
        await policy.on_request(request)
        async with namespace["async_credential"]:  # type: ignore[attr-defined]
            pass  # nothing to close: leaving the block is a no-op
        return request.http_request.headers["Authorization"]

    assert asyncio.run(authorize()) == "Bearer token-2"
    assert asyncio.run(authorize()) == "Bearer token-3"  # refreshed in a new loop
    assert sync_identity == [
        ("built", "set-by-main"),
        ("token", ("https://search/.default",)),
        ("token", ("https://search/.default",)),
    ]


def test_a_module_with_sync_and_async_clients_keeps_the_aio_package_out():
    out = code(
        "import os\n\nfrom azure.core.credentials import AzureKeyCredential\n"
        "from azure.search.documents import SearchClient as SyncSearch\n"
        "from azure.search.documents.aio import SearchClient\n"
        "from openai import AsyncAzureOpenAI\n\n"
        "a = SearchClient(E, 'i', AzureKeyCredential(K))\n"
        "s = SyncSearch(E, 'i', AzureKeyCredential(K))\n"
        "c = AsyncAzureOpenAI(api_key=K, api_version='2024-10-21')\n"
    )
    assert "azure.identity.aio" not in out
    assert "credential = _Credential()\n" in out  # the sync client's, lazy too
    assert "async_credential = _AsyncCredential()\n" in out
    assert "a = SearchClient(E, 'i', async_credential)" in out
    assert "s = SyncSearch(E, 'i', credential)" in out
    assert "AsyncAzureOpenAI(azure_ad_token_provider=async_token_provider" in out


SYNC_DOTENV_BEFORE = """\
import os

from azure.core.credentials import AzureKeyCredential
from azure.search.documents import SearchClient
from dotenv import load_dotenv


def main():
    client = SearchClient(os.environ["SEARCH_ENDPOINT"], "hotels", AzureKeyCredential(os.environ["SEARCH_KEY"]))
    print(client.get_document_count())


if __name__ == "__main__":
    load_dotenv()
    main()
"""

SYNC_DOTENV_AFTER = '''\
import functools
import os

from azure.core.credentials import TokenCredential
from azure.identity import ManagedIdentityCredential
from azure.search.documents import SearchClient
from dotenv import load_dotenv


class _Credential(TokenCredential):
    """A credential built at the first token request, once the program
    has set up its environment."""

    @functools.cached_property
    def credential(self):
        return ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))

    def get_token(self, *scopes, **kwargs):
        return self.credential.get_token(*scopes, **kwargs)


credential = _Credential()


def main():
    client = SearchClient(os.environ["SEARCH_ENDPOINT"], "hotels", credential)
    print(client.get_document_count())


if __name__ == "__main__":
    load_dotenv()
    main()
'''


def test_a_sync_client_gets_a_credential_that_reads_the_client_id_after_load_dotenv(
    sync_identity, monkeypatch
):
    migrated = code(SYNC_DOTENV_BEFORE)
    assert migrated == SYNC_DOTENV_AFTER
    assert run(migrated).new.decode() == migrated  # a second run changes nothing
    namespace: dict[str, object] = {}
    monkeypatch.delenv("AZURE_CLIENT_ID", raising=False)
    exec(compile(migrated[: migrated.index("def main")], "app.py", "exec"), namespace)
    assert sync_identity == []  # importing the module builds nothing
    monkeypatch.setenv("AZURE_CLIENT_ID", "from-dotenv")  # what load_dotenv() does in __main__
    namespace["credential"].get_token("https://search.azure.com/.default")  # type: ignore[attr-defined]
    assert sync_identity == [
        ("built", "from-dotenv"),
        ("token", ("https://search.azure.com/.default",)),
    ]
