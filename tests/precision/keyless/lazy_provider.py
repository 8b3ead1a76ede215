from azure.identity import DefaultAzureCredential, get_bearer_token_provider
from openai import AsyncAzureOpenAI

_provider = None


def _bearer_provider():
    global _provider
    if _provider is None:
        _provider = get_bearer_token_provider(
            DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
        )
    return _provider


def create_client(endpoint: str, deployment: str, api_version: str = "2024-12-01-preview"):
    return AsyncAzureOpenAI(
        azure_ad_token_provider=_bearer_provider(),
        azure_deployment=deployment,
        azure_endpoint=endpoint,
        api_version=api_version,
    )
