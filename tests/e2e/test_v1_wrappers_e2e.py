"""End to end: LangChain's ChatOpenAI / OpenAIEmbeddings on the Azure OpenAI v1 endpoint, and
azure-ai-inference on an AI Foundry ``/models`` endpoint. Each program is migrated by the tool,
then run with the installed SDK against the loopback managed-identity and Azure OpenAI
stand-ins with no key in its environment: every request must carry the identity's bearer token
for the Cognitive Services resource, and no api-key. The original program runs first with the
key, so the stand-in is shown to reject what it should.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from codemods.options import MigrationOptions
from migrator.engine import migrate_source

from .loopback import (
    COGNITIVE_SERVICES_RESOURCE,
    AzureOpenAIEndpoint,
    IdentityEndpoint,
    RecordedRequest,
    run_program,
)

KEY = "e2e-key-v1wrap-0123456789abcdef01234"
CLIENT_ID = "33333333-4444-5555-6666-777777777777"
QUIET = {"TIKTOKEN_CACHE_DIR": ""}
FOUNDRY = "https://contoso-foundry.services.ai.azure.com"


class FoundryEndpoint(AzureOpenAIEndpoint):
    """The stand-in, also answering an AI Foundry resource's model inference routes
    (``/models/chat/completions``, ``/models/embeddings``) the way it answers Azure OpenAI's."""

    _MODELS = re.compile(r"^/models/(?P<kind>chat/completions|embeddings)$")

    def _route(self, request: RecordedRequest) -> tuple[str, str | None] | None:
        match = self._MODELS.match(request.path)
        if match and request.method == "POST":
            return ("chat" if match["kind"] == "chat/completions" else "embeddings"), None
        return super()._route(request)


def _migrate(path: Path) -> str:
    result = migrate_source(path.read_bytes(), MigrationOptions(), str(path))
    assert result.clients and all(c.outcome == "migrated" for c in result.clients), result.clients
    path.write_bytes(result.new)
    return result.new.decode()


def _run(path: Path, env: dict[str, str]) -> dict[str, str]:
    result = run_program(path, {**QUIET, **env}, timeout=120)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def _before_and_after(
    tmp_path: Path, source: str, server: type[AzureOpenAIEndpoint]
) -> tuple[dict[str, str], str, list[RecordedRequest]]:
    """Run ``source`` with the key, migrate it, run it with the managed identity.

    The tool decides on the program as written (an AI Foundry host literal); for the runs that
    host is pointed at the stand-in.
    """
    path = tmp_path / "app.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    original = path.read_text(encoding="utf-8")
    with server(api_keys=[KEY]) as aoai:
        path.write_text(original.replace(FOUNDRY, aoai.url), encoding="utf-8")
        _run(path, {"AZURE_OPENAI_ENDPOINT": aoai.url, "AZURE_OPENAI_API_KEY": KEY})
        assert aoai.requests and {v for _, v in aoai.auth_headers_seen()} == {KEY}
    path.write_text(original, encoding="utf-8")
    migrated = _migrate(path)
    assert KEY not in migrated and "AZURE_OPENAI_API_KEY" not in migrated
    with IdentityEndpoint() as identity:
        token = identity.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        with server(tokens=[token]) as aoai:
            path.write_text(migrated.replace(FOUNDRY, aoai.url), encoding="utf-8")
            env = {"AZURE_OPENAI_ENDPOINT": aoai.url, "AZURE_CLIENT_ID": CLIENT_ID}
            out = _run(path, {**env, **identity.env()})
            requests = aoai.requests
            assert requests and set(aoai.auth_headers_seen()) == {("bearer", token)}
            assert all("api-key" not in r.headers for r in requests)
        assert set(identity.resources_requested()) == {COGNITIVE_SERVICES_RESOURCE}
        assert set(identity.client_ids_requested()) == {CLIENT_ID}
    return out, migrated, requests


def test_langchain_chat_openai_and_embeddings_on_the_v1_endpoint_sync_and_async(tmp_path):
    pytest.importorskip("langchain_openai")
    out, migrated, requests = _before_and_after(
        tmp_path,
        """
        import asyncio
        import os

        from langchain_openai import ChatOpenAI, OpenAIEmbeddings

        V1 = os.environ["AZURE_OPENAI_ENDPOINT"] + "/openai/v1/"

        llm = ChatOpenAI(model="gpt-4o-mini", base_url=V1, api_key=os.environ["AZURE_OPENAI_API_KEY"])
        emb = OpenAIEmbeddings(
            model="text-embedding-3-small",
            openai_api_base=V1,
            openai_api_key=os.environ["AZURE_OPENAI_API_KEY"],
            check_embedding_ctx_length=False,
        )


        async def main():
            reply = await llm.ainvoke("async hello")
            print("achat=" + reply.content)
            [batched] = await llm.abatch(["batched"])
            print("abatch=" + batched.content)
            print("adims=" + str(len(await emb.aembed_query("y"))))


        print("chat=" + llm.invoke("hello").content)
        print("dims=" + str(len(emb.embed_query("x"))))
        asyncio.run(main())
        """,
        AzureOpenAIEndpoint,
    )
    assert out["chat"] == "echo: hello" and out["achat"] == "echo: async hello"
    assert out["abatch"] == "echo: batched"
    assert out["dims"] == out["adims"] != "0"
    # One sync provider serves the async calls too (langchain-openai runs it in a thread).
    assert migrated.count("api_key=token_provider") == 2 and "async_token_provider" not in migrated
    assert {(r.method, r.path) for r in requests} == {
        ("POST", "/openai/v1/chat/completions"),
        ("POST", "/openai/v1/embeddings"),
    }


def test_azure_ai_inference_on_an_ai_foundry_models_endpoint(tmp_path):
    pytest.importorskip("azure.ai.inference")
    out, migrated, requests = _before_and_after(
        tmp_path,
        f"""
        import os

        from azure.ai.inference import ChatCompletionsClient
        from azure.ai.inference.models import UserMessage
        from azure.core.credentials import AzureKeyCredential

        client = ChatCompletionsClient(
            endpoint="{FOUNDRY}/models",
            credential=AzureKeyCredential(os.environ["AZURE_OPENAI_API_KEY"]),
        )
        # azure-core refuses a bearer token over http (the stand-in is http on 127.0.0.1) unless
        # told; the option is the bearer policy's, so the key run must not pass it.
        http = {{"enforce_https": False}} if "IDENTITY_ENDPOINT" in os.environ else {{}}
        reply = client.complete(model="DeepSeek-V3", messages=[UserMessage("hi")], **http)
        print("chat=" + reply.choices[0].message.content)
        """,
        FoundryEndpoint,
    )
    assert out["chat"] == "echo: hi"
    assert 'credential_scopes=["https://cognitiveservices.azure.com/.default"]' in migrated
    assert {(r.method, r.path) for r in requests} == {("POST", "/models/chat/completions")}
