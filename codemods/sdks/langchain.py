"""langchain-openai's Azure classes, and the legacy langchain_community / langchain ones."""

from __future__ import annotations

from codemods.sdks._model import ClientSpec, Dependency, Invalid, Rule, Sdk, Valid

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


# ChatOpenAI / OpenAIEmbeddings on the Azure v1 endpoint (``base_url=https://R.openai.azure.com/
# openai/v1/``) send api_key as a bearer value, so the key becomes a token provider in its place.
# langchain-openai hands a sync callable to the sync openai client and, wrapped to run in a worker
# thread, to the async one: the one sync provider serves ainvoke/astream too. An async callable
# would leave the sync client unset, so the sync provider is the one written.
CALLABLE_KEY = Dependency(
    "langchain-openai",
    "1.0.1",
    "ChatOpenAI / OpenAIEmbeddings(api_key=<token provider>) need a callable api_key, which "
    "langchain-openai has from 1.0.1",
    add_if_missing=False,
)


def _v1(cls: str, package: str) -> ClientSpec:
    root = "langchain_openai"
    modules = (root, f"{root}.{package}", f"{root}.{package}.base")
    return ClientSpec(
        sdk="langchain-openai",
        label=f"{root}.{cls}",
        names=tuple(f"{m}.{cls}" for m in modules),
        key_args=("api_key", "openai_api_key"),
        keyless_args=(),
        static_token_args=(),
        token_arg="api_key",
        needs_azure_base_url=True,
        token_replaces_key_in_place=True,
        endpoint_args=("base_url", "openai_api_base"),
        needs=(CALLABLE_KEY,),
    )


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
        _v1("ChatOpenAI", "chat_models"),
        _v1("OpenAIEmbeddings", "embeddings"),
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
        Valid(
            """
            from langchain_openai import ChatOpenAI

            llm = ChatOpenAI(model="llama3.2", base_url="http://localhost:11434/v1", api_key="x")
            """
        ),
        Invalid(
            """
            import os

            from langchain_openai import OpenAIEmbeddings

            embeddings = OpenAIEmbeddings(
                model="text-embedding-3-small",
                base_url="https://contoso.openai.azure.com/openai/v1/",
                api_key=os.environ["AZURE_OPENAI_API_KEY"],
            )
            """,
            """
            import functools
            import os

            from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
            from langchain_openai import OpenAIEmbeddings


            @functools.cache
            def _token_provider():
                # Built at the first token request, once the program has set up its environment.
                credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
                return get_bearer_token_provider(
                    credential, "https://cognitiveservices.azure.com/.default"
                )


            def token_provider():
                return _token_provider()()


            embeddings = OpenAIEmbeddings(
                model="text-embedding-3-small",
                base_url="https://contoso.openai.azure.com/openai/v1/",
                api_key=token_provider,
            )
            """,
        ),
    ),
)
