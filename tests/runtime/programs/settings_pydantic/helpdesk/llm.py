from openai import AzureOpenAI

from .settings import get_settings


def build_client() -> AzureOpenAI:
    settings = get_settings()
    return AzureOpenAI(
        azure_endpoint=settings.endpoint,
        api_key=settings.api_key.get_secret_value(),
        api_version=settings.api_version,
    )
