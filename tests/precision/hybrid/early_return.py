import logging
import os

from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
from openai import AzureOpenAI

log = logging.getLogger(__name__)


def get_client() -> AzureOpenAI:
    endpoint = os.environ["AZURE_OPENAI_ENDPOINT"]
    if os.getenv("AZURE_OPENAI_API_KEY"):
        log.info("using an API key (local development)")
        return AzureOpenAI(
            azure_endpoint=endpoint,
            api_key=os.environ["AZURE_OPENAI_API_KEY"],
            api_version="2024-10-21",
        )
    log.info("using the managed identity")
    provider = get_bearer_token_provider(
        ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID")),
        "https://cognitiveservices.azure.com/.default",
    )
    return AzureOpenAI(azure_endpoint=endpoint, azure_ad_token_provider=provider, api_version="2024-10-21")
