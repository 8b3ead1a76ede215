"""The OpenAI Agents SDK (openai-agents): ``OpenAIProvider(base_url=<Azure v1 URL>, api_key=...)``.

Checked against openai-agents 0.24.0's source: ``OpenAIProvider.__init__`` is keyword-only
(``api_key``, ``base_url``, ``openai_client``, ...) and, when given ``api_key``, builds
``AsyncOpenAI(api_key=api_key, base_url=base_url, ...)`` with it unchanged, so an async token
provider reaches openai's callable ``api_key`` (openai 1.106 or later). Its ``LitellmModel`` takes
only a string key, and crewai 1.15's ``LLM("azure/...")`` takes a key or falls back to its own
DefaultAzureCredential: neither can be given the module's token provider.
"""

from __future__ import annotations

from codemods.sdks._model import ClientSpec, Invalid, Sdk, Valid
from codemods.sdks.openai import CALLABLE_KEY

SDK = Sdk(
    name="openai-agents",
    specs=(
        ClientSpec(
            sdk="openai-agents",
            label="agents.OpenAIProvider",
            names=("agents.OpenAIProvider", "agents.models.openai_provider.OpenAIProvider"),
            is_async=True,  # it builds an AsyncOpenAI
            keyless_args=(),
            static_token_args=(),
            token_arg="api_key",
            needs_azure_base_url=True,
            token_replaces_key_in_place=True,
            endpoint_args=("base_url",),
            needs=(CALLABLE_KEY,),
        ),
    ),
    examples=(
        Valid(
            """
            import os

            from agents import OpenAIProvider

            provider = OpenAIProvider(api_key=os.environ["OPENAI_API_KEY"])
            """
        ),
        Invalid(
            """
            import os

            from agents import OpenAIProvider

            provider = OpenAIProvider(
                base_url="https://contoso.openai.azure.com/openai/v1/",
                api_key=os.environ["AZURE_OPENAI_API_KEY"],
            )
            """,
            """
            import asyncio
            import functools
            import os

            from agents import OpenAIProvider
            from azure.identity import ManagedIdentityCredential, get_bearer_token_provider


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


            provider = OpenAIProvider(
                base_url="https://contoso.openai.azure.com/openai/v1/",
                api_key=async_token_provider,
            )
            """,
        ),
    ),
)
