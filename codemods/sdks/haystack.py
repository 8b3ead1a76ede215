"""haystack's Azure OpenAI generators and embedders."""

from __future__ import annotations

from codemods.sdks._model import ClientSpec, Invalid, Sdk
from codemods.sdks.openai import CALLABLE_KEY


def _spec(cls: str, package: str, leaf: str) -> ClientSpec:
    modules = (f"haystack.components.{package}", f"haystack.components.{package}.{leaf}")
    return ClientSpec(
        sdk="haystack",
        label=f"{modules[0]}.{cls}",
        names=tuple(f"{m}.{cls}" for m in modules),
        endpoint_args=("azure_endpoint",),
        # The default api_key is Secret.from_env_var("AZURE_OPENAI_API_KEY", strict=False): with a
        # provider next to it openai 3.x raises, so the key is switched off explicitly.
        extra_args=(("api_key", "None"),),
        none_key_means_no_key=True,
    )


SDK = Sdk(
    name="haystack",
    specs=(
        _spec("AzureOpenAIChatGenerator", "generators.chat", "azure"),
        _spec("AzureOpenAIGenerator", "generators", "azure"),
        _spec("AzureOpenAITextEmbedder", "embedders", "azure_text_embedder"),
        _spec("AzureOpenAIDocumentEmbedder", "embedders", "azure_document_embedder"),
        ClientSpec(
            sdk="haystack",
            label="haystack.components.generators.chat.AzureOpenAIResponsesChatGenerator",
            names=tuple(
                f"{m}.AzureOpenAIResponsesChatGenerator"
                for m in (
                    "haystack.components.generators.chat",
                    "haystack.components.generators.chat.azure_responses",
                )
            ),
            # Its api_key takes a provider itself (it builds the v1 OpenAI clients).
            keyless_args=(),
            static_token_args=(),
            token_arg="api_key",
            token_replaces_key_in_place=True,
            endpoint_args=("azure_endpoint",),
            async_use_methods=("run_async",),
            needs=(CALLABLE_KEY,),
        ),
    ),
    examples=(
        Invalid(
            """
            from haystack.components.generators.chat import AzureOpenAIChatGenerator
            from haystack.utils import Secret

            gen = AzureOpenAIChatGenerator(api_key=Secret.from_env_var("AZURE_OPENAI_API_KEY"))
            """,
            """
            import functools
            import os

            from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
            from haystack.components.generators.chat import AzureOpenAIChatGenerator


            @functools.cache
            def _token_provider():
                # Built at the first token request, once the program has set up its environment.
                credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
                return get_bearer_token_provider(
                    credential, "https://cognitiveservices.azure.com/.default"
                )


            def token_provider():
                return _token_provider()()


            gen = AzureOpenAIChatGenerator(azure_ad_token_provider=token_provider, api_key=None)
            """,
        ),
    ),
)
