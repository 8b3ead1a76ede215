"""Every client class the tool knows, as data: derived from the SDK modules in ``codemods.sdks``.

A codemod asks ``spec_for(qualified_name)``. Adding a library means adding a module to
``codemods/sdks/``; this module only gathers what those declare, for its many importers.
"""

from __future__ import annotations

from codemods import sdks
from codemods.sdks import CREDENTIAL, PROVIDER, ClientSpec

__all__ = ["CREDENTIAL", "PROVIDER", "ClientSpec"]

SPECS: tuple[ClientSpec, ...] = sdks.SPECS
SDK_SPECS: tuple[ClientSpec, ...] = tuple(spec for spec in SPECS if spec.sdk != "openai")

# The openai module client (``openai.api_type = "azure"``): not a class, so not in SPECS; used
# for its token provider and its report entries (codemods/module_client.py).
MODULE_CLIENT = ClientSpec(sdk="openai", label="openai (module client)", names=())

_BY_NAME: dict[str, ClientSpec] = {name: spec for spec in SPECS for name in spec.names}

# Words whose absence from a file's bytes proves it builds none of the clients above.
EXTRA_TRIGGER_WORDS = sdks.EXTRA_TRIGGER_WORDS
TRIGGER_WORDS: tuple[bytes, ...] = sdks.TRIGGER_WORDS

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
