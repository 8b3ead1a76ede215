from azure.identity import DefaultAzureCredential, get_bearer_token_provider
from openai import AsyncAzureOpenAI

from .config import ApiKeyAuth, IdentityAuth, ServiceConfig


def create_client(config: ServiceConfig, *, api_version: str = "2024-08-01-preview"):
    match config.auth:
        case ApiKeyAuth():
            return AsyncAzureOpenAI(
                api_key=config.auth.key,
                azure_endpoint=str(config.endpoint),
                api_version=api_version,
            )
        case IdentityAuth():
            return AsyncAzureOpenAI(
                azure_ad_token_provider=get_bearer_token_provider(
                    DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
                ),
                azure_endpoint=str(config.endpoint),
                api_version=api_version,
            )
        case _:
            raise ValueError(f"unknown auth: {config.auth!r}")
