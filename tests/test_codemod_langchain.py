"""LangChain's Azure classes (langchain_openai and the legacy langchain_community paths)."""

from __future__ import annotations

import textwrap

import pytest
from helpers import code, outcomes, run


@pytest.mark.parametrize(
    "imports, ctor",
    [
        ("from langchain_openai import AzureChatOpenAI", "AzureChatOpenAI"),
        ("from langchain_openai.chat_models import AzureChatOpenAI as Chat", "Chat"),
        ("import langchain_openai", "langchain_openai.AzureChatOpenAI"),
        ("from langchain_openai import AzureOpenAIEmbeddings", "AzureOpenAIEmbeddings"),
        ("from langchain_openai import AzureOpenAI", "AzureOpenAI"),
        ("from langchain_openai.llms.azure import AzureOpenAI", "AzureOpenAI"),
    ],
)
@pytest.mark.parametrize("key_arg", ["api_key", "openai_api_key"])
def test_key_argument_becomes_a_sync_provider(imports, ctor, key_arg):
    out = code(
        f'{imports}\nllm = {ctor}(azure_deployment="gpt-4o", {key_arg}=KEY, api_version="2024-10-21")\n'
    )
    assert (
        f'{ctor}(azure_deployment="gpt-4o", azure_ad_token_provider=token_provider, api_version="2024-10-21")'
        in out
    )
    assert key_arg not in out
    assert "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider" in out


def test_implicit_environment_key_gets_a_provider():
    source = "from langchain_openai import AzureChatOpenAI\nllm = AzureChatOpenAI(azure_deployment='gpt-4o')\n"
    out = code(source)
    assert (
        "AzureChatOpenAI(azure_deployment='gpt-4o', azure_ad_token_provider=token_provider)" in out
    )
    [client] = run(source).clients
    assert (client.outcome, client.sdk) == ("migrated", "langchain-openai")
    assert "environment" in client.reason


@pytest.mark.parametrize(
    "method", ["ainvoke", "astream", "abatch", "aembed_documents", "aembed_query"]
)
def test_async_use_adds_the_async_provider(method):
    out = code(
        f"""\
        from langchain_openai import AzureChatOpenAI

        llm = AzureChatOpenAI(azure_deployment="gpt-4o", api_key=KEY)

        async def answer(q):
            return await llm.{method}(q)
        """
    )
    assert (
        'AzureChatOpenAI(azure_deployment="gpt-4o", azure_ad_token_provider=token_provider, '
        "azure_ad_async_token_provider=async_token_provider)"
    ) in out
    # Both providers share one lazily built sync credential; the async one runs it in a thread.
    assert "azure.identity.aio" not in out
    assert "async def async_token_provider():" in out
    assert out.count("ManagedIdentityCredential(") == 1
    compile(out, "<out>", "exec")


def test_sync_only_use_gets_no_async_provider():
    out = code(
        """\
        from langchain_openai import AzureChatOpenAI

        llm = AzureChatOpenAI(api_key=KEY)
        print(llm.invoke("hi"))
        """
    )
    assert "azure_ad_async_token_provider" not in out
    assert "azure.identity.aio" not in out


def test_object_in_a_chain_used_asynchronously_gets_both_providers():
    # `prompt | llm` hides the object's use; the module awaits a chain, so it is used async.
    source = """\
        from langchain_core.prompts import ChatPromptTemplate
        from langchain_openai import AzureChatOpenAI

        llm = AzureChatOpenAI(azure_deployment="gpt-4o")
        chain = ChatPromptTemplate.from_template("{q}") | llm

        async def run(q):
            return await chain.ainvoke({"q": q})
        """
    out = code(source)
    assert (
        "azure_ad_token_provider=token_provider, azure_ad_async_token_provider=async_token_provider"
        in out
    )
    assert "async calls" in run(source).clients[0].reason


@pytest.mark.parametrize(
    "module, cls",
    [
        ("langchain_community.chat_models", "AzureChatOpenAI"),
        ("langchain.chat_models", "AzureChatOpenAI"),
        ("langchain_community.embeddings", "AzureOpenAIEmbeddings"),
        ("langchain.embeddings", "AzureOpenAIEmbeddings"),
        ("langchain_community.llms", "AzureOpenAI"),
    ],
)
def test_legacy_import_paths_are_migrated_and_warned(module, cls):
    source = f"from {module} import {cls}\nllm = {cls}(deployment_name='d', openai_api_key=KEY)\n"
    result = run(source)
    assert (
        f"{cls}(deployment_name='d', azure_ad_token_provider=token_provider)" in result.new.decode()
    )
    assert result.clients[0].sdk == "langchain-community"
    assert [n.rule for n in result.notices] == ["community-env-key"]


def test_already_keyless_is_left():
    source = textwrap.dedent(
        """\
        from langchain_openai import AzureChatOpenAI
        llm = AzureChatOpenAI(azure_ad_token_provider=tp)
        """
    )
    assert code(source) == source
    assert outcomes(source) == [(2, "langchain_openai.AzureChatOpenAI", "already-keyless")]


def test_key_next_to_an_existing_provider_is_removed():
    out = code(
        "from langchain_openai import AzureChatOpenAI\nllm = AzureChatOpenAI(azure_ad_token_provider=tp, api_key=k)\n"
    )
    assert "AzureChatOpenAI(azure_ad_token_provider=tp)\n" in out


@pytest.mark.parametrize(
    "source",
    [
        # A non-Azure ChatOpenAI is not a target.
        'from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(api_key=os.environ["OPENAI_API_KEY"])\n',
        'from langchain_openai import OpenAIEmbeddings\ne = OpenAIEmbeddings(openai_api_key="sk-x")\n',
        "from mypkg import AzureChatOpenAI\nllm = AzureChatOpenAI(api_key=k)\n",
    ],
)
def test_look_alikes_are_left_alone(source):
    result = run(source)
    assert result.new.decode() == source
    assert result.clients == ()


def test_second_run_changes_nothing():
    source = """\
        from langchain_openai import AzureChatOpenAI, AzureOpenAIEmbeddings

        llm = AzureChatOpenAI(api_key=KEY)
        emb = AzureOpenAIEmbeddings()

        async def go():
            await llm.ainvoke("x")
            await emb.aembed_query("x")
        """
    once = run(source).new.decode()
    again = run(once)
    assert again.new.decode() == once
    assert [c.outcome for c in again.clients] == ["already-keyless", "already-keyless"]
