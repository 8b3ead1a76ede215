"""Create the async client from a configuration object."""

from azure.identity import DefaultAzureCredential, get_bearer_token_provider
from openai import AsyncAzureOpenAI

COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"


def _token_provider(config, credential=None):
    if not config.use_entra:
        return None
    return get_bearer_token_provider(credential or DefaultAzureCredential(), COGNITIVE_SCOPE)


def create_client(config, *, credential=None) -> AsyncAzureOpenAI:
    return AsyncAzureOpenAI(
        api_key=config.api_key,
        azure_ad_token_provider=_token_provider(config, credential),
        azure_endpoint=config.endpoint,
        azure_deployment=config.deployment,
        api_version=config.api_version,
        max_retries=config.max_retries,
    )
