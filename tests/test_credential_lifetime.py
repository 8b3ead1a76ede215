"""The credential setup's lifetime: built at the first token request, async providers tied to no
event loop, and a provider that no longer depends on the key it replaced."""

from __future__ import annotations

import asyncio
import sys
import types

import pytest
from helpers import code, run

AZURE_OPENAI = "from openai import AzureOpenAI, AsyncAzureOpenAI\n"


@pytest.fixture
def fake_identity(monkeypatch):
    """A stand-in ``azure.identity`` that records each credential built and each token asked."""
    built: list[str | None] = []

    class ManagedIdentityCredential:
        def __init__(self, *, client_id=None):  # type: ignore[no-untyped-def]
            built.append(client_id)

    def get_bearer_token_provider(credential, scope):  # type: ignore[no-untyped-def]
        return lambda: f"token for {scope}"

    package = types.ModuleType("azure")
    identity = types.ModuleType("azure.identity")
    identity.ManagedIdentityCredential = ManagedIdentityCredential  # type: ignore[attr-defined]
    identity.get_bearer_token_provider = get_bearer_token_provider  # type: ignore[attr-defined]
    package.identity = identity  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure", package)
    monkeypatch.setitem(sys.modules, "azure.identity", identity)
    return built


def test_no_credential_is_built_at_import_and_the_client_id_is_read_at_the_first_token(
    fake_identity, monkeypatch
):
    out = code(
        f"{AZURE_OPENAI}sync = AzureOpenAI(api_key=K)\nasync_ = AsyncAzureOpenAI(api_key=K)\n"
    )
    setup = out[: out.index("sync = ")]  # the migrated module without its clients
    namespace: dict[str, object] = {}
    monkeypatch.delenv("AZURE_CLIENT_ID", raising=False)
    exec(compile(setup, "app.py", "exec"), namespace)
    assert fake_identity == []  # importing the module builds nothing
    monkeypatch.setenv("AZURE_CLIENT_ID", "set-by-main")  # what load_dotenv() in main() does
    token = namespace["token_provider"]()  # type: ignore[operator]
    assert token == "token for https://cognitiveservices.azure.com/.default"
    assert asyncio.run(namespace["async_token_provider"]()) == token  # type: ignore[operator]
    assert asyncio.run(namespace["async_token_provider"]()) == token  # a second event loop
    assert fake_identity == ["set-by-main"]  # one credential, shared by both kinds


def test_async_clients_need_nothing_from_aio_and_nothing_to_close():
    result = run(f"{AZURE_OPENAI}c = AsyncAzureOpenAI(api_key=K)\n")
    out = result.new.decode()
    assert "azure.identity.aio" not in out
    assert "AsyncAzureOpenAI(azure_ad_token_provider=async_token_provider)" in out
    assert "close-async-credential" not in [n.rule for n in result.notices]


def test_a_provider_conditioned_on_the_removed_key_becomes_unconditional():
    source = """\
        import os
        from openai import AzureOpenAI

        key = os.getenv("AZURE_OPENAI_API_KEY")
        client = AzureOpenAI(
            api_key=key,
            azure_ad_token_provider=token_provider if not key else None,
            api_version="2024-10-21",
        )
        """
    result = run(source)
    out = result.new.decode()
    # With the key argument gone, `... if not key else None` would leave the client with no
    # credential at all while the old key is still set.
    assert "    azure_ad_token_provider=token_provider,\n" in out
    assert "api_key=" not in out and " if not key" not in out
    [client] = result.clients
    assert client.outcome == "migrated" and "no longer depends on a condition" in client.reason


@pytest.mark.parametrize("value", ["None if key else tp", "tp if not key else None"])
def test_either_branch_order_keeps_the_provider(value):
    out = code(f"{AZURE_OPENAI}c = AzureOpenAI(api_key=key, azure_ad_token_provider={value})\n")
    assert "AzureOpenAI(azure_ad_token_provider=tp)" in out


def test_a_condition_between_two_providers_is_left_as_it_is():
    out = code(f"{AZURE_OPENAI}c = AzureOpenAI(api_key=k, azure_ad_token_provider=a if x else b)\n")
    assert "AzureOpenAI(azure_ad_token_provider=a if x else b)" in out


def test_litellm_names_the_variables_it_still_reads():
    result = run(
        'import litellm\nlitellm.completion(model="azure/gpt-4o", api_key=K, messages=[])\n'
    )
    [note] = [n for n in result.notices if n.rule == "litellm-env-key"]
    assert "AZURE_OPENAI_API_KEY" in note.message and "AZURE_API_KEY" in note.message
    assert "unset them" in note.message
