"""DSPy, PydanticAI and the OpenAI Agents SDK end to end: the key-based program is migrated by the
tool, then run with the installed package against the loopback managed-identity and Azure OpenAI
stand-ins, with no key in its environment; every request must carry the identity's bearer token
and no api-key (the checks of test_sdks_e2e's ``_before_and_after``, which first runs the original
program with the key)."""

from __future__ import annotations

import pytest

from .loopback import COGNITIVE_SERVICES_RESOURCE, AzureOpenAIEndpoint, IdentityEndpoint
from .test_sdks_e2e import CLIENT_ID, KEY, _before_and_after, _run


def test_dspy_sync_and_async(tmp_path):
    pytest.importorskip("dspy")
    out, migrated, aoai = _before_and_after(
        tmp_path,
        """
        import asyncio
        import os

        import dspy

        lm = dspy.LM(
            "azure/gpt-4o",
            api_base=os.environ["AZURE_OPENAI_ENDPOINT"],
            api_version="2024-10-21",
            api_key=os.environ["AZURE_OPENAI_API_KEY"],
            cache=False,
        )
        print("chat=" + lm("hello")[0])
        print("achat=" + asyncio.run(lm.acall("async hello"))[0])
        """,
    )
    assert out["chat"] == "echo: hello" and out["achat"] == "echo: async hello"
    assert "    azure_ad_token_provider=token_provider,\n" in migrated
    assert {(r.method, r.path) for r in aoai.requests} == {
        ("POST", "/openai/deployments/gpt-4o/chat/completions")
    }


def test_pydantic_ai_v1_endpoint(tmp_path):
    pytest.importorskip("pydantic_ai")
    out, migrated, aoai = _before_and_after(
        tmp_path,
        """
        import os

        from pydantic_ai import Agent
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.azure import AzureProvider

        provider = AzureProvider(
            azure_endpoint=f"{os.environ['AZURE_OPENAI_ENDPOINT']}/openai/v1",
            api_key=os.environ["AZURE_OPENAI_API_KEY"],
        )
        agent = Agent(OpenAIChatModel("gpt-4o", provider=provider))
        print("chat=" + agent.run_sync("hello").output)
        """,
    )
    assert out["chat"] == "echo: hello"
    assert "    api_key=async_token_provider,\n" in migrated
    assert {(r.method, r.path) for r in aoai.requests} == {("POST", "/openai/v1/chat/completions")}
    # Rollout: a key still set where the migrated program runs is not read (the provider is an
    # explicit api_key), so nothing but the token is sent.
    with IdentityEndpoint() as identity:
        token = identity.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        with AzureOpenAIEndpoint(tokens=[token]) as aoai:
            env = {"AZURE_OPENAI_ENDPOINT": aoai.url, "AZURE_CLIENT_ID": CLIENT_ID}
            _run(tmp_path / "app.py", {**env, **identity.env(), "AZURE_OPENAI_API_KEY": KEY})
            assert aoai.requests and set(aoai.auth_headers_seen()) == {("bearer", token)}


def test_pydantic_ai_with_an_azure_openai_client(tmp_path):
    pytest.importorskip("pydantic_ai")
    out, migrated, aoai = _before_and_after(
        tmp_path,
        """
        import os

        from openai import AsyncAzureOpenAI
        from pydantic_ai import Agent
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.azure import AzureProvider

        client = AsyncAzureOpenAI(
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            api_version="2024-10-21",
            api_key=os.environ["AZURE_OPENAI_API_KEY"],
        )
        agent = Agent(OpenAIChatModel("gpt-4o", provider=AzureProvider(openai_client=client)))
        print("chat=" + agent.run_sync("hello").output)
        """,
    )
    assert out["chat"] == "echo: hello"
    assert "    azure_ad_token_provider=async_token_provider,\n" in migrated
    assert {(r.method, r.path) for r in aoai.requests} == {
        ("POST", "/openai/deployments/gpt-4o/chat/completions")
    }


def test_openai_agents_provider(tmp_path):
    pytest.importorskip("agents")
    out, migrated, aoai = _before_and_after(
        tmp_path,
        """
        import os

        from agents import Agent, OpenAIProvider, RunConfig, Runner, set_tracing_disabled

        set_tracing_disabled(True)
        provider = OpenAIProvider(
            base_url=f"{os.environ['AZURE_OPENAI_ENDPOINT']}/openai/v1/",
            api_key=os.environ["AZURE_OPENAI_API_KEY"],
        )
        agent = Agent(name="assistant", instructions="Answer briefly.", model="gpt-4o")
        result = Runner.run_sync(agent, "hello", run_config=RunConfig(model_provider=provider))
        print("reply=" + result.final_output)
        """,
    )
    assert out["reply"] == "echo: hello"
    assert "    api_key=async_token_provider,\n" in migrated
    assert {(r.method, r.path) for r in aoai.requests} == {("POST", "/openai/v1/responses")}
