"""PydanticAI's ``AzureProvider`` (``pydantic_ai.providers.azure``).

Checked against pydantic-ai-slim 2.78's source: ``AzureProvider.__init__`` is keyword-only and has
no token argument. Given ``azure_endpoint``/``api_version``/``api_key`` it builds
``AsyncAzureOpenAI(azure_endpoint=..., api_key=..., api_version=...)``, whose callable ``api_key``
is sent as an ``api-key`` header, not a bearer token; so that form cannot be migrated in place.
When ``azure_endpoint`` is an Azure OpenAI v1 endpoint (its path ends in ``/v1``) it builds a plain
``AsyncOpenAI(base_url=..., api_key=...)`` instead, and an async token provider in ``api_key``
reaches openai's callable ``api_key`` (openai 1.106 or later) as a bearer token: that form is
migrated. Its key is looked up in ``AZURE_OPENAI_API_KEY`` only when no ``api_key`` is passed.

``AzureProvider(openai_client=AsyncAzureOpenAI(...))`` is PydanticAI's documented token path: the
client inside is the openai module's to migrate, so the provider itself is skipped.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from codemods.findings import MANUAL, REVIEW
from codemods.sdks._model import SKIP, ClientSpec, Invalid, Sdk, Valid, Verdict
from codemods.sdks.openai import CALLABLE_KEY

# LibCST is imported when a hook runs: the quick path reads the registry without the parser.
if TYPE_CHECKING:
    import libcst as cst

    from codemods.hook_view import HookView

# Serverless model endpoints (Azure AI Foundry models-as-a-service) take only their own key.
_SERVERLESS = re.compile(r"\.models\.ai\.azure\.com", re.IGNORECASE)
# The literal text of a v1 endpoint ends in /v1 (PydanticAI's own test, path only).
_V1_END = re.compile(r"/v1/?$", re.IGNORECASE)

_PASS_A_CLIENT = (
    "build AsyncAzureOpenAI(azure_endpoint=..., api_version=..., azure_ad_token_provider=<async "
    "token provider>) and pass it as openai_client= (the tool migrates that client); left as it is"
)
NO_TOKEN_ARGUMENT = (
    "AzureProvider has no token argument, and a callable api_key on an endpoint that is not a v1 "
    "one is sent as an api-key header: " + _PASS_A_CLIENT
)
ENDPOINT_FROM_ENV = (
    "AzureProvider has no token argument, and its endpoint comes from AZURE_OPENAI_ENDPOINT, so "
    "whether a callable api_key would be sent as a bearer token (v1 endpoint) is not visible: "
    + _PASS_A_CLIENT
)


def decide(
    migration: HookView, spec: ClientSpec, call: cst.Call, present: dict[str, cst.Arg]
) -> str | Verdict | None:
    """Only an Azure OpenAI v1 endpoint takes the provider in ``api_key``; every other
    key-based form is reported with the change that makes it keyless."""
    from codemods import azure_endpoint

    if "openai_client" in present:
        return SKIP  # the client passed in is migrated (or left) on its own
    endpoint = present.get("azure_endpoint")
    if endpoint is None:
        return Verdict(MANUAL, ENDPOINT_FROM_ENV)
    values = migration.module_values()
    literals, _ = azure_endpoint.fragments(endpoint.value, values)
    text = "".join(literals)
    if _SERVERLESS.search(text):
        return Verdict(
            REVIEW,
            "a serverless model endpoint (*.models.ai.azure.com) takes only its own key; "
            "left as it is",
        )
    if _V1_END.search(text) and azure_endpoint.classify(endpoint.value, values) == (
        azure_endpoint.AZURE
    ):
        return None
    return Verdict(MANUAL, NO_TOKEN_ARGUMENT)


SDK = Sdk(
    name="pydantic-ai",
    specs=(
        ClientSpec(
            sdk="pydantic-ai",
            label="pydantic_ai.providers.azure.AzureProvider",
            names=("pydantic_ai.providers.azure.AzureProvider",),
            is_async=True,  # it builds an AsyncOpenAI
            keyless_args=(),
            static_token_args=(),
            token_arg="api_key",
            token_replaces_key_in_place=True,
            endpoint_args=("azure_endpoint",),
            endpoint_env="AZURE_OPENAI_ENDPOINT",
            decide=decide,
            needs=(CALLABLE_KEY,),
        ),
    ),
    examples=(
        Valid(
            """
            import os

            from openai import AsyncAzureOpenAI
            from pydantic_ai.providers.azure import AzureProvider

            client = AsyncAzureOpenAI(
                azure_endpoint="https://contoso.openai.azure.com/",
                api_version="2024-10-21",
                azure_ad_token_provider=token_provider,
            )
            provider = AzureProvider(openai_client=client)
            """
        ),
        Valid(
            """
            import os

            from pydantic_ai.providers.azure import AzureProvider

            provider = AzureProvider(
                azure_endpoint="https://contoso.openai.azure.com/",
                api_version="2024-10-21",
                api_key=os.environ["AZURE_OPENAI_API_KEY"],
            )
            """
        ),
        Invalid(
            """
            import os

            from pydantic_ai.providers.azure import AzureProvider

            provider = AzureProvider(
                azure_endpoint="https://contoso.openai.azure.com/openai/v1/",
                api_key=os.environ["AZURE_OPENAI_API_KEY"],
            )
            """,
            """
            import asyncio
            import functools
            import os

            from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
            from pydantic_ai.providers.azure import AzureProvider


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


            provider = AzureProvider(
                azure_endpoint="https://contoso.openai.azure.com/openai/v1/",
                api_key=async_token_provider,
            )
            """,
        ),
    ),
)
