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


# -- ChatOpenAI / OpenAIEmbeddings on the Azure OpenAI v1 endpoint ----------------------------

V1_BEFORE = """\
import os

from langchain_openai import ChatOpenAI

llm = ChatOpenAI(
    model="gpt-4o-mini",
    base_url="https://contoso.openai.azure.com/openai/v1/",
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
    temperature=0,
)


async def answer(question):
    return (await llm.ainvoke(question)).content
"""
V1_AFTER = """\
import functools
import os

from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
from langchain_openai import ChatOpenAI


@functools.cache
def _token_provider():
    # Built at the first token request, once the program has set up its environment.
    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
    return get_bearer_token_provider(
        credential, "https://cognitiveservices.azure.com/.default"
    )


def token_provider():
    return _token_provider()()


llm = ChatOpenAI(
    model="gpt-4o-mini",
    base_url="https://contoso.openai.azure.com/openai/v1/",
    api_key=token_provider,
    temperature=0,
)


async def answer(question):
    return (await llm.ainvoke(question)).content
"""


def test_chat_openai_on_the_azure_v1_endpoint_takes_a_sync_provider_as_api_key():
    # langchain-openai runs a sync api_key callable in a worker thread for ainvoke/astream, so
    # the one sync provider serves both (an async one would leave the sync client unset).
    result = run(V1_BEFORE)
    assert result.new.decode() == V1_AFTER
    [client] = result.clients
    assert (client.outcome, client.cls) == ("migrated", "langchain_openai.ChatOpenAI")


@pytest.mark.parametrize(
    "imports, ctor",
    [
        ("from langchain_openai import ChatOpenAI", "ChatOpenAI"),
        ("from langchain_openai.chat_models import ChatOpenAI as Chat", "Chat"),
        ("from langchain_openai.chat_models.base import ChatOpenAI", "ChatOpenAI"),
        ("import langchain_openai", "langchain_openai.OpenAIEmbeddings"),
        ("from langchain_openai.embeddings import OpenAIEmbeddings", "OpenAIEmbeddings"),
    ],
)
@pytest.mark.parametrize(
    "base_arg, key_arg, model_arg",
    [("base_url", "api_key", "model"), ("openai_api_base", "openai_api_key", "model_name")],
)
def test_v1_classes_and_their_argument_aliases(imports, ctor, base_arg, key_arg, model_arg):
    out = code(
        f"import os\n{imports}\n"
        f'x = {ctor}({model_arg}="gpt-4o", {base_arg}=f"https://{{os.environ[\'AOAI_NAME\']}}'
        f'.openai.azure.com/openai/v1/", {key_arg}=os.getenv("AZURE_OPENAI_API_KEY"))\n'
    )
    assert f'{model_arg}="gpt-4o", {base_arg}=f"https://' in out
    assert '.openai.azure.com/openai/v1/", api_key=token_provider)' in out
    assert "AZURE_OPENAI_API_KEY" not in out and key_arg not in out.replace("api_key=token", "")


def test_v1_class_with_no_key_argument_gets_api_key_added():
    # With no key argument ChatOpenAI reads OPENAI_API_KEY: on Azure that is the resource key.
    source = (
        "from langchain_openai import OpenAIEmbeddings\n"
        'emb = OpenAIEmbeddings(model="text-embedding-3-small", '
        'base_url="https://contoso.cognitiveservices.azure.com/openai/v1/")\n'
    )
    out = code(source)
    assert 'cognitiveservices.azure.com/openai/v1/", api_key=token_provider)' in out
    assert "environment" in run(source).clients[0].reason


@pytest.mark.parametrize(
    "args",
    [
        'model="gpt-4o", api_key=os.environ["OPENAI_API_KEY"]',
        'model="gpt-4o", base_url="https://api.openai.com/v1", api_key=k',
        'model="llama3.2", base_url="http://localhost:11434/v1", api_key="ollama"',
        'model="Qwen/Qwen2.5-7B-Instruct", openai_api_base="http://127.0.0.1:8000/v1", '
        'openai_api_key="EMPTY"',
        'model="gpt-4o", base_url="https://models.inference.ai.azure.com", '
        'api_key=os.environ["GITHUB_TOKEN"]',
        'model="openai/gpt-4.1", base_url="https://models.github.ai/inference", api_key=token',
    ],
)
@pytest.mark.parametrize("cls", ["ChatOpenAI", "OpenAIEmbeddings"])
def test_v1_look_alikes_stay_byte_identical(cls, args):
    source = f"import os\nfrom langchain_openai import {cls}\nx = {cls}({args})\n"
    result = run(source)
    assert result.new.decode() == source
    assert result.clients == ()


def test_v1_base_url_the_code_does_not_show_is_reported():
    source = (
        "import os\nfrom langchain_openai import ChatOpenAI\n"
        'llm = ChatOpenAI(base_url=os.environ["LLM_BASE_URL"], api_key=os.environ["LLM_KEY"])\n'
    )
    result = run(source)
    assert result.new.decode() == source
    [client] = result.clients
    assert client.outcome == "review" and "base_url" in client.reason


def test_v1_class_already_given_a_provider_is_keyless():
    source = (
        "from azure.identity import DefaultAzureCredential, get_bearer_token_provider\n"
        "from langchain_openai import ChatOpenAI\n"
        "tp = get_bearer_token_provider(DefaultAzureCredential(), "
        '"https://cognitiveservices.azure.com/.default")\n'
        'llm = ChatOpenAI(base_url="https://r.openai.azure.com/openai/v1/", api_key=tp)\n'
    )
    result = run(source)
    assert result.new.decode() == source
    assert [c.outcome for c in result.clients] == ["already-keyless"]


def test_v1_second_run_changes_nothing():
    again = run(V1_AFTER)
    assert again.new.decode() == V1_AFTER
    assert [c.outcome for c in again.clients] == ["already-keyless"]


def test_v1_migration_raises_langchain_openai_to_the_callable_key_version(tmp_path):
    from migrator import api
    from migrator.engine import MODE_WRITE

    (tmp_path / "requirements.txt").write_text("langchain-openai>=0.3.9\n")
    (tmp_path / "app.py").write_text(V1_BEFORE)
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    assert (tmp_path / "requirements.txt").read_text() == (
        "langchain-openai>=1.0.1\nazure-identity>=1.15.0\n"
    )
    notices = [n.message for r in report.results if r.kind == "project" for n in r.notices]
    assert any("langchain-openai has from 1.0.1" in m for m in notices), notices


@pytest.mark.parametrize(
    "source, outcomes_",
    [
        # A non-Azure base_url next to **kwargs, or a config dict with none or another host.
        ('llm = ChatOpenAI(base_url="http://localhost:8000/v1", **kw)\n', []),
        ('CFG = {"model": "gpt-4o", "api_key": "sk-x"}\nllm = ChatOpenAI(**CFG)\n', []),
        ('CFG = {"openai_api_base": "http://vllm:8000/v1"}\nllm = ChatOpenAI(**CFG)\n', []),
        # Nothing shows where it goes: reported, not called key-based.
        ("def make(**kw):\n    return ChatOpenAI(model='gpt-4o', **kw)\n", ["review"]),
        # Azure, but the key is somewhere in the dict the call unpacks.
        (
            'CFG = {"base_url": "https://r.openai.azure.com/openai/v1/", "api_key": K}\n'
            "llm = ChatOpenAI(**CFG)\n",
            ["manual"],
        ),
    ],
)
def test_v1_class_built_from_kwargs(source, outcomes_):
    source = "from langchain_openai import ChatOpenAI\n" + source
    result = run(source)
    assert result.new.decode() == source
    assert [c.outcome for c in result.clients] == outcomes_
    if outcomes_ == ["review"]:
        assert "inside *args/**kwargs" in result.clients[0].reason
