"""semantic-kernel's Azure OpenAI services (they wrap AsyncAzureOpenAI)."""

from __future__ import annotations

from codemods.sdks._model import ClientSpec, Invalid, Rule, Sdk

RULE_ENV_KEY = "sk-env-key"
_NOTE = (
    RULE_ENV_KEY,
    (
        "semantic-kernel still reads AZURE_OPENAI_API_KEY from the environment and from "
        ".env and passes it to openai next to ad_token_provider: remove it from both "
        "(openai 3.x rejects a key and a provider together)"
    ),
    "warning",
)
_PACKAGE = "semantic_kernel.connectors.ai.open_ai"


def _spec(cls: str, module: str) -> ClientSpec:
    return ClientSpec(
        sdk="semantic-kernel",
        label=f"{_PACKAGE}.{cls}",
        names=(f"{_PACKAGE}.{cls}", f"{_PACKAGE}.services.{module}.{cls}"),
        is_async=True,  # its services wrap AsyncAzureOpenAI
        keyless_args=("ad_token_provider",),
        static_token_args=("ad_token", "credential"),
        token_arg="ad_token_provider",
        endpoint_args=("endpoint", "base_url"),
        notes=(_NOTE,),
    )


SDK = Sdk(
    name="semantic-kernel",
    specs=(
        _spec("AzureChatCompletion", "azure_chat_completion"),
        _spec("AzureTextEmbedding", "azure_text_embedding"),
        _spec("AzureTextCompletion", "azure_text_completion"),
        _spec("AzureAudioToText", "azure_audio_to_text"),
        _spec("AzureTextToImage", "azure_text_to_image"),
        _spec("AzureTextToAudio", "azure_text_to_audio"),
    ),
    rules=(Rule(RULE_ENV_KEY, "semantic-kernel still reads AZURE_OPENAI_API_KEY: remove it"),),
    examples=(
        Invalid(
            """
            import os

            from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion

            chat = AzureChatCompletion(api_key=os.environ["AZURE_OPENAI_API_KEY"])
            """,
            """
            import os

            from azure.identity.aio import ManagedIdentityCredential, get_bearer_token_provider
            from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion

            async_credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
            async_token_provider = get_bearer_token_provider(
                async_credential, "https://cognitiveservices.azure.com/.default"
            )

            chat = AzureChatCompletion(ad_token_provider=async_token_provider)
            """,
        ),
    ),
)
