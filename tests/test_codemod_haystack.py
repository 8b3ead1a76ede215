"""haystack's Azure OpenAI components."""

from __future__ import annotations

import pytest
from helpers import code, run


@pytest.mark.parametrize(
    "module, cls",
    [
        ("haystack.components.generators.chat", "AzureOpenAIChatGenerator"),
        ("haystack.components.embedders", "AzureOpenAITextEmbedder"),
        ("haystack.components.embedders", "AzureOpenAIDocumentEmbedder"),
        ("haystack.components.generators", "AzureOpenAIGenerator"),
    ],
)
def test_secret_key_becomes_provider_and_key_switched_off(module, cls):
    out = code(
        f"from haystack.utils import Secret\nfrom {module} import {cls}\n"
        f'g = {cls}(azure_endpoint=E, api_key=Secret.from_env_var("AZURE_OPENAI_API_KEY"))\n'
    )
    assert f"{cls}(azure_endpoint=E, azure_ad_token_provider=token_provider, api_key=None)" in out
    assert "from haystack.utils import Secret" not in out


def test_default_key_from_environment_is_switched_off():
    out = code(
        "from haystack.components.generators.chat import AzureOpenAIChatGenerator\ng = AzureOpenAIChatGenerator(azure_endpoint=E)\n"
    )
    assert (
        "AzureOpenAIChatGenerator(azure_endpoint=E, azure_ad_token_provider=token_provider, api_key=None)"
        in out
    )


def test_second_run_changes_nothing():
    once = code(
        "from haystack.components.generators.chat import AzureOpenAIChatGenerator\ng = AzureOpenAIChatGenerator(api_key=k)\n"
    )
    again = run(once)
    assert again.new.decode() == once
    assert again.clients[0].outcome == "already-keyless"


RESP = "from haystack.components.generators.chat import AzureOpenAIResponsesChatGenerator\n"


def test_responses_generator_takes_the_provider_in_api_key():
    out = code(
        f"{RESP}g = AzureOpenAIResponsesChatGenerator(azure_endpoint=E, api_key=k)\ng.run(messages)\n"
    )
    assert "AzureOpenAIResponsesChatGenerator(azure_endpoint=E, api_key=token_provider)" in out


def test_responses_generator_used_async_gets_an_async_provider():
    out = code(
        f"{RESP}g = AzureOpenAIResponsesChatGenerator(api_key=k)\n\nasync def f():\n    await g.run_async(m)\n"
    )
    assert "AzureOpenAIResponsesChatGenerator(api_key=async_token_provider)" in out


def test_responses_generator_used_both_ways_is_manual():
    source = f"{RESP}g = AzureOpenAIResponsesChatGenerator(api_key=k)\ng.run(m)\n\nasync def f():\n    await g.run_async(m)\n"
    result = run(source)
    assert result.new.decode() == source
    assert result.clients[0].outcome == "manual"
