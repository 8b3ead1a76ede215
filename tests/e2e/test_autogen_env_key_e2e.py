"""AutoGen's AzureOpenAIChatCompletionClient built with no key argument: before the migration it
authenticates with AZURE_OPENAI_API_KEY from the environment (openai reads it underneath); after
it, the same environment, key variable still set (a rollout that has not removed it yet), must
give bearer tokens only: autogen-ext hands its arguments to AsyncAzureOpenAI, which consults the
variable only when none of api_key, azure_ad_token, azure_ad_token_provider is passed."""

from __future__ import annotations

import textwrap

import pytest

from codemods.options import MigrationOptions
from migrator.engine import migrate_source

from .loopback import (
    COGNITIVE_SERVICES_RESOURCE,
    AzureOpenAIEndpoint,
    IdentityEndpoint,
    run_program,
)

KEY = "autogen-env-key-00112233445566778899"
CLIENT_ID = "33333333-4444-5555-6666-777777777777"

PROGRAM = """\
import asyncio
import os

from autogen_core.models import UserMessage
from autogen_ext.models.openai import AzureOpenAIChatCompletionClient


def make_client():
    return AzureOpenAIChatCompletionClient(
        azure_deployment="gpt-4o",
        model="gpt-4o",
        api_version="2024-10-21",
        azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    )


async def main():
    client = make_client()
    result = await client.create([UserMessage(content="hi", source="user")])
    print("chat=" + result.content)
    await client.close()


asyncio.run(main())
"""


def _run(path, env):  # type: ignore[no-untyped-def]
    result = run_program(path, env, timeout=120)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def test_no_key_argument_client_sends_only_the_token_with_the_old_key_still_set(tmp_path):
    pytest.importorskip("autogen_ext.models.openai")
    path = tmp_path / "app.py"
    path.write_text(PROGRAM, encoding="utf-8")
    with AzureOpenAIEndpoint(api_keys=[KEY]) as aoai:
        out = _run(path, {"AZURE_OPENAI_ENDPOINT": aoai.url, "AZURE_OPENAI_API_KEY": KEY})
        assert out["chat"] == "echo: hi"
        assert {v for _, v in aoai.auth_headers_seen()} == {KEY}  # the environment's key

    result = migrate_source(path.read_bytes(), MigrationOptions(), str(path))
    assert [(c.outcome, c.reason) for c in result.clients] == [
        (
            "migrated",
            "no key argument (the key came from the environment); azure_ad_token_provider= added",
        )
    ]
    migrated = result.new.decode()
    assert migrated.endswith(
        textwrap.dedent(
            """\
            def make_client():
                return AzureOpenAIChatCompletionClient(
                    azure_deployment="gpt-4o",
                    model="gpt-4o",
                    api_version="2024-10-21",
                    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
                    azure_ad_token_provider=async_token_provider,
                )
            """
        )
        + PROGRAM[PROGRAM.index("\n\nasync def main") :]
    )
    path.write_bytes(result.new)

    with IdentityEndpoint() as identity:
        token = identity.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        with AzureOpenAIEndpoint(tokens=[token], api_keys=[KEY]) as aoai:
            env = {
                "AZURE_OPENAI_ENDPOINT": aoai.url,
                "AZURE_OPENAI_API_KEY": KEY,  # not removed yet: it must not be sent
                "AZURE_CLIENT_ID": CLIENT_ID,
                **identity.env(),
            }
            out = _run(path, env)
            assert out["chat"] == "echo: hi"
            assert aoai.requests
            assert set(aoai.auth_headers_seen()) == {("bearer", token)}
            assert all("api-key" not in r.headers for r in aoai.requests)
        assert set(identity.client_ids_requested()) == {CLIENT_ID}
