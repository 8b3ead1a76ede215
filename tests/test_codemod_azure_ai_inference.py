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


FOUNDRY_BEFORE = """\
import os

from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import SystemMessage, UserMessage
from azure.core.credentials import AzureKeyCredential

client = ChatCompletionsClient(
    endpoint="https://contoso-foundry.services.ai.azure.com/models",
    credential=AzureKeyCredential(os.environ["AZURE_AI_KEY"]),
)
response = client.complete(
    model="DeepSeek-V3",
    messages=[SystemMessage("Be brief."), UserMessage("Hi")],
)
"""
FOUNDRY_AFTER = '''\
import functools
import os

from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import SystemMessage, UserMessage
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
    endpoint="https://contoso-foundry.services.ai.azure.com/models",
    credential=credential,
    credential_scopes=["https://cognitiveservices.azure.com/.default"],
)
response = client.complete(
    model="DeepSeek-V3",
    messages=[SystemMessage("Be brief."), UserMessage("Hi")],
)
'''


def test_ai_foundry_models_endpoint_gets_the_credential_and_cognitive_services_scope():
    # azure-ai-inference would ask for https://ml.azure.com/.default, which an AI Foundry
    # (AI Services) resource does not accept.
    result = run(FOUNDRY_BEFORE)
    assert result.new.decode() == FOUNDRY_AFTER
    assert [c.outcome for c in result.clients] == ["migrated"]


@pytest.mark.parametrize(
    "endpoint, why",
    [
        ('"https://Meta-Llama-3-1-8B-xyz.eastus2.models.ai.azure.com"', "serverless API endpoint"),
        ('f"https://{name}.swedencentral.models.ai.azure.com/"', "serverless API endpoint"),
        (
            '"https://my-endpoint.eastus.inference.ml.azure.com/score"',
            "Azure Machine Learning online endpoint",
        ),
    ],
)
@pytest.mark.parametrize("cls", ["ChatCompletionsClient", "EmbeddingsClient"])
def test_key_only_endpoints_stay_and_say_why(cls, endpoint, why):
    source = (
        f"{HEAD}from azure.ai.inference import {cls}\n"
        f'c = {cls}(endpoint={endpoint}, credential=AzureKeyCredential(os.environ["AZURE_AI_KEY"]))\n'
    )
    result = run(source)
    assert result.new.decode() == source
    [client] = result.clients
    assert client.outcome == "review" and why in client.reason


def test_endpoint_named_after_openai_but_pointing_elsewhere_stays():
    # The literal the name is bound to says where it goes: a gateway, not an Azure resource.
    source = (
        f"{HEAD}from azure.ai.inference import ChatCompletionsClient\n"
        'AOAI_ENDPOINT = "https://gateway.contoso.com/aoai/openai/deployments/gpt-4o"\n'
        "c = ChatCompletionsClient(endpoint=AOAI_ENDPOINT, credential=AzureKeyCredential(k))\n"
    )
    result = run(source)
    assert result.new.decode() == source
    [client] = result.clients
    assert client.outcome == "review" and "not an Azure OpenAI" in client.reason


def test_unclear_endpoint_names_both_possibilities():
    source = (
        f"{HEAD}from azure.ai.inference import ChatCompletionsClient\n"
        "c = ChatCompletionsClient(endpoint=os.environ['AZURE_AI_CHAT_ENDPOINT'], "
        "credential=AzureKeyCredential(os.environ['AZURE_AI_CHAT_KEY']))\n"
    )
    [client] = run(source).clients
    assert client.outcome == "review"
    assert "AI Foundry" in client.reason and "serverless" in client.reason


@pytest.mark.parametrize(
    "answer, name, outcome",
    [
        ("azure", "AZURE_AI_CHAT_ENDPOINT", "migrated"),
        ("not-azure", "AZURE_OPENAI_ENDPOINT", "review"),
        ("unknown", "AZURE_AI_CHAT_ENDPOINT", "review"),
        # With nothing known about the variable, a name that says Azure OpenAI still decides.
        ("unknown", "AZURE_OPENAI_ENDPOINT", "migrated"),
    ],
)
def test_endpoint_from_the_environment_follows_the_classifier(monkeypatch, answer, name, outcome):
    # What the classifier knows about a variable (the project's .env files, its settings)
    # decides; a name that says OpenAI does not override its "not Azure".
    from codemods import azure_endpoint

    monkeypatch.setattr(azure_endpoint, "classify", lambda node, values: answer)
    source = (
        f"{HEAD}from azure.ai.inference import ChatCompletionsClient\n"
        f"c = ChatCompletionsClient(endpoint=os.environ['{name}'], "
        "credential=AzureKeyCredential(k))\n"
    )
    result = run(source)
    assert [c.outcome for c in result.clients] == [outcome]
    assert (result.new.decode() == source) == (outcome == "review")
