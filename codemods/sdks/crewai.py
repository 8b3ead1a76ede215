"""CrewAI's ``LLM`` on Azure: reported precisely, never rewritten.

Checked against crewai 1.15's source (``crewai/llms/providers/azure/completion.py``): an
``LLM(model="azure/...")`` is served by CrewAI's own Azure provider, built on azure-ai-inference.
It takes a key (``api_key=``, else ``AZURE_API_KEY``) and, with neither, builds its own
``DefaultAzureCredential()``; ``credential_scopes=`` (or ``AZURE_CREDENTIAL_SCOPES``) sets the
token scope. No argument takes a token provider or a credential object, and keywords it does not
name never reach the client, so the module's token provider cannot be passed in. The keyless
form is to drop the key and let CrewAI's ``DefaultAzureCredential`` run, which is not the
credential the tool was asked for: a person decides. crewai 1.x needs openai below 3, so its
own behaviour is not run here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.findings import MANUAL
from codemods.sdks._model import SKIP, ClientSpec, Sdk, Valid, Verdict
from codemods.sdks.litellm import literal_prefix

if TYPE_CHECKING:
    import libcst as cst

    from codemods.hook_view import HookView

_FIX = (
    "CrewAI's Azure provider takes no token provider or credential: remove api_key (and unset "
    "AZURE_API_KEY) so it builds its own DefaultAzureCredential (which uses the managed identity "
    'named by AZURE_CLIENT_ID on Azure), and pass credential_scopes=["https://cognitiveservices'
    '.azure.com/.default"]'
)


def _text(migration: HookView, arg: cst.Arg | None) -> str | None:
    return literal_prefix(migration, arg.value) if arg is not None else None


def decide(
    migration: HookView, spec: ClientSpec, call: cst.Call, present: dict[str, cst.Arg]
) -> str | Verdict | None:
    """An Azure model (``azure/...``, ``provider="azure"`` or ``api_type="azure"``) is reported;
    everything else (OpenAI, Ollama, GitHub Models through ``base_url``) is not CrewAI-on-Azure."""
    model = _text(migration, present.get("model"))
    azure = (model or "").startswith("azure/") or "azure" in {
        _text(migration, present.get("provider")),
        _text(migration, present.get("api_type")),
    }
    if not azure:
        return SKIP
    if "api_key" in present:
        return Verdict(MANUAL, f"the key is passed in api_key; {_FIX}")
    return Verdict(MANUAL, f"no api_key: CrewAI reads the key from AZURE_API_KEY; {_FIX}")


SDK = Sdk(
    name="crewai",
    specs=(
        ClientSpec(
            sdk="crewai",
            label="crewai.LLM",
            names=("crewai.LLM", "crewai.llm.LLM"),
            endpoint_args=("base_url", "api_base", "endpoint"),
            positional=("model",),
            decide=decide,
        ),
    ),
    key_env_names=("AZURE_API_KEY",),
    rewrites=False,
    examples=(
        Valid(
            """
            import os

            from crewai import LLM

            llm = LLM(
                model="gpt-4o",
                api_key=os.environ["GITHUB_TOKEN"],
                base_url="https://models.inference.ai.azure.com",
            )
            """
        ),
        Valid(
            """
            import os

            from crewai import LLM

            llm = LLM(
                model="azure/gpt-4o",
                api_key=os.environ["AZURE_API_KEY"],
                base_url=os.environ["AZURE_API_BASE"],
                api_version="2024-10-21",
            )
            """
        ),
    ),
)
