from openai import AzureOpenAI

from .settings import settings

client = AzureOpenAI(
    azure_endpoint=settings.gateway_url,
    api_key=settings.gateway_key,
    api_version=settings.api_version,
)
