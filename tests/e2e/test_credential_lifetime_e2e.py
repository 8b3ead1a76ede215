"""The credential setup the migration writes, run for real: rollout (the old key variables still
set), an identity that only ``.env`` names (loaded in ``main()``), and async code that runs
``asyncio.run`` twice. Each program is first run as written, with its key, against the loopback
stand-ins, then migrated by the tool and run with the managed identity only.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from codemods.options import MigrationOptions
from migrator.engine import migrate_source

from .loopback import (
    COGNITIVE_SERVICES_RESOURCE,
    AzureOpenAIEndpoint,
    IdentityEndpoint,
    RecordedRequest,
    _Reply,
    run_program,
)
from .search_loopback import SEARCH_RESOURCE, AzureSearchEndpoint
from .tls import make_loopback_tls

KEY = "lifetime-key-0123456789abcdef01234"
CLIENT_ID = "44444444-5555-4666-8777-888888888888"
QUIET = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "HAYSTACK_TELEMETRY_ENABLED": "False"}
# Every variable the SDKs read a key from by themselves, still set during a rollout.
OLD_KEYS = {"AZURE_OPENAI_API_KEY": KEY, "AZURE_API_KEY": KEY, "OPENAI_API_KEY": KEY}


class ShortLivedIdentity(IdentityEndpoint):
    """Issues tokens that expire as they are issued: every use asks for a new one, so each
    event loop fetches its own (the refresh an hour later, brought forward)."""

    def _handle(self, request: RecordedRequest) -> _Reply:
        reply = super()._handle(request)
        if reply.status == 200:
            reply.body = {**reply.body, "expires_in": "0", "expires_on": str(int(time.time()))}
        return reply


def _migrated(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "app.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    with AzureOpenAIEndpoint(api_keys=[KEY]) as aoai:
        before = run_program(path, {**QUIET, "AZURE_OPENAI_ENDPOINT": aoai.url, **OLD_KEYS})
        assert before.returncode == 0, before.stderr
        assert aoai.requests and {v for _, v in aoai.auth_headers_seen()} == {KEY}
    result = migrate_source(path.read_bytes(), MigrationOptions(), str(path))
    assert result.clients and all(c.outcome == "migrated" for c in result.clients), result.clients
    path.write_bytes(result.new)
    return path


def _run_keyless(
    path: Path, identity: IdentityEndpoint, env: dict[str, str], client_id: str = CLIENT_ID
) -> str:
    """Runs the migrated program; every request must carry the identity's token and no key."""
    token = identity.token_for(COGNITIVE_SERVICES_RESOURCE, client_id)
    with AzureOpenAIEndpoint(tokens=[token]) as aoai:
        env = {**QUIET, "AZURE_OPENAI_ENDPOINT": aoai.url, **identity.env(), **env}
        out = run_program(path, env, timeout=120)
        assert out.returncode == 0, f"stdout:\n{out.stdout}\nstderr:\n{out.stderr}"
        assert aoai.requests
        assert set(aoai.auth_headers_seen()) == {("bearer", token)}
    assert set(identity.client_ids_requested()) == {client_id}
    return out.stdout + out.stderr


ROLLOUT = {
    "openai-env-key": """
        import os

        from openai import AzureOpenAI

        client = AzureOpenAI(api_version="2024-10-21")  # the key comes from the environment
        r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
        print("chat=" + r.choices[0].message.content)
        """,
    "langchain": """
        import os

        from langchain_openai import AzureChatOpenAI

        llm = AzureChatOpenAI(
            azure_deployment="gpt-4o",
            api_version="2024-10-21",
            api_key=os.environ["AZURE_OPENAI_API_KEY"],
        )
        print("chat=" + llm.invoke("hi").content)
        """,
    "haystack": """
        import os

        from haystack.components.embedders import AzureOpenAITextEmbedder

        embedder = AzureOpenAITextEmbedder(
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            azure_deployment="text-embedding-3-small",
            api_version="2024-10-21",
        )  # the key comes from AZURE_OPENAI_API_KEY, its default
        print("dims=" + str(len(embedder.run(text="hi")["embedding"])))
        """,
    "autogen": """
        import asyncio
        import os

        from autogen_core.models import UserMessage
        from autogen_ext.models.openai import AzureOpenAIChatCompletionClient

        client = AzureOpenAIChatCompletionClient(
            azure_deployment="gpt-4o",
            model="gpt-4o",
            api_version="2024-10-21",
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            api_key=os.environ["AZURE_OPENAI_API_KEY"],
        )


        async def main():
            r = await client.create([UserMessage(content="hi", source="user")])
            print("chat=" + r.content)
            await client.close()


        asyncio.run(main())
        """,
}


MODULES = {
    "openai-env-key": "openai",
    "langchain": "langchain_openai",
    "haystack": "haystack",
    "autogen": "autogen_ext",
}


@pytest.mark.parametrize("name", ROLLOUT)
def test_the_migrated_program_runs_while_the_old_key_variables_are_still_set(tmp_path, name):
    pytest.importorskip(MODULES[name])
    path = _migrated(tmp_path, ROLLOUT[name])
    with IdentityEndpoint() as identity:
        _run_keyless(path, identity, {"AZURE_CLIENT_ID": CLIENT_ID, **OLD_KEYS})
    with IdentityEndpoint() as identity:  # and once they are gone
        _run_keyless(path, identity, {"AZURE_CLIENT_ID": CLIENT_ID})


def test_the_identity_named_only_in_dotenv_loaded_by_main_is_the_one_asked_for(tmp_path):
    pytest.importorskip("dotenv")
    path = _migrated(
        tmp_path,
        """
        import os

        from dotenv import load_dotenv
        from openai import AzureOpenAI


        def main():
            client = AzureOpenAI(
                api_key=os.getenv("AZURE_OPENAI_API_KEY"),
                azure_endpoint=os.getenv("AZURE_OPENAI_ENDPOINT"),
                api_version="2024-10-21",
            )
            r = client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
            )
            print("chat=" + r.choices[0].message.content)


        if __name__ == "__main__":
            load_dotenv()
            main()
        """,
    )
    # The setup sits at module level, above main(): what it reads at import would miss .env.
    (tmp_path / ".env").write_text(f"AZURE_CLIENT_ID={CLIENT_ID}\n", encoding="utf-8")
    with IdentityEndpoint() as identity:
        _run_keyless(path, identity, {})
        assert identity.client_ids_requested() == [CLIENT_ID]


def test_async_code_that_runs_two_event_loops_refreshes_in_the_second_and_leaves_nothing_open(
    tmp_path,
):
    path = _migrated(
        tmp_path,
        """
        import asyncio
        import os

        from openai import AsyncAzureOpenAI

        client = AsyncAzureOpenAI(
            api_key=os.environ["AZURE_OPENAI_API_KEY"],
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            api_version="2024-10-21",
        )


        async def ask(text):
            r = await client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": text}]
            )
            print("chat=" + r.choices[0].message.content)


        asyncio.run(ask("one"))
        asyncio.run(ask("two"))
        """,
    )
    with ShortLivedIdentity() as identity:
        env = {"AZURE_CLIENT_ID": CLIENT_ID, "PYTHONWARNINGS": "always::ResourceWarning"}
        output = _run_keyless(path, identity, env)
        # Each loop fetched a token of its own: the second run really refreshed.
        assert len(identity.token_requests()) >= 2
    assert "chat=echo: one" in output and "chat=echo: two" in output
    assert "Unclosed" not in output and "ResourceWarning" not in output


@pytest.mark.llama_index
def test_llama_index_has_no_argument_that_keeps_the_token_out_of_the_api_key_header():
    """Why the migration reports llama-index instead of writing more: with use_azure_ad=True it
    copies the token into api_key, openai 2.x sends it as api-key too, and the one argument that
    could drop that header (default_headers with openai.Omit) is refused by its validation."""
    llms = pytest.importorskip("llama_index.llms.azure_openai")
    import openai
    import pydantic

    def build(**extra):  # type: ignore[no-untyped-def]
        return llms.AzureOpenAI(
            engine="gpt-4o",
            model="gpt-4o",
            azure_endpoint=aoai.url,
            api_version="2024-10-21",
            use_azure_ad=True,
            azure_ad_token_provider=lambda: "the-token",
            **extra,
        )

    with AzureOpenAIEndpoint(tokens=["the-token"]) as aoai:
        with pytest.raises(pydantic.ValidationError):
            build(default_headers={"api-key": openai.Omit()})
        assert build().complete("hi").text == "echo: hi"
        assert sorted(aoai.auth_headers_seen()) == [
            ("api-key", "the-token"),
            ("bearer", "the-token"),
        ]


def test_an_aio_search_client_in_two_event_loops_refreshes_in_the_second_and_leaves_nothing_open(
    tmp_path,
):
    """Azure AI Search's aio client takes a credential object: the one the migration writes must
    fetch tokens in any event loop and hold nothing that needs closing."""
    pytest.importorskip("azure.search.documents")
    (tmp_path / "certs").mkdir()
    tls = make_loopback_tls(tmp_path / "certs")  # azure-core sends a bearer token only over https
    path = tmp_path / "app.py"
    path.write_text(
        textwrap.dedent(
            """
            import asyncio
            import os

            from azure.core.credentials import AzureKeyCredential
            from azure.search.documents.aio import SearchClient

            ENDPOINT = os.environ["AZURE_SEARCH_ENDPOINT"]
            KEY = os.environ["AZURE_SEARCH_API_KEY"]


            async def hits(text):
                async with SearchClient(ENDPOINT, "hotels", AzureKeyCredential(KEY)) as client:
                    results = await client.search(search_text=text)
                    print(text + "=" + str(len([doc async for doc in results])))


            asyncio.run(hits("luxury"))
            asyncio.run(hits("budget"))
            """
        ),
        encoding="utf-8",
    )
    hotels = [
        {"HotelId": "1", "HotelName": "Luxury Suites"},
        {"HotelId": "2", "HotelName": "Budget"},
    ]
    server = tls.server_context()
    with AzureSearchEndpoint({"hotels": hotels}, api_keys=[KEY], tls=server) as search:
        env = {"AZURE_SEARCH_ENDPOINT": search.url, "AZURE_SEARCH_API_KEY": KEY, **tls.client_env()}
        before = run_program(path, env)
        assert before.returncode == 0, before.stderr
        assert search.auth_headers_seen() == [("api-key", KEY)] * 2
    result = migrate_source(path.read_bytes(), MigrationOptions(), str(path))
    assert [c.outcome for c in result.clients] == ["migrated"]
    path.write_bytes(result.new)
    with ShortLivedIdentity() as identity:
        token = identity.token_for(SEARCH_RESOURCE, CLIENT_ID)
        with AzureSearchEndpoint({"hotels": hotels}, tokens=[token], tls=server) as search:
            env = {
                "AZURE_SEARCH_ENDPOINT": search.url,
                "AZURE_CLIENT_ID": CLIENT_ID,
                "PYTHONWARNINGS": "always::ResourceWarning",
                **identity.env(),
                **tls.client_env(),
            }
            out = run_program(path, env, timeout=120)
            assert out.returncode == 0, f"stdout:\n{out.stdout}\nstderr:\n{out.stderr}"
            assert search.auth_headers_seen() == [("authorization", f"Bearer {token}")] * 2
        # Each loop fetched a token of its own: the second really refreshed.
        assert len(identity.token_requests()) == 2
        assert set(identity.client_ids_requested()) == {CLIENT_ID}
        assert set(identity.resources_requested()) == {SEARCH_RESOURCE}
    assert out.stdout.split() == ["luxury=1", "budget=1"]
    assert "Unclosed" not in out.stderr and "ResourceWarning" not in out.stderr
