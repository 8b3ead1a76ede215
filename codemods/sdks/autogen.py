"""autogen-ext's AzureOpenAIChatCompletionClient (it wraps AsyncAzureOpenAI)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.sdks._model import ClientSpec, Rule, Sdk

if TYPE_CHECKING:
    from codemods.keyless import KeylessMigration

# Names whose use in a module shows that autogen components are serialized.
SERIALIZATION_NAMES = frozenset({"dump_component", "component_config", "_to_config"})
RULE_SERIALIZABLE = "autogen-serializable-provider"


def serializes(migration: KeylessMigration) -> bool:
    return bool(SERIALIZATION_NAMES & migration.names_in_module())


SDK = Sdk(
    name="autogen",
    specs=(
        ClientSpec(
            sdk="autogen",
            label="autogen_ext.models.openai.AzureOpenAIChatCompletionClient",
            names=tuple(
                f"{m}.AzureOpenAIChatCompletionClient"
                for m in ("autogen_ext.models.openai", "autogen_ext.models.openai._openai_client")
            ),
            is_async=True,  # it wraps AsyncAzureOpenAI
            endpoint_args=("azure_endpoint",),
            serializes=serializes,
        ),
    ),
    rules=(
        Rule(
            RULE_SERIALIZABLE,
            "Serialized autogen components take AzureTokenProvider (DefaultAzureCredential)",
            "note",
        ),
    ),
)
