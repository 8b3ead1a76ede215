"""langchain-openai's Azure classes, and the legacy langchain_community / langchain ones."""

from __future__ import annotations

from codemods.sdks._model import ClientSpec, Rule, Sdk

_ASYNC = (
    "ainvoke", "astream", "abatch", "abatch_as_completed", "astream_events", "astream_log",
    "agenerate", "agenerate_prompt", "apredict", "apredict_messages", "aembed_documents",
    "aembed_query", "acall",
)  # fmt: skip

RULE_COMMUNITY_ENV = "community-env-key"
_COMMUNITY_ENV_NOTE = (
    RULE_COMMUNITY_ENV,
    (
        "this legacy langchain_community class still reads AZURE_OPENAI_API_KEY / OPENAI_API_KEY "
        "and passes it to openai next to the token provider: unset both variables (openai 3.x "
        "rejects a key and a provider together), or move to langchain_openai"
    ),
    "warning",
)


def _spec(cls: str, modules: tuple[str, ...], *, legacy: bool) -> ClientSpec:
    return ClientSpec(
        sdk="langchain-community" if legacy else "langchain-openai",
        label=f"{modules[0]}.{cls}",
        names=tuple(f"{m}.{cls}" for m in modules),
        key_args=("api_key", "openai_api_key"),
        keyless_args=("azure_ad_token_provider", "azure_ad_async_token_provider"),
        endpoint_args=("azure_endpoint", "openai_api_base", "base_url"),
        async_use_methods=_ASYNC,
        async_token_arg="azure_ad_async_token_provider",
        notes=(_COMMUNITY_ENV_NOTE,) if legacy else (),
    )


SDK = Sdk(
    name="langchain",
    specs=(
        _spec("AzureChatOpenAI", ("langchain_openai", "langchain_openai.chat_models", "langchain_openai.chat_models.azure"), legacy=False),
        _spec("AzureOpenAIEmbeddings", ("langchain_openai", "langchain_openai.embeddings", "langchain_openai.embeddings.azure"), legacy=False),
        _spec("AzureOpenAI", ("langchain_openai", "langchain_openai.llms", "langchain_openai.llms.azure"), legacy=False),
        _spec(
            "AzureChatOpenAI",
            ("langchain_community.chat_models", "langchain_community.chat_models.azure_openai", "langchain.chat_models", "langchain.chat_models.azure_openai"),
            legacy=True,
        ),
        _spec(
            "AzureOpenAIEmbeddings",
            ("langchain_community.embeddings", "langchain_community.embeddings.azure_openai", "langchain.embeddings", "langchain.embeddings.azure_openai"),
            legacy=True,
        ),
        _spec(
            "AzureOpenAI",
            ("langchain_community.llms", "langchain_community.llms.openai", "langchain.llms", "langchain.llms.openai"),
            legacy=True,
        ),
    ),  # fmt: skip
    rules=(
        Rule(RULE_COMMUNITY_ENV, "A legacy langchain_community class still reads the key variables"),
    ),
)
