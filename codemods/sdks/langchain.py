"""langchain-openai's Azure classes, and the legacy langchain_community / langchain ones."""

from __future__ import annotations

from codemods.sdks._model import ClientSpec, Invalid, Rule, Sdk

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


def _new(cls: str, package: str, leaf: str) -> ClientSpec:
    root = "langchain_openai"
    modules = (root, f"{root}.{package}", f"{root}.{package}.{leaf}")
    return _spec(cls, modules, legacy=False)


def _legacy(cls: str, package: str, leaf: str) -> ClientSpec:
    modules = tuple(
        f"{root}.{package}{tail}"
        for root in ("langchain_community", "langchain")
        for tail in ("", f".{leaf}")
    )
    return _spec(cls, modules, legacy=True)


SDK = Sdk(
    name="langchain",
    specs=(
        _new("AzureChatOpenAI", "chat_models", "azure"),
        _new("AzureOpenAIEmbeddings", "embeddings", "azure"),
        _new("AzureOpenAI", "llms", "azure"),
        _legacy("AzureChatOpenAI", "chat_models", "azure_openai"),
        _legacy("AzureOpenAIEmbeddings", "embeddings", "azure_openai"),
        _legacy("AzureOpenAI", "llms", "openai"),
    ),
    rules=(
        Rule(RULE_COMMUNITY_ENV, "A legacy langchain_community class still reads key variables"),
    ),
    examples=(
        Invalid(
            """
            import os

            from langchain_openai import AzureChatOpenAI

            llm = AzureChatOpenAI(azure_deployment="gpt-4o", api_key=os.environ["AOAI_KEY"])
            """,
            """
            import functools
            import os

            from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
            from langchain_openai import AzureChatOpenAI


            @functools.cache
            def _token_provider():
                # Built at the first token request, once the program has set up its environment.
                credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
                return get_bearer_token_provider(
                    credential, "https://cognitiveservices.azure.com/.default"
                )


            def token_provider():
                return _token_provider()()


            llm = AzureChatOpenAI(azure_deployment="gpt-4o", azure_ad_token_provider=token_provider)
            """,
        ),
    ),
)
