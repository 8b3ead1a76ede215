"""haystack's Azure OpenAI generators and embedders."""

from __future__ import annotations

from codemods.sdks._model import ClientSpec, Sdk
from codemods.sdks.openai import CALLABLE_KEY


def _spec(cls: str, *modules: str) -> ClientSpec:
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
        _spec("AzureOpenAIChatGenerator", "haystack.components.generators.chat", "haystack.components.generators.chat.azure"),
        _spec("AzureOpenAIGenerator", "haystack.components.generators", "haystack.components.generators.azure"),
        _spec("AzureOpenAITextEmbedder", "haystack.components.embedders", "haystack.components.embedders.azure_text_embedder"),
        _spec(
            "AzureOpenAIDocumentEmbedder", "haystack.components.embedders", "haystack.components.embedders.azure_document_embedder"
        ),
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
    ),  # fmt: skip
)
