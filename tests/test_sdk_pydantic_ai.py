"""PydanticAI's ``AzureProvider`` (codemods/sdks/pydantic_ai.py): the v1 form migrated (whole
result), the forms without a token argument reported and left byte for byte, and look-alikes."""

from __future__ import annotations

import textwrap

import pytest

from codemods.options import MigrationOptions
from codemods.sdks.pydantic_ai import ENDPOINT_FROM_ENV, NO_TOKEN_ARGUMENT
from migrator.engine import migrate_source

LABEL = "pydantic_ai.providers.azure.AzureProvider"


def _migrate(source: str):  # type: ignore[no-untyped-def]
    return migrate_source(textwrap.dedent(source).encode(), MigrationOptions(), "agent.py")


def test_a_v1_endpoint_takes_the_async_provider_in_api_key():
    result = _migrate(
        """\
        import os

        from pydantic_ai import Agent
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.azure import AzureProvider

        model = OpenAIChatModel(
            "gpt-4o",
            provider=AzureProvider(
                azure_endpoint=f"{os.environ['AZURE_OPENAI_ENDPOINT']}/openai/v1",
                api_key=os.environ["AZURE_OPENAI_API_KEY"],
            ),
        )
        agent = Agent(model)
        """
    )
    assert result.new.decode() == textwrap.dedent(
        """\
        import asyncio
        import functools
        import os

        from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
        from pydantic_ai import Agent
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.azure import AzureProvider


        @functools.cache
        def _token_provider():
            # Built at the first token request, once the program has set up its environment.
            credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
            return get_bearer_token_provider(
                credential, "https://cognitiveservices.azure.com/.default"
            )


        async def async_token_provider():
            # A worker thread fetches the token: no event loop is tied to it.
            return await asyncio.to_thread(_token_provider())


        model = OpenAIChatModel(
            "gpt-4o",
            provider=AzureProvider(
                azure_endpoint=f"{os.environ['AZURE_OPENAI_ENDPOINT']}/openai/v1",
                api_key=async_token_provider,
            ),
        )
        agent = Agent(model)
        """
    )
    assert [(c.cls, c.outcome) for c in result.clients] == [(LABEL, "migrated")]


def test_a_client_passed_in_is_migrated_and_the_provider_is_not_a_second_site():
    result = _migrate(
        """\
        import os

        from openai import AsyncAzureOpenAI
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.azure import AzureProvider

        client = AsyncAzureOpenAI(
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            api_version="2024-10-21",
            api_key=os.environ["AZURE_OPENAI_API_KEY"],
        )
        model = OpenAIChatModel("gpt-4o", provider=AzureProvider(openai_client=client))
        """
    )
    assert [(c.cls, c.outcome) for c in result.clients] == [("openai.AsyncAzureOpenAI", "migrated")]
    assert "    azure_ad_token_provider=async_token_provider,\n" in result.new.decode()
    assert "provider=AzureProvider(openai_client=client))\n" in result.new.decode()


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        # The form public code uses: endpoint, api_version and key from settings.
        (
            """\
            import os

            from pydantic_ai import Agent
            from pydantic_ai.models.openai import OpenAIChatModel
            from pydantic_ai.providers.azure import AzureProvider

            azure_provider = AzureProvider(
                azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
                api_version=os.environ["AZURE_OPENAI_API_VERSION"],
                api_key=os.environ["AZURE_OPENAI_API_KEY"],
            )
            agent = Agent(OpenAIChatModel("gpt-4o", provider=azure_provider))
            """,
            NO_TOKEN_ARGUMENT,
        ),
        (
            """\
            from pydantic_ai.providers.azure import AzureProvider

            provider = AzureProvider(
                azure_endpoint="https://contoso.openai.azure.com/",
                api_version="2024-10-21",
                api_key="0123456789abcdef0123456789abcdef",
            )
            """,
            NO_TOKEN_ARGUMENT,
        ),
        # Everything from AZURE_OPENAI_ENDPOINT / AZURE_OPENAI_API_KEY / OPENAI_API_VERSION.
        (
            """\
            from pydantic_ai.providers.azure import AzureProvider

            provider = AzureProvider()
            """,
            ENDPOINT_FROM_ENV,
        ),
    ],
)
def test_forms_without_a_token_argument_are_reported_and_left(source, reason):
    result = _migrate(source)
    assert result.new == textwrap.dedent(source).encode()
    assert [(c.cls, c.outcome, c.reason) for c in result.clients] == [(LABEL, "manual", reason)]
    assert "openai_client=" in reason and "azure_ad_token_provider=" in reason


def test_a_serverless_endpoint_keeps_its_key():
    source = """\
    import os

    from pydantic_ai.providers.azure import AzureProvider

    serverless = AzureProvider(
        azure_endpoint="https://llama-serverless.eastus2.models.ai.azure.com",
        api_key=os.environ["AZURE_INFERENCE_KEY"],
    )
    """
    result = _migrate(source)
    assert result.new == textwrap.dedent(source).encode()
    assert [(c.outcome, c.reason) for c in result.clients] == [
        (
            "review",
            "a serverless model endpoint (*.models.ai.azure.com) takes only its own key; "
            "left as it is",
        )
    ]


@pytest.mark.parametrize(
    "source",
    [
        # GitHub Models, Ollama and vLLM through PydanticAI's OpenAIProvider.
        """\
        import os

        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.openai import OpenAIProvider

        github = OpenAIChatModel(
            "gpt-4o",
            provider=OpenAIProvider(
                base_url="https://models.inference.ai.azure.com", api_key=os.environ["GITHUB_TOKEN"]
            ),
        )
        """,
        """\
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.openai import OpenAIProvider

        local = OpenAIChatModel(
            "llama3.1", provider=OpenAIProvider(base_url="http://localhost:11434/v1", api_key="x")
        )
        vllm = OpenAIChatModel(
            "qwen", provider=OpenAIProvider(base_url="http://vllm:8000/v1", api_key="EMPTY")
        )
        """,
    ],
)
def test_look_alikes_stay_byte_for_byte(source):
    result = _migrate(source)
    assert result.new == textwrap.dedent(source).encode()
    assert result.clients == ()
