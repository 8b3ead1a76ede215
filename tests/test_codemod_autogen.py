"""autogen-ext's AzureOpenAIChatCompletionClient."""

from __future__ import annotations

from helpers import code, run

IMPORT = "from autogen_ext.models.openai import AzureOpenAIChatCompletionClient\n"


def test_key_becomes_an_async_provider():
    out = code(
        f"{IMPORT}client = AzureOpenAIChatCompletionClient(model='gpt-4o', api_key=KEY, azure_endpoint=E)\n"
    )
    assert (
        "AzureOpenAIChatCompletionClient(model='gpt-4o', azure_ad_token_provider=async_token_provider, azure_endpoint=E)"
        in out
    )
    assert "async def async_token_provider():" in out
    assert "azure.identity.aio" not in out


def test_serializing_module_gets_an_azure_token_provider_with_default_credential():
    result = run(
        f"""{IMPORT}
client = AzureOpenAIChatCompletionClient(model="gpt-4o", api_key=KEY)
config = client.dump_component()
"""
    )
    out = result.new.decode()
    assert "from autogen_ext.auth.azure import AzureTokenProvider" in out
    assert "from azure.identity import DefaultAzureCredential" in out
    assert (
        'azure_token_provider = AzureTokenProvider(\n    DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"\n)'
        in out
    )
    assert (
        'AzureOpenAIChatCompletionClient(model="gpt-4o", azure_ad_token_provider=azure_token_provider)'
        in out
    )
    assert "ManagedIdentityCredential" not in out
    assert "autogen-serializable-provider" in [n.rule for n in result.notices]
    compile(out, "<out>", "exec")


def test_component_config_attribute_also_counts_as_serialization():
    out = code(
        f"{IMPORT}c = AzureOpenAIChatCompletionClient(model='m')\nprint(c.component_config)\n"
    )
    assert "azure_ad_token_provider=azure_token_provider" in out


def test_already_keyless_and_second_run():
    once = code(
        f"{IMPORT}c = AzureOpenAIChatCompletionClient(model='m', api_key=k)\nc.dump_component()\n"
    )
    again = run(once)
    assert again.new.decode() == once
    assert again.clients[0].outcome == "already-keyless"


def test_plain_openai_client_is_left():
    source = "from autogen_ext.models.openai import OpenAIChatCompletionClient\nc = OpenAIChatCompletionClient(model='m', api_key=k)\n"
    assert run(source).new.decode() == source
