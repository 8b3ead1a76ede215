"""litellm calls with an azure/ model."""

from __future__ import annotations

import pytest
from helpers import code, run


@pytest.mark.parametrize("func", ["completion", "acompletion", "embedding", "aembedding"])
def test_azure_model_key_becomes_provider(func):
    result = run(
        f'import litellm\nr = litellm.{func}(model="azure/gpt-4o", api_key=os.getenv("AZURE_API_KEY"), input=x)\n'
    )
    assert (
        f'litellm.{func}(model="azure/gpt-4o", azure_ad_token_provider=token_provider, input=x)'
        in result.new.decode()
    )
    assert [n.rule for n in result.notices] == ["litellm-env-key"]


def test_from_import_and_positional_model():
    out = code(
        'from litellm import completion\nr = completion("azure/gpt-4o", messages=m, api_key=k)\n'
    )
    assert 'completion("azure/gpt-4o", messages=m, azure_ad_token_provider=token_provider)' in out


def test_model_constant_and_implicit_key():
    out = code(
        'import litellm\nMODEL = "azure/gpt-4o"\nr = litellm.completion(model=MODEL, messages=m)\n'
    )
    assert (
        "litellm.completion(model=MODEL, messages=m, azure_ad_token_provider=token_provider)" in out
    )


@pytest.mark.parametrize(
    "source",
    [
        'import litellm\nr = litellm.completion(model="gpt-4o", api_key=k, messages=m)\n',
        'import litellm\nr = litellm.completion(model="ollama/llama3", api_base="http://localhost:11434", messages=m)\n',
        "import litellm\nr = litellm.completion(model=model_name, messages=m)\n",
    ],
)
def test_other_providers_are_left_alone(source):
    result = run(source)
    assert result.new.decode() == source
    assert result.clients == ()


def test_unknown_model_with_a_key_is_left_for_review():
    source = "import litellm\nr = litellm.completion(model=model_name, api_key=k, messages=m)\n"
    result = run(source)
    assert result.new.decode() == source
    assert result.clients[0].outcome == "review"


PROVIDER_SETUP = """

@functools.cache
def _token_provider():
    # Built at the first token request, once the program has set up its environment.
    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
    return get_bearer_token_provider(
        credential, "https://cognitiveservices.azure.com/.default"
    )


def token_provider():
    return _token_provider()()
"""
HEADER = (
    "import functools\nimport os\n\n"
    "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
)


def test_config_dict_with_an_azure_model_gets_the_provider_in_the_dict():
    result = run(
        """\
        import os

        from litellm import completion

        LLM_CONFIG = {
            "model": f"azure/{os.getenv('DEPLOYMENT', 'gpt-4o')}",
            "api_key": os.getenv("AZURE_OPENAI_API_KEY"),
            "temperature": 0.1,
        }
        reply = completion(**LLM_CONFIG, messages=[{"role": "user", "content": "hi"}])
        """
    )
    assert result.new.decode() == (
        HEADER
        + "from litellm import completion\n"
        + PROVIDER_SETUP
        + """

LLM_CONFIG = {
    "model": f"azure/{os.getenv('DEPLOYMENT', 'gpt-4o')}",
    "azure_ad_token_provider": token_provider,
    "temperature": 0.1,
}
reply = completion(**LLM_CONFIG, messages=[{"role": "user", "content": "hi"}])
"""
    )
    assert [c.outcome for c in result.clients] == ["migrated"]
    # The config-dict path gives the call's notices too.
    assert [n.rule for n in result.notices] == ["litellm-env-key"]


def test_inline_unpacked_dict_is_rewritten_in_the_call():
    result = run(
        """\
        import litellm

        r = litellm.completion(**{"model": "azure/gpt-4o", "api_key": KEY}, messages=m)
        """
    )
    assert result.new.decode().endswith(
        'r = litellm.completion(**{"model": "azure/gpt-4o", '
        '"azure_ad_token_provider": token_provider}, messages=m)\n'
    )
    assert result.clients[0].reason == (
        "the 'api_key' entry of the unpacked dict replaced by 'azure_ad_token_provider'"
    )


@pytest.mark.parametrize(
    "source",
    [
        'import litellm\nCFG = {"model": "openai/gpt-4o", "api_key": K}\nr = litellm.completion(**CFG, messages=m)\n',
        'import litellm\nr = litellm.completion(**{"model": "ollama/llama3", "api_key": K}, messages=m)\n',
        'import litellm\nCFG = dict(model="gpt-4o", api_key=K)\nr = litellm.completion(**CFG, messages=m)\n',
    ],
)
def test_config_dicts_of_other_providers_are_left_alone(source):
    result = run(source)
    assert result.new.decode() == source
    assert result.clients == ()


def test_config_dict_with_an_unknown_model_and_a_key_is_left_for_review():
    source = 'import litellm\nCFG = {"model": name, "api_key": K}\nr = litellm.completion(**CFG, messages=m)\n'
    result = run(source)
    assert result.new.decode() == source
    assert [c.outcome for c in result.clients] == ["review"]


def test_key_written_to_the_environment_and_module_settings_is_removed():
    result = run(
        """\
        import os

        import litellm
        from litellm import completion

        subscription_key = os.getenv("AZURE_OPENAI_API_KEY")
        os.environ["AZURE_API_KEY"] = subscription_key
        os.environ["AZURE_API_BASE"] = os.getenv("AZURE_ENDPOINT_URL")
        litellm.azure_key = os.environ["AZURE_OPENAI_API_KEY"]
        litellm.api_key = subscription_key

        response = completion(model="azure/gpt-4o", messages=[])
        """
    )
    assert result.new.decode() == (
        HEADER
        + "from litellm import completion\n\n"
        + 'os.environ["AZURE_API_BASE"] = os.getenv("AZURE_ENDPOINT_URL")\n'
        + PROVIDER_SETUP
        + """

response = completion(model="azure/gpt-4o", messages=[], azure_ad_token_provider=token_provider)
"""
    )
    notices = [(n.line, n.rule) for n in result.notices]
    assert (7, "litellm-key-setting-removed") in notices
    assert (9, "litellm-key-setting-removed") in notices
    assert (10, "litellm-key-setting-removed") in notices
    assert (6, "key-variable-removed") in notices
    assert KEY_TEXT not in " ".join(n.message for n in result.notices)


KEY_TEXT = "subscription_key = os.getenv"


def test_environment_write_next_to_an_already_keyless_call_is_removed():
    result = run(
        """\
        import os

        from litellm import completion

        os.environ["AZURE_API_KEY"] = key
        os.environ["AZURE_API_BASE"] = base
        response = completion(model="azure/gpt-4o", azure_ad_token_provider=tp, messages=[])
        """
    )
    assert result.new.decode() == (
        "import os\n\nfrom litellm import completion\n\n"
        'os.environ["AZURE_API_BASE"] = base\n'
        'response = completion(model="azure/gpt-4o", azure_ad_token_provider=tp, messages=[])\n'
    )
    assert [c.outcome for c in result.clients] == ["already-keyless"]
    assert [n.rule for n in result.notices if n.rule.startswith("litellm-key")] == [
        "litellm-key-setting-removed"
    ]


@pytest.mark.parametrize(
    ("source", "line", "why"),
    [
        # litellm.api_key is read for the openai/ call too.
        (
            'import litellm\nlitellm.api_key = K\nr = litellm.completion(model="azure/gpt-4o", messages=m)\n'
            's = litellm.completion(model="openai/gpt-4o", messages=m)\n',
            2,
            "a litellm call of this module does not show an azure/ model",
        ),
        (
            'import os\nimport litellm\nos.environ["AZURE_API_KEY"] = vault.fetch("k")\n'
            'r = litellm.completion(model="azure/gpt-4o", messages=m)\n',
            3,
            "its value is computed (removing it could remove other work)",
        ),
        (
            'import os\nimport litellm\nfrom openai import AzureOpenAI\nos.environ["AZURE_OPENAI_API_KEY"] = K\n'
            'r = litellm.completion(model="azure/gpt-4o", messages=m)\nc = AzureOpenAI(**settings)\n',
            4,
            "the client on line 6 still uses a key",
        ),
    ],
)
def test_key_settings_that_stay_are_reported(source, line, why):
    result = run(source)
    kept = [n for n in result.notices if n.rule == "litellm-key-setting-kept"]
    assert len(kept) == 1 and why in kept[0].message
    assert kept[0].line == line
    assert source.split("\n")[line - 1] in result.new.decode()
    assert "= ..." in kept[0].message  # the value itself is never shown


@pytest.mark.parametrize(
    "source",
    [
        # An environment write of a variable that is not a key.
        'import os\nimport litellm\nos.environ["AZURE_API_BASE"] = E\nr = litellm.completion(model="azure/gpt-4o", api_key=K, messages=m)\n',
        # No litellm call takes a token here: the writes are left, and nothing is said of them.
        'import os\nimport litellm\nos.environ["AZURE_API_KEY"] = K\nr = litellm.completion(model="openai/gpt-4o", messages=m)\n',
        'import os\nos.environ["AZURE_API_KEY"] = K\n',
    ],
)
def test_writes_that_are_not_a_litellm_key_stay(source):
    result = run(source)
    assert source.split("\n")[2] in result.new.decode()
    assert not [n for n in result.notices if n.rule.startswith("litellm-key-setting")]


def test_setting_rules_are_declared():
    from codemods import key_settings, sdks

    assert {key_settings.RULE_REMOVED, key_settings.RULE_KEPT} <= set(sdks.RULES)
