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
            'r = openai.ChatCompletion.create(engine="gpt-35", messages=[])\n'
            # An image call: not something the 0.x rewrite carries over (codemods.openai_v0).
            'i = openai.Image.create(prompt="a cat")\n',
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
    assert out.index("def token_provider():") < out.index("def configure")


# -- the module client configured from the environment alone (OPENAI_API_TYPE=azure) ------------

ENV_SCRIPT = '''\
"""Ask the deployment one question."""
import os

import openai
from dotenv import load_dotenv

load_dotenv()
openai.api_version = os.getenv("OPENAI_API_VERSION", "2024-10-21")

reply = openai.chat.completions.create(
    model=os.environ["AZURE_OPENAI_DEPLOYMENT"],
    messages=[{"role": "user", "content": "hi"}],
)
print(reply.choices[0].message.content)
'''

ENV_SCRIPT_MIGRATED = '''\
"""Ask the deployment one question."""
import functools
import os

import openai
from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
from dotenv import load_dotenv

load_dotenv()
openai.api_version = os.getenv("OPENAI_API_VERSION", "2024-10-21")


@functools.cache
def _token_provider():
    # Built at the first token request, once the program has set up its environment.
    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
    return get_bearer_token_provider(
        credential, "https://cognitiveservices.azure.com/.default"
    )


def token_provider():
    return _token_provider()()


openai.azure_ad_token_provider = token_provider

reply = openai.chat.completions.create(
    model=os.environ["AZURE_OPENAI_DEPLOYMENT"],
    messages=[{"role": "user", "content": "hi"}],
)
print(reply.choices[0].message.content)
'''


def test_environment_configured_client_gets_the_provider_after_its_configuration():
    result = run(ENV_SCRIPT)
    assert result.new.decode() == ENV_SCRIPT_MIGRATED
    [client] = result.clients
    assert (client.outcome, client.line) == ("migrated", 10)
    assert "configured from the environment" in client.reason


def test_environment_key_assignment_without_api_type_becomes_the_provider():
    source = (
        "import os\n"
        "import openai\n"
        "\n"
        'openai.api_key = os.environ["AZURE_OPENAI_API_KEY"]\n'
        "\n"
        "\n"
        "def ask(question):\n"
        '    return openai.chat.completions.create(model="gpt-4o", messages=[])\n'
    )
    assert code(source) == (
        "import os\n"
        "import openai\n"
        "import functools\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        "\n"
        "\n"
        "@functools.cache\n"
        "def _token_provider():\n"
        "    # Built at the first token request, once the program has set up its environment.\n"
        '    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))\n'
        "    return get_bearer_token_provider(\n"
        '        credential, "https://cognitiveservices.azure.com/.default"\n'
        "    )\n"
        "\n"
        "\n"
        "def token_provider():\n"
        "    return _token_provider()()\n"
        "\n"
        "\n"
        "openai.azure_ad_token_provider = token_provider\n"
        "\n"
        "\n"
        "def ask(question):\n"
        '    return openai.chat.completions.create(model="gpt-4o", messages=[])\n'
    )


def test_api_type_set_in_the_environment_by_the_code_is_azure():
    out = code(
        "import os\nimport openai\n"
        'os.environ["OPENAI_API_TYPE"] = "azure"\n'
        'openai.api_key = os.environ["OPENAI_API_KEY"]\n'
        'r = openai.embeddings.create(model="e", input="x")\n'
    )
    assert "openai.azure_ad_token_provider = token_provider\n" in out
    assert "openai.api_key" not in out


@pytest.mark.parametrize(
    "source, told",
    [
        # Nothing shows Azure: OPENAI_API_TYPE from outside decides.
        (
            'import openai\nr = openai.chat.completions.create(model="gpt-4o", messages=[])\n',
            "nothing in the file shows whether it is Azure",
        ),
        # Both: a provider would make the OpenAI setup ambiguous.
        (
            "import os\nimport openai\n"
            'ep = os.getenv("AZURE_OPENAI_ENDPOINT")\n'
            'openai.api_key = os.environ["OPENAI_API_KEY"]\n'
            'r = openai.responses.create(model="gpt-4o", input="x")\n',
            "shows both Azure (AZURE_OPENAI_ENDPOINT) and OpenAI (OPENAI_API_KEY)",
        ),
        # Azure, but no module-level `import openai` to set the provider on.
        (
            "import os\nfrom openai import chat\n"
            'ep = os.environ["AZURE_OPENAI_ENDPOINT"]\n'
            'r = chat.completions.create(model="gpt-4o", messages=[])\n',
            "not a module-level `import openai`",
        ),
    ],
)
def test_environment_configured_client_is_reported_when_the_file_cannot_tell(source, told):
    result = run(source)
    assert result.new.decode() == source
    assert result.clients == ()
    [notice] = result.notices
    assert notice.rule == "module-client-env" and notice.severity == "warning"
    assert told in notice.message
    assert "OPENAI_API_TYPE=azure" in notice.message and "AZURE_OPENAI_API_KEY" in notice.message


def test_environment_configured_client_second_run_changes_nothing():
    again = run(ENV_SCRIPT_MIGRATED)
    assert again.new.decode() == ENV_SCRIPT_MIGRATED
    assert [c.outcome for c in again.clients] == ["already-keyless"]
    assert again.notices == ()


class _IdentityToken:
    """Stands for the managed identity: a token for the scope asked, no network."""

    scopes: list[tuple[str, ...]] = []

    def __init__(self, **kwargs: object) -> None:
        pass

    def get_token(self, *scopes: str, **kwargs: object):
        import time

        from azure.core.credentials import AccessToken

        _IdentityToken.scopes.append(scopes)
        return AccessToken("token-from-identity", int(time.time()) + 3600)


def _module_client_request(program: str, env: dict[str, str], monkeypatch) -> dict[str, str]:
    """Run ``program`` in this process against a loopback transport, with the openai module's
    settings as a fresh import under ``env`` would have them; the headers it sent."""
    import azure.identity
    import httpx
    import openai

    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(
            200,
            json={
                "id": "c1",
                "object": "chat.completion",
                "created": 0,
                "model": "gpt-4o",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "hello"},
                        "finish_reason": "stop",
                    }
                ],
            },
        )

    for name in ("OPENAI_API_TYPE", "AZURE_OPENAI_API_KEY", "OPENAI_API_KEY", "AZURE_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(openai, "api_type", env.get("OPENAI_API_TYPE"))
    monkeypatch.setattr(openai, "api_version", env.get("OPENAI_API_VERSION"))
    monkeypatch.setattr(openai, "azure_endpoint", env.get("AZURE_OPENAI_ENDPOINT"))
    monkeypatch.setattr(openai, "api_key", None)
    monkeypatch.setattr(openai, "azure_ad_token_provider", None)
    monkeypatch.setattr(openai, "http_client", httpx.Client(transport=httpx.MockTransport(answer)))
    monkeypatch.setattr(openai, "_client", None)
    monkeypatch.setattr(azure.identity, "ManagedIdentityCredential", _IdentityToken)
    exec(compile(program, "<program>", "exec"), {"__name__": "program"})
    [request] = sent
    return dict(request.headers)


MODULE_PROGRAM = (
    "import openai\n"
    "\n"
    'openai.api_version = "2024-10-21"\n'
    "\n"
    'reply = openai.chat.completions.create(model="gpt-4o", messages=[])\n'
    "answer = reply.choices[0].message.content\n"
)
AZURE_ENV = {
    "OPENAI_API_TYPE": "azure",
    "AZURE_OPENAI_ENDPOINT": "https://contoso.openai.azure.com",
}


def test_migrated_module_client_sends_only_the_bearer_token(monkeypatch):
    # The original, with its key: the key goes out as api-key.
    headers = _module_client_request(
        MODULE_PROGRAM, {**AZURE_ENV, "AZURE_OPENAI_API_KEY": "old-key"}, monkeypatch
    )
    assert headers["api-key"] == "old-key"
    migrated = code(MODULE_PROGRAM)
    _IdentityToken.scopes.clear()
    # (a) Only the identity's variables.
    headers = _module_client_request(migrated, dict(AZURE_ENV), monkeypatch)
    assert headers["authorization"] == "Bearer token-from-identity" and "api-key" not in headers
    assert _IdentityToken.scopes == [("https://cognitiveservices.azure.com/.default",)]
    # (b) The old key still set during the rollout: still only the token.
    headers = _module_client_request(
        migrated, {**AZURE_ENV, "AZURE_OPENAI_API_KEY": "old-key"}, monkeypatch
    )
    assert headers["authorization"] == "Bearer token-from-identity" and "api-key" not in headers


def test_environment_key_assignment_inside_a_function_is_rewritten_in_place():
    out = code(
        "import os\n"
        "\n"
        "\n"
        "def configure():\n"
        "    import openai\n"
        '    openai.api_key = os.environ["AZURE_OPENAI_API_KEY"]\n'
        '    return openai.chat.completions.create(model="gpt-4o", messages=[])\n'
    )
    assert "    openai.azure_ad_token_provider = token_provider\n" in out
    assert "openai.api_key" not in out
