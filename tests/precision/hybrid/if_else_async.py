import os

from azure.identity.aio import DefaultAzureCredential, get_bearer_token_provider
from openai import AsyncAzureOpenAI

api_key = os.getenv("AZURE_OPENAI_API_KEY")
endpoint = os.environ["AZURE_OPENAI_ENDPOINT"]

if api_key:
    client = AsyncAzureOpenAI(api_key=api_key, azure_endpoint=endpoint, api_version="2024-10-21")
else:
    get_token = get_bearer_token_provider(
        DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
    )
    client = AsyncAzureOpenAI(
        azure_ad_token_provider=get_token, azure_endpoint=endpoint, api_version="2024-10-21"
    )
