"""openai: AzureOpenAI / AsyncAzureOpenAI, and OpenAI / AsyncOpenAI pointed at an Azure v1 URL."""

from __future__ import annotations

from codemods.sdks._model import ClientSpec, Dependency, Invalid, RoleRule, Sdk, Valid

CALLABLE_KEY = Dependency(
    "openai",
    "1.106.0",
    "OpenAI(api_key=<token provider>) needs a callable api_key, which openai has from 1.106.0",
    add_if_missing=False,
)

_AZURE_MODULES = ("openai", "openai.lib.azure")
_V1_MODULES = ("openai", "openai._client")


def _azure(label: str, *, is_async: bool) -> ClientSpec:
    return ClientSpec(
        sdk="openai",
        label=f"openai.{label}",
        names=tuple(f"{m}.{label}" for m in _AZURE_MODULES),
        is_async=is_async,
        endpoint_env="AZURE_OPENAI_ENDPOINT",
    )


def _v1(label: str, *, is_async: bool) -> ClientSpec:
    return ClientSpec(
        sdk="openai",
        label=f"openai.{label}",
        names=tuple(f"{m}.{label}" for m in _V1_MODULES),
        is_async=is_async,
        keyless_args=(),
        static_token_args=(),
        token_arg="api_key",
        needs_azure_base_url=True,
        token_replaces_key_in_place=True,
        endpoint_args=("base_url",),
        needs=(CALLABLE_KEY,),
    )


def _rule(pattern: str, role: str, basis: str = "documented") -> RoleRule:
    return RoleRule("openai", pattern, role, basis)


_USER, _CONTRIBUTOR = "openai-user", "openai-contributor"

SDK = Sdk(
    name="openai",
    specs=(
        _azure("AzureOpenAI", is_async=False),
        _azure("AsyncAzureOpenAI", is_async=True),
        _v1("OpenAI", is_async=False),
        _v1("AsyncOpenAI", is_async=True),
    ),
    # AZURE_OPENAI_API_KEY, AZURE_OPENAI_KEY, AZURE_OPENAI_EMBEDDING_API_KEY, AOAI_KEY,
    # AZURE_AI_SERVICES_KEY... but not AZURE_OPENAI_KEY_VAULT_URL or AZURE_OPENAI_ENDPOINT.
    key_env_patterns=(
        r"(AZURE_OPENAI|AOAI|OPENAI_AZURE|AZURE_AI_SERVICES|AZURE_AISERVICES|AZURE_COGNITIVE(_SERVICES)?)"
        r"(_[A-Z0-9]+)*?_(API_)?KEY(_?[0-9])?",
    ),
    # The module client (``openai.api_type = "azure"``, openai 0.x's ``openai.Completion``): it
    # imports openai, so its files hold "openai".
    # The 1.x module client configured from the environment: ``openai.chat.completions.create``.
    trigger_words=(
        "api_type",
        "api_base",
        "Completion",
        "Embedding",
        "completions.create",
        "embeddings.create",
        "responses.create",
    ),
    anchors=(b"zure", b"penAI", b"penai"),
    seed_names=("AzureTokenProvider", "api_key", "azure_ad_token_provider", "azure_ad_token"),
    roles=(
        _rule(
            r"(beta\.)?chat\.completions\.(list|retrieve|update|delete|messages)\b", _CONTRIBUTOR
        ),
        _rule(r"files\.(create|delete)$", _CONTRIBUTOR),
        # These upload a file (files.create) before they attach it.
        _rule(
            r"(beta\.)?vector_stores\.(files|file_batches)\.(upload|upload_and_poll)$", _CONTRIBUTOR
        ),
        _rule(r"fine_tuning\.jobs\.(create|cancel|pause|resume)$", _CONTRIBUTOR),
        _rule(r"batches\.", _CONTRIBUTOR),
        _rule(r"uploads\.", _CONTRIBUTOR),
        _rule(r"(beta\.)?chat\.completions\.(create|parse|stream)$", _USER),
        _rule(r"completions\.create$", _USER),
        _rule(r"embeddings\.create$", _USER),
        _rule(r"images\.generate$", _USER),
        _rule(r"audio\.(transcriptions|translations)\.", _USER),
        _rule(r"models\.", _USER),
        _rule(r"(beta\.)?realtime\.", _USER),
        _rule(r"files\.(list|retrieve|content|retrieve_content|wait_for_processing)$", _USER),
        _rule(r"fine_tuning\.jobs\.(list|retrieve|list_events|checkpoints)", _USER),
        _rule(r"(beta\.)?(assistants|threads|vector_stores)\.", _USER),
        _rule(r"(responses|images\.edit|audio\.speech|moderations)\b", _USER, "unverified"),
    ),
    call_leaves=(
        "create",
        "parse",
        "stream",
        "list",
        "retrieve",
        "delete",
        "update",
        "cancel",
        "content",
        "generate",
        "edit",
        "upload",
        "upload_and_poll",
        "create_and_poll",
    ),  # fmt: skip
    examples=(
        Valid(
            """
            import os

            from openai import OpenAI

            client = OpenAI(api_key=os.environ["KEY"], base_url="http://localhost:8000/v1")
            """
        ),
        Invalid(
            """
            import os

            from openai import AzureOpenAI

            client = AzureOpenAI(
                azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
                api_key=os.environ["AZURE_OPENAI_API_KEY"],
                api_version="2024-10-21",
            )
            """,
            """
            import functools
            import os

            from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
            from openai import AzureOpenAI


            @functools.cache
            def _token_provider():
                # Built at the first token request, once the program has set up its environment.
                credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
                return get_bearer_token_provider(
                    credential, "https://cognitiveservices.azure.com/.default"
                )


            def token_provider():
                return _token_provider()()


            client = AzureOpenAI(
                azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
                azure_ad_token_provider=token_provider,
                api_version="2024-10-21",
            )
            """,
        ),
    ),
)
