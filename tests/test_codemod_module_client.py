"""The openai module client (openai.api_type = "azure") and the legacy 0.x API."""

from __future__ import annotations

import textwrap

import pytest
from helpers import code, run


def test_key_assignment_becomes_the_provider_in_place():
    out = code(
        """\
        import os
        import openai

        openai.api_type = "azure"
        openai.azure_endpoint = os.environ["AZURE_OPENAI_ENDPOINT"]
        openai.api_version = "2024-10-21"
        openai.api_key = os.environ["AZURE_OPENAI_API_KEY"]  # from the portal

        reply = openai.chat.completions.create(model="gpt-4o", messages=[])
        """
    )
    assert "openai.azure_ad_token_provider = token_provider  # from the portal\n" in out
    assert "api_key" not in out
    assert out.index("def token_provider(") < out.index("openai.azure_ad_token_provider")
    compile(out, "<out>", "exec")


def test_record_carries_the_module_calls_for_roles():
    result = run(
        'import openai\nopenai.api_type = "azure"\nopenai.api_key = k\nopenai.files.create(file=f, purpose="batch")\n'
    )
    [client] = result.clients
    assert (client.cls, client.outcome, client.line) == ("openai (module client)", "migrated", 2)
    assert [c.chain for c in client.calls] == ["files.create"]


def test_implicit_environment_key_gets_a_provider_after_api_type():
    out = code(
        'import openai\n\nopenai.api_type = "azure"\nr = openai.chat.completions.create(model="m", messages=[])\n'
    )
    assert 'openai.api_type = "azure"\nopenai.azure_ad_token_provider = token_provider\n' in out


def test_alias_spelling_is_kept():
    out = code('import openai as oa\noa.api_type = "azure"\noa.api_key = k\n')
    assert "oa.azure_ad_token_provider = token_provider\n" in out


def test_existing_provider_drops_the_key_assignment():
    out = code(
        'import openai\nopenai.api_type = "azure"\nopenai.azure_ad_token_provider = tp\nopenai.api_key = k\n'
    )
    assert "openai.api_key" not in out
    assert "openai.azure_ad_token_provider = tp\n" in out
    assert "ManagedIdentityCredential" not in out


@pytest.mark.parametrize(
    "source, why",
    [
        (
            'import openai\nopenai.api_type = "azure"\nopenai.api_base = "https://r.openai.azure.com/"\n'
            'openai.api_version = "2023-05-15"\nopenai.api_key = k\n'
            'r = openai.ChatCompletion.create(engine="gpt-35", messages=[])\n',
            "openai.api_base",
        ),
        (
            'import openai\nr = openai.ChatCompletion.create(engine="gpt-35", messages=[])\n',
            "ChatCompletion",
        ),
        ('import openai\nopenai.api_type = "azure_ad"\nopenai.api_key = token\n', "azure_ad"),
    ],
)
def test_legacy_0x_is_reported_and_not_half_migrated(source, why):
    result = run(source)
    assert result.new.decode() == source
    [client] = result.clients
    assert client.outcome == "manual"
    assert "1.x" in client.reason and why in client.reason


@pytest.mark.parametrize(
    "source",
    [
        # A local vLLM / Ollama server through the module client: no Azure setting anywhere.
        'import openai\nopenai.api_key = "EMPTY"\nopenai.base_url = "http://localhost:8000/v1"\n',
        'import openai\nopenai.api_key = "EMPTY"\nopenai.api_base = "http://localhost:8000/v1"\n'
        'r = openai.Completion.create(model="llama", prompt="x")\n',
        'import openai\nopenai.api_key = os.environ["OPENAI_API_KEY"]\n',
    ],
)
def test_non_azure_module_clients_are_left_alone(source):
    result = run(source)
    assert result.new.decode() == source
    assert result.clients == ()


def test_second_run_changes_nothing():
    once = code('import openai\nopenai.api_type = "azure"\nopenai.api_key = k\n')
    again = run(once)
    assert again.new.decode() == once
    assert [c.outcome for c in again.clients] == ["already-keyless"]


def test_settings_inside_a_function():
    out = code(
        textwrap.dedent(
            """\
            import openai

            def configure(key):
                openai.api_type = "azure"
                openai.api_key = key
            """
        )
    )
    assert "    openai.azure_ad_token_provider = token_provider\n" in out
    assert out.index("def token_provider(") < out.index("def configure")
