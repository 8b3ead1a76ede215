"""CrewAI's ``LLM`` on Azure (codemods/sdks/crewai.py): reported with the exact change a person
makes, the file left byte for byte; other providers are not reported at all."""

from __future__ import annotations

import textwrap

import pytest

from codemods.options import MigrationOptions
from migrator.engine import migrate_source


def _migrate(source: str):  # type: ignore[no-untyped-def]
    data = textwrap.dedent(source).encode()
    return data, migrate_source(data, MigrationOptions(), "agents/llm.py")


@pytest.mark.parametrize(
    "source, why",
    [
        (
            """\
            import os

            from crewai import LLM

            llm = LLM(
                model="azure/gpt-4o",
                api_key=os.getenv("AZURE_API_KEY"),
                base_url=os.getenv("AZURE_API_BASE"),
                api_version=os.getenv("AZURE_API_VERSION"),
            )
            """,
            "the key is passed in api_key",
        ),
        (
            """\
            from crewai.llm import LLM

            from config.settings import AZURE_OPENAI_DEPLOYMENT, AZURE_OPENAI_KEY


            def build_llm() -> LLM:
                return LLM(
                    provider="azure",
                    model=AZURE_OPENAI_DEPLOYMENT,
                    api_key=AZURE_OPENAI_KEY,
                )
            """,
            "the key is passed in api_key",
        ),
        (
            """\
            import crewai

            MODEL = "azure/gpt-4o-mini"
            writer = crewai.Agent(role="writer", goal="g", backstory="b", llm=crewai.LLM(MODEL))
            """,
            "no api_key: CrewAI reads the key from AZURE_API_KEY",
        ),
    ],
)
def test_an_azure_llm_is_reported_as_manual_work_and_left(source, why):
    old, result = _migrate(source)
    assert result.new == old
    assert [(c.cls, c.outcome) for c in result.clients] == [("crewai.LLM", "manual")]
    reason = result.clients[0].reason
    assert reason.startswith(why + "; CrewAI's Azure provider takes no token provider")
    assert 'credential_scopes=["https://cognitiveservices.azure.com/.default"]' in reason


@pytest.mark.parametrize(
    "source",
    [
        # GitHub Models through the OpenAI-compatible endpoint.
        """\
        import os

        from crewai import LLM

        llm = LLM(model="gpt-4o", api_key=os.environ["GITHUB_TOKEN"],
                  base_url="https://models.inference.ai.azure.com")
        """,
        # A local Ollama model, and OpenAI itself.
        """\
        from crewai import LLM

        local = LLM(model="ollama/llama3.1", base_url="http://localhost:11434")
        hosted = LLM(model="openai/gpt-4o", api_key="sk-placeholder")
        """,
    ],
)
def test_other_providers_are_not_crewai_on_azure(source):
    old, result = _migrate(source)
    assert result.clients == ()
    assert result.new == old
