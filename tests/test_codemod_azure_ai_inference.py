"""azure-ai-inference's ChatCompletionsClient / EmbeddingsClient against Azure OpenAI endpoints."""

from __future__ import annotations

import pytest
from helpers import code, run

HEAD = "import os\nfrom azure.core.credentials import AzureKeyCredential\n"
SCOPE = '["https://cognitiveservices.azure.com/.default"]'


@pytest.mark.parametrize(
    "module, aio", [("azure.ai.inference", False), ("azure.ai.inference.aio", True)]
)
@pytest.mark.parametrize("cls", ["ChatCompletionsClient", "EmbeddingsClient"])
def test_key_credential_becomes_a_token_credential_with_the_openai_scope(module, aio, cls):
    out = code(
        f"{HEAD}from {module} import {cls}\n"
        f'c = {cls}(endpoint=os.environ["AZURE_OPENAI_ENDPOINT"], credential=AzureKeyCredential(os.environ["AZURE_OPENAI_KEY"]))\n'
    )
    name = "async_credential" if aio else "credential"
    assert (
        f'{cls}(endpoint=os.environ["AZURE_OPENAI_ENDPOINT"], credential={name}, credential_scopes={SCOPE})'
        in out
    )
    assert "AzureKeyCredential" not in out  # import removed with its last use
    # aio clients too: their credential runs the sync one in a worker thread (no aiohttp session)
    assert "from azure.identity import ManagedIdentityCredential\n" in out
    assert "get_bearer_token_provider" not in out


def test_positional_credential_stays_positional():
    out = code(
        f"{HEAD}from azure.ai.inference import ChatCompletionsClient\n"
        'c = ChatCompletionsClient("https://r.openai.azure.com/openai/deployments/gpt-4o", AzureKeyCredential(k))\n'
    )
    assert (
        f'ChatCompletionsClient("https://r.openai.azure.com/openai/deployments/gpt-4o", credential, credential_scopes={SCOPE})'
        in out
    )


def test_sovereign_cloud_scope():
    out = code(
        f"{HEAD}from azure.ai.inference import ChatCompletionsClient\n"
        "c = ChatCompletionsClient(endpoint='https://r.openai.azure.us/openai/deployments/d', credential=AzureKeyCredential(k))\n",
        cloud="usgov",
    )
    assert 'credential_scopes=["https://cognitiveservices.azure.us/.default"]' in out


@pytest.mark.parametrize(
    "endpoint, key",
    [
        ('"https://models.inference.ai.azure.com"', 'os.environ["GITHUB_TOKEN"]'),
        ('"https://models.github.ai/inference"', "token"),
        ('os.environ["MODELS_ENDPOINT"]', 'os.environ["GITHUB_TOKEN"]'),
    ],
)
def test_github_models_is_left_alone(endpoint, key):
    source = f"{HEAD}from azure.ai.inference import ChatCompletionsClient\nc = ChatCompletionsClient(endpoint={endpoint}, credential=AzureKeyCredential({key}))\n"
    result = run(source)
    assert result.new.decode() == source
    assert result.clients == ()


def test_unclear_endpoint_is_left_for_review():
    source = f"{HEAD}from azure.ai.inference import ChatCompletionsClient\nc = ChatCompletionsClient(endpoint=os.environ['INFERENCE_URL'], credential=AzureKeyCredential(k))\n"
    result = run(source)
    assert result.new.decode() == source
    assert result.clients[0].outcome == "review"


def test_token_credential_is_already_keyless():
    source = (
        "from azure.identity import DefaultAzureCredential\nfrom azure.ai.inference import ChatCompletionsClient\n"
        "c = ChatCompletionsClient(endpoint='https://r.openai.azure.com/openai/deployments/d', credential=DefaultAzureCredential())\n"
    )
    result = run(source)
    assert result.new.decode() == source
    assert result.clients[0].outcome == "already-keyless"


def test_second_run_changes_nothing():
    once = code(
        f"{HEAD}from azure.ai.inference import ChatCompletionsClient\n"
        "c = ChatCompletionsClient(endpoint='https://r.openai.azure.com/openai/deployments/d', credential=AzureKeyCredential(k))\n"
    )
    again = run(once)
    assert again.new.decode() == once
    assert again.clients[0].outcome == "already-keyless"
