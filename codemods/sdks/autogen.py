"""autogen-ext's AzureOpenAIChatCompletionClient (it wraps AsyncAzureOpenAI)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.sdks._model import ClientSpec, Invalid, Rule, Sdk

if TYPE_CHECKING:
    from codemods.hook_view import HookView

# Names whose use in a module shows that autogen components are serialized.
SERIALIZATION_NAMES = frozenset({"dump_component", "component_config", "_to_config"})
RULE_SERIALIZABLE = "autogen-serializable-provider"


def serializes(migration: HookView) -> bool:
    return bool(SERIALIZATION_NAMES & migration.names_in_module())


SDK = Sdk(
    name="autogen",
    specs=(
        ClientSpec(
            sdk="autogen",
            label="autogen_ext.models.openai.AzureOpenAIChatCompletionClient",
            names=tuple(
                f"{m}.AzureOpenAIChatCompletionClient"
                for m in ("autogen_ext.models.openai", "autogen_ext.models.openai._openai_client")
            ),
            is_async=True,  # it wraps AsyncAzureOpenAI
            endpoint_args=("azure_endpoint",),
            serializes=serializes,
        ),
    ),
    rules=(
        Rule(
            RULE_SERIALIZABLE,
            "Serialized autogen components take AzureTokenProvider (DefaultAzureCredential)",
            "note",
        ),
    ),
    examples=(
        Invalid(
            """
            import os

            from autogen_ext.models.openai import AzureOpenAIChatCompletionClient

            client = AzureOpenAIChatCompletionClient(
                model="gpt-4o",
                api_key=os.environ["AZURE_OPENAI_API_KEY"],
            )
            """,
            """
            import asyncio
            import functools
            import os

            from autogen_ext.models.openai import AzureOpenAIChatCompletionClient
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


            client = AzureOpenAIChatCompletionClient(
                model="gpt-4o",
                azure_ad_token_provider=async_token_provider,
            )
            """,
        ),
    ),
)
