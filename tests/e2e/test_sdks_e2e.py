"""Framework SDKs end to end: a key-based program is migrated by the tool, then run with the real
SDK against the loopback managed-identity and Azure OpenAI stand-ins, with no key anywhere in its
environment. Every request it makes must carry the identity's bearer token and no api-key.

Each test first runs the original program with a key (where the stand-in can check one), so a
passing "after" is not an accident of the stand-in accepting anything.

semantic-kernel and Azure AI Search need https (semantic-kernel's settings accept only https
endpoints; azure-core sends no bearer token over http): see test_sdks_tls_e2e.py.
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

KEY = "e2e-key-0123456789abcdef0123456789"
CLIENT_ID = "22222222-3333-4444-5555-666666666666"
QUIET = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "HAYSTACK_TELEMETRY_ENABLED": "False",
    "TIKTOKEN_CACHE_DIR": "",
}


def _write(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "app.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def _migrate(path: Path) -> str:
    result = migrate_source(path.read_bytes(), MigrationOptions(), str(path))
    assert [c.outcome for c in result.clients] and all(
        c.outcome == "migrated" for c in result.clients
    ), result.clients
    path.write_bytes(result.new)
    return result.new.decode()


def _run(path: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    result = run_program(path, {**QUIET, **env}, timeout=120)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def _before_and_after(
    tmp_path: Path, source: str, *, check_key: bool = True, token_also_as_api_key: bool = False
) -> tuple[dict, str, AzureOpenAIEndpoint]:
    path = _write(tmp_path, source)
    if check_key:
        with AzureOpenAIEndpoint(api_keys=[KEY]) as aoai:
            _run(path, {"AZURE_OPENAI_ENDPOINT": aoai.url, "AZURE_OPENAI_API_KEY": KEY})
            assert aoai.requests and {v for _, v in aoai.auth_headers_seen()} == {KEY}
    migrated = _migrate(path)
    assert KEY not in migrated and "AZURE_OPENAI_API_KEY" not in migrated
    with IdentityEndpoint() as identity:
        token = identity.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        with AzureOpenAIEndpoint(tokens=[token]) as aoai:
            env = {
                "AZURE_OPENAI_ENDPOINT": aoai.url,
                "AZURE_CLIENT_ID": CLIENT_ID,
                **identity.env(),
            }
            out = _run(path, env)
            assert aoai.requests
            assert all(r.headers.get("authorization") == f"Bearer {token}" for r in aoai.requests)
            if token_also_as_api_key:
                # llama-index copies the fetched token into api_key: openai 2.x then sends it in
                # both headers. Still no key: the api-key header holds the same token.
                assert {r.headers.get("api-key") for r in aoai.requests} <= {token}
            else:
                assert set(aoai.auth_headers_seen()) == {("bearer", token)}
                assert all("api-key" not in r.headers for r in aoai.requests)
        assert set(identity.resources_requested()) == {COGNITIVE_SERVICES_RESOURCE}
        assert set(identity.client_ids_requested()) == {CLIENT_ID}
    return out, migrated, aoai


def test_langchain_sync_and_async(tmp_path):
    pytest.importorskip("langchain_openai")
    out, migrated, aoai = _before_and_after(
        tmp_path,
        """
        import asyncio
        import os

        from langchain_openai import AzureChatOpenAI, AzureOpenAIEmbeddings

        llm = AzureChatOpenAI(
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            azure_deployment="gpt-4o",
            api_version="2024-10-21",
            api_key=os.environ["AZURE_OPENAI_API_KEY"],
        )
        emb = AzureOpenAIEmbeddings(
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            azure_deployment="text-embedding-3-small",
            api_version="2024-10-21",
            check_embedding_ctx_length=False,
        )

        async def main():
            reply = await llm.ainvoke("async hello")
            print("achat=" + reply.content)

        print("chat=" + llm.invoke("hello").content)
        print("dims=" + str(len(emb.embed_query("x"))))
        asyncio.run(main())
        """,
    )
    assert out["chat"] == "echo: hello" and out["achat"] == "echo: async hello"
    assert "azure_ad_async_token_provider=async_token_provider" in migrated
    assert {(r.method, r.path) for r in aoai.requests} == {
        ("POST", "/openai/deployments/gpt-4o/chat/completions"),
        ("POST", "/openai/deployments/text-embedding-3-small/embeddings"),
    }


def test_litellm(tmp_path):
    pytest.importorskip("litellm")
    out, _, _ = _before_and_after(
        tmp_path,
        """
        import os

        import litellm

        r = litellm.completion(
            model="azure/gpt-4o",
            api_base=os.environ["AZURE_OPENAI_ENDPOINT"],
            api_version="2024-10-21",
            api_key=os.environ["AZURE_OPENAI_API_KEY"],
            messages=[{"role": "user", "content": "hi"}],
        )
        print("chat=" + r.choices[0].message.content)
        """,
    )
    assert out["chat"] == "echo: hi"


def test_haystack(tmp_path):
    pytest.importorskip("haystack")
    out, migrated, _ = _before_and_after(
        tmp_path,
        """
        import os

        from haystack.components.generators.chat import AzureOpenAIChatGenerator
        from haystack.dataclasses import ChatMessage
        from haystack.utils import Secret

        gen = AzureOpenAIChatGenerator(
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            azure_deployment="gpt-4o",
            api_version="2024-10-21",
            api_key=Secret.from_env_var("AZURE_OPENAI_API_KEY"),
        )
        reply = gen.run(messages=[ChatMessage.from_user("hi")])
        print("chat=" + reply["replies"][0].text)
        """,
    )
    assert out["chat"] == "echo: hi"
    assert "api_key=None" in migrated


def test_autogen(tmp_path):
    pytest.importorskip("autogen_ext.models.openai")
    out, migrated, _ = _before_and_after(
        tmp_path,
        """
        import asyncio
        import os

        from autogen_core.models import UserMessage
        from autogen_ext.models.openai import AzureOpenAIChatCompletionClient

        client = AzureOpenAIChatCompletionClient(
            model="gpt-4o",
            azure_deployment="gpt-4o",
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            api_version="2024-10-21",
            api_key=os.environ["AZURE_OPENAI_API_KEY"],
        )

        async def main():
            result = await client.create([UserMessage(content="hi", source="user")])
            print("chat=" + result.content)
            await client.close()

        asyncio.run(main())
        """,
    )
    assert out["chat"] == "echo: hi"
    assert "azure_ad_token_provider=async_token_provider" in migrated


def test_azure_ai_inference(tmp_path):
    pytest.importorskip("azure.ai.inference")
    # With a key this SDK sends it as a bearer value, which the stand-in only takes on /v1/
    # paths, so there is no "before" run: the point is the token and its scope after.
    out, migrated, _ = _before_and_after(
        tmp_path,
        """
        import os

        from azure.ai.inference import ChatCompletionsClient
        from azure.ai.inference.models import UserMessage
        from azure.core.credentials import AzureKeyCredential

        client = ChatCompletionsClient(
            endpoint=os.environ["AZURE_OPENAI_ENDPOINT"] + "/openai/deployments/gpt-4o",
            credential=AzureKeyCredential(os.environ.get("AZURE_OPENAI_KEY", "unused")),
        )
        # azure-core refuses a bearer token over http; the stand-in is http on 127.0.0.1.
        reply = client.complete(messages=[UserMessage("hi")], enforce_https=False)
        print("chat=" + reply.choices[0].message.content)
        """,
        check_key=False,
    )
    assert out["chat"] == "echo: hi"
    assert 'credential_scopes=["https://cognitiveservices.azure.com/.default"]' in migrated


def test_openai_module_client(tmp_path):
    out, migrated, _ = _before_and_after(
        tmp_path,
        """
        import os

        import openai

        openai.api_type = "azure"
        openai.azure_endpoint = os.environ["AZURE_OPENAI_ENDPOINT"]
        openai.api_version = "2024-10-21"
        openai.api_key = os.environ["AZURE_OPENAI_API_KEY"]

        r = openai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
        print("chat=" + r.choices[0].message.content)
        """,
    )
    assert out["chat"] == "echo: hi"
    assert "openai.azure_ad_token_provider = token_provider" in migrated


@pytest.mark.llama_index
def test_llama_index(tmp_path):
    pytest.importorskip("llama_index.llms.azure_openai")
    out, migrated, _ = _before_and_after(
        tmp_path,
        """
        import os

        from llama_index.llms.azure_openai import AzureOpenAI

        llm = AzureOpenAI(
            engine="gpt-4o",
            model="gpt-4o",
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            api_version="2024-10-21",
            api_key=os.environ["AZURE_OPENAI_API_KEY"],
        )
        print("chat=" + llm.complete("hi").text)
        """,
        token_also_as_api_key=True,
    )
    assert out["chat"].startswith("echo: ")
    assert "use_azure_ad=True" in migrated
