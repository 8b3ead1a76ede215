"""azure-ai-inference: ChatCompletionsClient / EmbeddingsClient against Azure OpenAI."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from codemods.findings import REVIEW
from codemods.sdks._azure_core import credential_verdict, source, spec
from codemods.sdks._model import Aside, ClientSpec, Invalid, RoleRule, Sdk, Valid, Verdict

# LibCST is imported when a hook runs: the quick path reads the registry without the parser.
if TYPE_CHECKING:
    import libcst as cst

    from codemods.hook_view import HookView

# A GitHub token as the credential: GitHub Models, whatever the endpoint variable says.
_GITHUB_TOKEN = re.compile(r"GITHUB_TOKEN|GH_TOKEN|github", re.IGNORECASE)
# An endpoint the code names after Azure OpenAI (AZURE_OPENAI_ENDPOINT, settings.aoai_endpoint).
_OPENAI_NAME = re.compile(r"openai|aoai", re.IGNORECASE)
# Resources that take Entra ID tokens with the Cognitive Services scope: Azure OpenAI
# (R.openai.azure.com/openai/deployments/D), AI Services and AI Foundry (R.services.ai.azure.com/
# models). Any cloud suffix: the scope follows --cloud.
_TOKEN_HOST = re.compile(
    r"\.openai\.azure\.|\.cognitiveservices\.azure\.|\.services\.ai\.azure\.", re.IGNORECASE
)
# Endpoints whose key is not an Azure resource key the tool can replace, and why.
_KEY_ONLY = (
    (
        re.compile(r"\.models\.ai\.azure\.com", re.IGNORECASE),
        "a serverless API endpoint (*.models.ai.azure.com): it authenticates with its own key "
        "only and takes no Entra ID token; left as it is",
    ),
    (
        re.compile(r"\.inference\.ml\.azure\.com", re.IGNORECASE),
        "an Azure Machine Learning online endpoint (*.inference.ml.azure.com): its key belongs to "
        "the endpoint, and token auth there is the endpoint's own setting (auth_mode aad_token, "
        "scope https://ml.azure.com/.default) that the code does not show; left as it is",
    ),
)


def decide(
    migration: HookView, spec: ClientSpec, call: cst.Call, present: dict[str, cst.Arg]
) -> str | Verdict | None:
    endpoint = present.get("endpoint")
    verdict = _endpoint(migration, endpoint.value if endpoint else None, present.get("credential"))
    if verdict is not None:
        return verdict
    return credential_verdict(migration, present)


def _endpoint(
    migration: HookView, endpoint: cst.BaseExpression | None, credential: cst.Arg | None
) -> str | Verdict | None:
    """GitHub Models is left alone; an endpoint shown to be an Azure resource that takes tokens
    (Azure OpenAI, AI Services, AI Foundry) is migrated; serverless and Machine Learning
    endpoints are reported with the reason they keep their key."""
    import libcst as cst

    from codemods import azure_endpoint

    credential_text = source(credential.value) if credential is not None else ""
    if credential is not None and isinstance(credential.value, cst.Name):
        assigned = migration.module_value(credential.value.value)
        if assigned is not None:
            credential_text += " " + source(assigned)
    if endpoint is None:
        return Verdict(
            REVIEW, "no endpoint is visible, so it is not clear this talks to Azure OpenAI"
        )
    literals, names = azure_endpoint.fragments(endpoint, migration.module_values())
    text = "".join(literals)
    if azure_endpoint.GITHUB_MODELS_HOST.search(text) or _GITHUB_TOKEN.search(credential_text):
        return Aside(azure_endpoint.GITHUB_MODELS_RULE, azure_endpoint.GITHUB_MODELS_NOTE)
    for pattern, reason in _KEY_ONLY:
        if pattern.search(text):
            return Verdict(REVIEW, reason)
    verdict = azure_endpoint.classify(endpoint, migration.module_values())
    if verdict == azure_endpoint.AZURE or _TOKEN_HOST.search(text):
        return None
    if verdict == azure_endpoint.NOT_AZURE:
        return Verdict(
            REVIEW,
            "the endpoint is not an Azure OpenAI, AI Services or AI Foundry resource "
            "(azure-ai-inference's own default scope may be right for it); left as it is",
        )
    if any(_OPENAI_NAME.search(n) for n in names):
        return None
    return Verdict(
        REVIEW,
        "the code does not show whether this endpoint is Azure OpenAI (it could be an AI Foundry "
        "or AI Services resource, which takes Entra ID tokens too, or a serverless model or "
        "GitHub Models endpoint, which takes only its key); left as it is",
    )


_SYNC = ("azure.ai.inference", "azure.ai.inference._patch")
_AIO = ("azure.ai.inference.aio", "azure.ai.inference.aio._patch")


def _client(cls: str, modules: tuple[str, ...], is_async: bool) -> ClientSpec:
    return spec(
        "azure-ai-inference",
        cls,
        modules,
        decide=decide,
        is_async=is_async,
        positional=("endpoint", "credential"),
        # azure-ai-inference defaults to https://ml.azure.com/.default, wrong for Azure OpenAI.
        extra_args=(("credential_scopes", '["{scope}"]'),),
    )


SDK = Sdk(
    name="azure-ai-inference",
    specs=(
        _client("ChatCompletionsClient", _SYNC, False),
        _client("EmbeddingsClient", _SYNC, False),
        _client("ChatCompletionsClient", _AIO, True),
        _client("EmbeddingsClient", _AIO, True),
    ),
    # Against an Azure OpenAI / AI Services resource.
    roles=(
        RoleRule("inference", r"(complete|embed|get_model_info)$", "openai-user", "unverified"),
    ),
    call_leaves=("complete", "embed"),
    examples=(
        Valid(
            """
            import os

            from azure.ai.inference import ChatCompletionsClient
            from azure.core.credentials import AzureKeyCredential

            client = ChatCompletionsClient(
                endpoint="https://Phi-4-abcd.eastus2.models.ai.azure.com",
                credential=AzureKeyCredential(os.environ["SERVERLESS_KEY"]),
            )
            """
        ),
        Invalid(
            """
            import os

            from azure.ai.inference import EmbeddingsClient
            from azure.core.credentials import AzureKeyCredential

            client = EmbeddingsClient(
                "https://contoso.services.ai.azure.com/models",
                AzureKeyCredential(os.environ["AZURE_AI_KEY"]),
            )
            """,
            '''
            import functools
            import os

            from azure.ai.inference import EmbeddingsClient
            from azure.core.credentials import TokenCredential
            from azure.identity import ManagedIdentityCredential


            class _Credential(TokenCredential):
                """A credential built at the first token request, once the program
                has set up its environment."""

                @functools.cached_property
                def credential(self):
                    return ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))

                def get_token(self, *scopes, **kwargs):
                    return self.credential.get_token(*scopes, **kwargs)


            credential = _Credential()

            client = EmbeddingsClient(
                "https://contoso.services.ai.azure.com/models",
                credential,
                credential_scopes=["https://cognitiveservices.azure.com/.default"],
            )
            ''',
        ),
        Valid(
            """
            import os

            from azure.ai.inference import ChatCompletionsClient
            from azure.core.credentials import AzureKeyCredential

            client = ChatCompletionsClient(
                endpoint="https://models.github.ai/inference",
                credential=AzureKeyCredential(os.environ["GITHUB_TOKEN"]),
            )
            """
        ),
        Invalid(
            """
            import os

            from azure.ai.inference import ChatCompletionsClient
            from azure.core.credentials import AzureKeyCredential

            client = ChatCompletionsClient(
                endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
                credential=AzureKeyCredential(os.environ["AZURE_OPENAI_API_KEY"]),
            )
            """,
            '''
            import functools
            import os

            from azure.ai.inference import ChatCompletionsClient
            from azure.core.credentials import TokenCredential
            from azure.identity import ManagedIdentityCredential


            class _Credential(TokenCredential):
                """A credential built at the first token request, once the program
                has set up its environment."""

                @functools.cached_property
                def credential(self):
                    return ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))

                def get_token(self, *scopes, **kwargs):
                    return self.credential.get_token(*scopes, **kwargs)


            credential = _Credential()

            client = ChatCompletionsClient(
                endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
                credential=credential,
                credential_scopes=["https://cognitiveservices.azure.com/.default"],
            )
            ''',
        ),
    ),
)
