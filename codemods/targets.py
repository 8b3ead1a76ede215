"""Every client class the tool knows, as data: how its key is passed and how a token replaces it.

This is the one place that lists target names. A codemod asks ``spec_for(qualified_name)``;
adding a library means adding entries here (and, where a library needs behaviour that data
cannot express, a small hook in its own module).
"""

from __future__ import annotations

from dataclasses import dataclass

PROVIDER = "provider"  # the token argument takes a bearer-token provider (a callable)
CREDENTIAL = "credential"  # the token argument takes an azure-core TokenCredential


@dataclass(frozen=True)
class ClientSpec:
    sdk: str
    label: str  # the public name shown in reports
    names: tuple[str, ...]  # every qualified name the class is importable under
    is_async: bool = False
    service: str = "openai"
    key_args: tuple[str, ...] = ("api_key",)
    keyless_args: tuple[str, ...] = ("azure_ad_token_provider",)
    static_token_args: tuple[str, ...] = ("azure_ad_token",)
    token_arg: str = "azure_ad_token_provider"
    supplies: str = PROVIDER
    # Extra keyword arguments written with the token argument: (name, source template).
    # Templates may use {scope}.
    extra_args: tuple[tuple[str, str], ...] = ()
    # With none of its credential arguments, the class reads a key from the environment.
    reads_env_key: bool = True
    endpoint_args: tuple[str, ...] = ("azure_endpoint", "base_url", "endpoint")
    # openai.OpenAI / AsyncOpenAI: only an Azure client when its base_url says so.
    needs_azure_base_url: bool = False
    # The token argument of the key-style parameter itself (v1: api_key=<provider>).
    token_replaces_key_in_place: bool = False
    # -- added for the framework SDKs (see codemods/sdk_hooks.py) --------------------------
    # Names of the leading positional parameters, so a key passed positionally is found
    # (SearchClient's credential is its third).
    positional: tuple[str, ...] = ()
    # Arguments written with the token argument whose existing value is replaced, not kept
    # (llama-index's use_azure_ad=False must become True).
    set_args: tuple[tuple[str, str], ...] = ()
    # Arguments added only for a sovereign cloud; templates may use {audience}.
    cloud_args: tuple[tuple[str, str], ...] = ()
    # Methods that, called on the object, show it is used from async code; and the argument
    # that then takes an async provider as well (langchain). Without that argument the one
    # token argument gets an async provider instead of a sync one (haystack's Responses).
    async_use_methods: tuple[str, ...] = ()
    async_token_arg: str | None = None
    # ``api_key=None`` switches off the class's own environment lookup (haystack's Secret).
    none_key_means_no_key: bool = False
    # Behaviour that data cannot express: a key in codemods.sdk_hooks.HOOKS.
    hook: str | None = None
    # Notices every migration of this class carries: (rule, message, severity).
    notes: tuple[tuple[str, str, str], ...] = ()


def _openai(label: str, *, is_async: bool, modules: tuple[str, ...]) -> ClientSpec:
    return ClientSpec(
        sdk="openai",
        label=f"openai.{label}",
        names=tuple(f"{m}.{label}" for m in modules),
        is_async=is_async,
    )


_AZURE_MODULES = ("openai", "openai.lib.azure")
_V1_MODULES = ("openai", "openai._client")

SPECS: tuple[ClientSpec, ...] = (
    _openai("AzureOpenAI", is_async=False, modules=_AZURE_MODULES),
    _openai("AsyncAzureOpenAI", is_async=True, modules=_AZURE_MODULES),
    ClientSpec(
        sdk="openai",
        label="openai.OpenAI",
        names=tuple(f"{m}.OpenAI" for m in _V1_MODULES),
        keyless_args=(),
        static_token_args=(),
        token_arg="api_key",
        needs_azure_base_url=True,
        token_replaces_key_in_place=True,
        endpoint_args=("base_url",),
    ),
    ClientSpec(
        sdk="openai",
        label="openai.AsyncOpenAI",
        names=tuple(f"{m}.AsyncOpenAI" for m in _V1_MODULES),
        is_async=True,
        keyless_args=(),
        static_token_args=(),
        token_arg="api_key",
        needs_azure_base_url=True,
        token_replaces_key_in_place=True,
        endpoint_args=("base_url",),
    ),
)

# -- framework SDKs ----------------------------------------------------------------------------
# Parameter names checked against the installed sources (versions in FACTS.md and the report of
# issue 4); tests/test_contracts.py fails when an upstream release renames one.


def _paths(cls: str, *modules: str) -> tuple[str, ...]:
    return tuple(f"{m}.{cls}" for m in modules)


_LANGCHAIN_ASYNC = (
    "ainvoke", "astream", "abatch", "abatch_as_completed", "astream_events", "astream_log",
    "agenerate", "agenerate_prompt", "apredict", "apredict_messages", "aembed_documents",
    "aembed_query", "acall",
)  # fmt: skip

_COMMUNITY_ENV_NOTE = (
    "community-env-key",
    (
        "this legacy langchain_community class still reads AZURE_OPENAI_API_KEY / OPENAI_API_KEY "
    "and passes it to openai next to the token provider: unset both variables (openai 3.x "
    "rejects a key and a provider together), or move to langchain_openai"
    ),
    "warning",
)


def _langchain(cls: str, modules: tuple[str, ...], *, legacy: bool) -> ClientSpec:
    return ClientSpec(
        sdk="langchain-community" if legacy else "langchain-openai",
        label=f"{modules[0]}.{cls}",
        names=_paths(cls, *modules),
        key_args=("api_key", "openai_api_key"),
        keyless_args=("azure_ad_token_provider", "azure_ad_async_token_provider"),
        endpoint_args=("azure_endpoint", "openai_api_base", "base_url"),
        async_use_methods=_LANGCHAIN_ASYNC,
        async_token_arg="azure_ad_async_token_provider",
        notes=(_COMMUNITY_ENV_NOTE,) if legacy else (),
    )


_LLAMA_NOTE = (
    "llama-index-openai-3",
    (
        "llama-index's AzureOpenAI/AzureOpenAIEmbedding (0.6.x) with use_azure_ad=True pass both "
    "api_key (the fetched token) and azure_ad_token_provider to openai: openai 3.x rejects that "
    "(MutuallyExclusiveAuthError); under openai 2.x the token goes out in both the api-key and "
    "Authorization headers. Keep openai<3 (llama-index-llms-openai pins it) until a "
    "llama-index release fixes it"
    ),
    "warning",
)


def _llama(cls: str, *modules: str) -> ClientSpec:
    return ClientSpec(
        sdk="llama-index",
        label=f"{modules[0]}.{cls}",
        names=_paths(cls, *modules),
        keyless_args=("azure_ad_token_provider",),
        static_token_args=(),
        endpoint_args=("azure_endpoint", "api_base"),
        set_args=(("use_azure_ad", "True"),),
        hook="llama_index",
        notes=(_LLAMA_NOTE,),
    )


def _semantic_kernel(cls: str, module: str) -> ClientSpec:
    return ClientSpec(
        sdk="semantic-kernel",
        label=f"semantic_kernel.connectors.ai.open_ai.{cls}",
        names=_paths(cls, "semantic_kernel.connectors.ai.open_ai", f"semantic_kernel.connectors.ai.open_ai.services.{module}"),
        is_async=True,  # its services wrap AsyncAzureOpenAI
        keyless_args=("ad_token_provider",),
        static_token_args=("ad_token", "credential"),
        token_arg="ad_token_provider",
        endpoint_args=("endpoint", "base_url"),
        notes=(
            (
                "sk-env-key",
                (
                    "semantic-kernel still reads AZURE_OPENAI_API_KEY from the environment and from "
                ".env and passes it to openai next to ad_token_provider: remove it from both "
                "(openai 3.x rejects a key and a provider together)"
                ),
                "warning",
            ),
        ),
    )


_INFERENCE_MODULES = ("azure.ai.inference", "azure.ai.inference._patch")
_INFERENCE_AIO = ("azure.ai.inference.aio", "azure.ai.inference.aio._patch")


def _azure_sdk(cls: str, modules: tuple[str, ...], *, is_async: bool, service: str, positional: tuple[str, ...]) -> ClientSpec:
    inference = service == "openai"
    return ClientSpec(
        sdk="azure-ai-inference" if inference else "azure-search-documents",
        label=f"{modules[0]}.{cls}",
        names=_paths(cls, *modules),
        is_async=is_async,
        service=service,
        key_args=("credential",),
        keyless_args=(),
        static_token_args=(),
        token_arg="credential",
        supplies=CREDENTIAL,
        token_replaces_key_in_place=True,
        reads_env_key=False,
        endpoint_args=("endpoint",),
        positional=positional,
        # azure-ai-inference defaults to https://ml.azure.com/.default, wrong for Azure OpenAI.
        extra_args=(("credential_scopes", '["{scope}"]'),) if inference else (),
        # azure-search-documents takes the cloud from `audience` (it defaults to the public one).
        cloud_args=() if inference else (("audience", '"{audience}"'),),
        hook="azure_sdk",
    )


_SEARCH = ("azure.search.documents", "azure.search.documents._patch")
_SEARCH_AIO = ("azure.search.documents.aio", "azure.search.documents.aio._patch")
_INDEXES = ("azure.search.documents.indexes", "azure.search.documents.indexes._patch")
_INDEXES_AIO = ("azure.search.documents.indexes.aio", "azure.search.documents.indexes.aio._patch")


def _haystack(cls: str, *modules: str) -> ClientSpec:
    return ClientSpec(
        sdk="haystack",
        label=f"{modules[0]}.{cls}",
        names=_paths(cls, *modules),
        endpoint_args=("azure_endpoint",),
        # The default api_key is Secret.from_env_var("AZURE_OPENAI_API_KEY", strict=False): with a
        # provider next to it openai 3.x raises, so the key is switched off explicitly.
        extra_args=(("api_key", "None"),),
        none_key_means_no_key=True,
    )


_LITELLM_FUNCTIONS = (
    "completion", "acompletion", "embedding", "aembedding", "text_completion",
    "atext_completion", "image_generation", "aimage_generation",
)  # fmt: skip

SDK_SPECS: tuple[ClientSpec, ...] = (
    _langchain("AzureChatOpenAI", ("langchain_openai", "langchain_openai.chat_models", "langchain_openai.chat_models.azure"), legacy=False),
    _langchain("AzureOpenAIEmbeddings", ("langchain_openai", "langchain_openai.embeddings", "langchain_openai.embeddings.azure"), legacy=False),
    _langchain("AzureOpenAI", ("langchain_openai", "langchain_openai.llms", "langchain_openai.llms.azure"), legacy=False),
    _langchain(
        "AzureChatOpenAI",
        ("langchain_community.chat_models", "langchain_community.chat_models.azure_openai", "langchain.chat_models", "langchain.chat_models.azure_openai"),
        legacy=True,
    ),
    _langchain(
        "AzureOpenAIEmbeddings",
        ("langchain_community.embeddings", "langchain_community.embeddings.azure_openai", "langchain.embeddings", "langchain.embeddings.azure_openai"),
        legacy=True,
    ),
    _langchain(
        "AzureOpenAI",
        ("langchain_community.llms", "langchain_community.llms.openai", "langchain.llms", "langchain.llms.openai"),
        legacy=True,
    ),
    _llama("AzureOpenAI", "llama_index.llms.azure_openai", "llama_index.llms.azure_openai.base"),
    _llama("AzureOpenAIEmbedding", "llama_index.embeddings.azure_openai", "llama_index.embeddings.azure_openai.base"),
    _semantic_kernel("AzureChatCompletion", "azure_chat_completion"),
    _semantic_kernel("AzureTextEmbedding", "azure_text_embedding"),
    _semantic_kernel("AzureTextCompletion", "azure_text_completion"),
    _semantic_kernel("AzureAudioToText", "azure_audio_to_text"),
    _semantic_kernel("AzureTextToImage", "azure_text_to_image"),
    _semantic_kernel("AzureTextToAudio", "azure_text_to_audio"),
    ClientSpec(
        sdk="autogen",
        label="autogen_ext.models.openai.AzureOpenAIChatCompletionClient",
        names=_paths("AzureOpenAIChatCompletionClient", "autogen_ext.models.openai", "autogen_ext.models.openai._openai_client"),
        is_async=True,  # it wraps AsyncAzureOpenAI
        endpoint_args=("azure_endpoint",),
        hook="autogen",
    ),
    _azure_sdk("ChatCompletionsClient", _INFERENCE_MODULES, is_async=False, service="openai", positional=("endpoint", "credential")),
    _azure_sdk("EmbeddingsClient", _INFERENCE_MODULES, is_async=False, service="openai", positional=("endpoint", "credential")),
    _azure_sdk("ChatCompletionsClient", _INFERENCE_AIO, is_async=True, service="openai", positional=("endpoint", "credential")),
    _azure_sdk("EmbeddingsClient", _INFERENCE_AIO, is_async=True, service="openai", positional=("endpoint", "credential")),
    _azure_sdk("SearchClient", _SEARCH, is_async=False, service="search", positional=("endpoint", "index_name", "credential")),
    _azure_sdk("SearchClient", _SEARCH_AIO, is_async=True, service="search", positional=("endpoint", "index_name", "credential")),
    _azure_sdk(
        "SearchIndexingBufferedSender", _SEARCH, is_async=False, service="search", positional=("endpoint", "index_name", "credential")
    ),
    _azure_sdk(
        "SearchIndexingBufferedSender", _SEARCH_AIO, is_async=True, service="search", positional=("endpoint", "index_name", "credential")
    ),
    _azure_sdk("SearchIndexClient", _INDEXES, is_async=False, service="search", positional=("endpoint", "credential")),
    _azure_sdk("SearchIndexerClient", _INDEXES, is_async=False, service="search", positional=("endpoint", "credential")),
    _azure_sdk("SearchIndexClient", _INDEXES_AIO, is_async=True, service="search", positional=("endpoint", "credential")),
    _azure_sdk("SearchIndexerClient", _INDEXES_AIO, is_async=True, service="search", positional=("endpoint", "credential")),
    _haystack("AzureOpenAIChatGenerator", "haystack.components.generators.chat", "haystack.components.generators.chat.azure"),
    _haystack("AzureOpenAIGenerator", "haystack.components.generators", "haystack.components.generators.azure"),
    _haystack("AzureOpenAITextEmbedder", "haystack.components.embedders", "haystack.components.embedders.azure_text_embedder"),
    _haystack(
        "AzureOpenAIDocumentEmbedder", "haystack.components.embedders", "haystack.components.embedders.azure_document_embedder"
    ),
    ClientSpec(
        sdk="haystack",
        label="haystack.components.generators.chat.AzureOpenAIResponsesChatGenerator",
        names=_paths(
            "AzureOpenAIResponsesChatGenerator",
            "haystack.components.generators.chat",
            "haystack.components.generators.chat.azure_responses",
        ),
        # Its api_key takes a provider itself (it builds the v1 OpenAI clients).
        keyless_args=(),
        static_token_args=(),
        token_arg="api_key",
        token_replaces_key_in_place=True,
        endpoint_args=("azure_endpoint",),
        async_use_methods=("run_async",),
    ),
    ClientSpec(
        sdk="litellm",
        label="litellm",
        names=tuple(f"litellm.{f}" for f in _LITELLM_FUNCTIONS)
        + tuple(f"litellm.main.{f}" for f in _LITELLM_FUNCTIONS if "image" not in f),
        endpoint_args=("api_base", "base_url"),
        positional=("model",),
        hook="litellm",
        notes=(
            (
                "litellm-env-key",
                (
                    "litellm prefers a key over azure_ad_token_provider when it finds one "
                "(AZURE_OPENAI_API_KEY, AZURE_API_KEY, litellm.api_key, litellm.azure_key): remove them"
                ),
                "warning",
            ),
        ),
    ),
)

SPECS = SPECS + SDK_SPECS

# The openai module client (``openai.api_type = "azure"``): not a class, so not in SPECS; used
# for its token provider and its report entries (codemods/module_client.py).
MODULE_CLIENT = ClientSpec(sdk="openai", label="openai (module client)", names=())

_BY_NAME: dict[str, ClientSpec] = {name: spec for spec in SPECS for name in spec.names}

# Words whose absence from a file's bytes proves it builds none of the clients above. Function
# targets (litellm.completion) are found by their module's name, not by a common word.
_FUNCTION_TRIGGERS = {"litellm"}
# The openai module client and the Search index definitions that carry a key for the service.
EXTRA_TRIGGER_WORDS = ("api_type", "api_base", "Completion", "Embedding", "AzureOpenAIVectorizerParameters", "AzureOpenAIParameters", "AzureOpenAIEmbeddingSkill")
TRIGGER_WORDS: tuple[bytes, ...] = tuple(
    sorted(
        {
            (spec.sdk if spec.sdk in _FUNCTION_TRIGGERS else name.rsplit(".", 1)[-1]).encode()
            for spec in SPECS
            for name in spec.names
        }
        | {w.encode() for w in EXTRA_TRIGGER_WORDS}
    )
)

# Methods that take a per-request or per-copy key on an existing client.
KEY_OVERRIDE_METHODS = ("with_options", "copy")

TOKEN_PROVIDER_FUNCTIONS = (
    "azure.identity.get_bearer_token_provider",
    "azure.identity.aio.get_bearer_token_provider",
)


def spec_for(qualified_name: str) -> ClientSpec | None:
    return _BY_NAME.get(qualified_name)


# Token scopes per cloud (FACTS section 4).
SCOPES = {
    "openai": {
        "public": "https://cognitiveservices.azure.com/.default",
        "usgov": "https://cognitiveservices.azure.us/.default",
        "china": "https://cognitiveservices.azure.cn/.default",
    },
    "search": {
        "public": "https://search.azure.com/.default",
        "usgov": "https://search.azure.us/.default",
        "china": "https://search.azure.cn/.default",
    },
}


def scope_for(service: str, cloud: str) -> str:
    table = SCOPES.get(service, SCOPES["openai"])
    return table[cloud]


def audience_for(service: str, cloud: str) -> str:
    """The token audience (the scope without ``/.default``), as azure-search-documents takes it."""
    return scope_for(service, cloud).removesuffix("/.default")
