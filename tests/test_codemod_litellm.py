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
