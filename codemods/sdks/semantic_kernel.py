"""semantic-kernel's Azure OpenAI services (they wrap AsyncAzureOpenAI)."""

from __future__ import annotations

from codemods.sdks._model import ClientSpec, Invalid, Rule, Sdk

RULE_ENV_KEY = "sk-env-key"
_NOTE = (
    RULE_ENV_KEY,
    (
        'api_key="" added: without it semantic-kernel reads AZURE_OPENAI_API_KEY from the '
        "environment (or its env_file) and passes it to openai next to ad_token_provider, "
        "which openai rejects while the old key is still set"
    ),
    "info",
)
_KEYLESS_NOTE = (
    RULE_ENV_KEY,
    (
        "semantic-kernel still reads AZURE_OPENAI_API_KEY from the environment (or its env_file) "
        'and passes it to openai next to ad_token_provider: pass api_key="" or unset the variable '
        "(openai rejects a key and a provider together)"
    ),
    "warning",
)
# Its settings class takes an init argument over the environment and .env, and an empty key is
# falsy: the key is not passed on (services/azure_chat_completion.py, azure_config_base.py).
_NO_ENV_KEY = (("api_key", '""'),)
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
        extra_args=_NO_ENV_KEY,
        notes=(_NOTE,),
        keyless_notes=(_KEYLESS_NOTE,),
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
    rules=(
        Rule(
            RULE_ENV_KEY,
            'api_key="" keeps semantic-kernel from reading AZURE_OPENAI_API_KEY itself',
            "note",
        ),
    ),
    examples=(
        Invalid(
            """
            import os

            from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion

            chat = AzureChatCompletion(api_key=os.environ["AZURE_OPENAI_API_KEY"])
            """,
            """
            import asyncio
            import functools
            import os

            from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
            from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion


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


            chat = AzureChatCompletion(ad_token_provider=async_token_provider, api_key="")
            """,
        ),
    ),
)
