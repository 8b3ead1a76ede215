import os

from azure.identity import DefaultAzureCredential, get_bearer_token_provider
from openai import AzureOpenAI

KEY = os.getenv("AZURE_OPENAI_API_KEY")
ENDPOINT = os.environ["AZURE_OPENAI_ENDPOINT"]

client = (
    AzureOpenAI(api_key=KEY, azure_endpoint=ENDPOINT, api_version="2024-10-21")
    if KEY
    else AzureOpenAI(
        azure_ad_token_provider=get_bearer_token_provider(
            DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
        ),
        azure_endpoint=ENDPOINT,
        api_version="2024-10-21",
    )
)
