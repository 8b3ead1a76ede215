"""llama-index's Azure OpenAI LLM and embedding (the codemod needs no llama-index installed)."""

from __future__ import annotations

import pytest
from helpers import code, outcomes, run

LLM = "from llama_index.llms.azure_openai import AzureOpenAI\n"
EMB = "from llama_index.embeddings.azure_openai import AzureOpenAIEmbedding\n"


@pytest.mark.parametrize("imports, ctor", [(LLM, "AzureOpenAI"), (EMB, "AzureOpenAIEmbedding")])
def test_key_becomes_use_azure_ad_with_a_provider(imports, ctor):
    result = run(f'{imports}llm = {ctor}(engine="gpt-4o", api_key=KEY, azure_endpoint=E)\n')
    out = result.new.decode()
    assert (
        f'{ctor}(engine="gpt-4o", azure_ad_token_provider=token_provider, azure_endpoint=E, use_azure_ad=True)'
        in out
    )
    # Sync provider: llama-index calls it synchronously even for its async client.
    assert "azure.identity.aio" not in out
    assert [n.rule for n in result.notices] == ["llama-index-openai-3"]
    assert "MutuallyExclusiveAuthError" in result.notices[0].message


def test_use_azure_ad_false_is_switched_on():
    out = code(f"{LLM}llm = AzureOpenAI(api_key=KEY, use_azure_ad=False)\n")
    assert "AzureOpenAI(azure_ad_token_provider=token_provider, use_azure_ad=True)" in out


def test_implicit_key_gets_provider_and_flag():
    out = code(f"{LLM}llm = AzureOpenAI(engine='e')\n")
    assert (
        "AzureOpenAI(engine='e', azure_ad_token_provider=token_provider, use_azure_ad=True)" in out
    )


def test_use_azure_ad_alone_is_already_keyless_and_still_warned():
    source = f"{LLM}llm = AzureOpenAI(engine='e', use_azure_ad=True)\n"
    result = run(source)
    assert result.new.decode() == source
    assert outcomes(source) == [(2, "llama_index.llms.azure_openai.AzureOpenAI", "already-keyless")]
    assert [n.rule for n in result.notices] == ["llama-index-openai-3"]


def test_async_use_keeps_the_sync_provider():
    out = code(
        f"{LLM}llm = AzureOpenAI(api_key=K)\n\nasync def f():\n    return await llm.acomplete('x')\n"
    )
    assert "azure_ad_token_provider=token_provider" in out
    assert "async_token_provider" not in out


def test_openai_azure_client_of_the_same_name_is_not_confused():
    out = code("from openai import AzureOpenAI\nc = AzureOpenAI(api_key=K)\n")
    assert "use_azure_ad" not in out


def test_second_run_changes_nothing():
    once = code(f"{LLM}{EMB}a = AzureOpenAI(api_key=K)\nb = AzureOpenAIEmbedding(api_key=K)\n")
    assert run(once).new.decode() == once
