"""semantic-kernel's Azure OpenAI services (async: they wrap AsyncAzureOpenAI)."""

from __future__ import annotations

import pytest
from helpers import code, run

SERVICES = [
    "AzureChatCompletion",
    "AzureTextEmbedding",
    "AzureTextCompletion",
    "AzureAudioToText",
    "AzureTextToImage",
]


@pytest.mark.parametrize("cls", SERVICES)
def test_key_becomes_an_async_ad_token_provider(cls):
    result = run(
        f"from semantic_kernel.connectors.ai.open_ai import {cls}\ns = {cls}(deployment_name='d', api_key=KEY)\n"
    )
    out = result.new.decode()
    # api_key="" keeps its settings from reading AZURE_OPENAI_API_KEY (environment or .env)
    # and passing it next to the provider while the old key is still set.
    assert (
        f"{cls}(deployment_name='d', ad_token_provider=async_token_provider, api_key=\"\")" in out
    )
    assert "return await asyncio.to_thread(_token_provider())" in out
    assert "azure.identity.aio" not in out
    assert [n.rule for n in result.notices] == ["sk-env-key"]


def test_a_second_run_keeps_the_empty_key_that_switches_the_environment_key_off():
    # api_key="" next to the provider is the migration's own output, not a key to remove.
    migrated = (
        "from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion\n"
        "s = AzureChatCompletion(deployment_name='d', ad_token_provider=tp, api_key=\"\")\n"
    )
    again = run(migrated)
    assert again.new.decode() == migrated
    assert [c.outcome for c in again.clients] == ["already-keyless"]


def test_deep_import_path():
    out = code(
        "from semantic_kernel.connectors.ai.open_ai.services.azure_chat_completion import AzureChatCompletion\n"
        "s = AzureChatCompletion()\n"
    )
    assert 'AzureChatCompletion(ad_token_provider=async_token_provider, api_key="")' in out


def test_credential_argument_is_reported_not_changed():
    source = (
        "from azure.identity import DefaultAzureCredential\n"
        "from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion\n"
        "s = AzureChatCompletion(deployment_name='d', credential=DefaultAzureCredential())\n"
    )
    result = run(source)
    assert result.new.decode() == source
    [client] = result.clients
    assert client.outcome == "manual"
    assert "never refreshes" in client.reason


def test_static_ad_token_is_reported():
    source = "from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion\ns = AzureChatCompletion(ad_token=t)\n"
    assert run(source).clients[0].outcome == "manual"


def test_existing_provider_is_keyless():
    source = "from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion\ns = AzureChatCompletion(ad_token_provider=p)\n"
    result = run(source)
    assert result.new.decode() == source
    assert result.clients[0].outcome == "already-keyless"


def test_non_azure_openai_service_is_left():
    source = "from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion\ns = OpenAIChatCompletion(api_key=k)\n"
    assert run(source).new.decode() == source
