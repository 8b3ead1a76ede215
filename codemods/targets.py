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

_BY_NAME: dict[str, ClientSpec] = {name: spec for spec in SPECS for name in spec.names}

# Words whose absence from a file's bytes proves it builds none of the clients above.
TRIGGER_WORDS: tuple[bytes, ...] = tuple(
    sorted({name.rsplit(".", 1)[-1].encode() for spec in SPECS for name in spec.names})
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
