import os

import openai
from azure.identity import DefaultAzureCredential, get_bearer_token_provider

use_azure_active_directory = False  # Set this flag to True to use Microsoft Entra ID

if not use_azure_active_directory:
    endpoint = os.environ["AZURE_OPENAI_ENDPOINT"]
    api_key = os.environ["AZURE_OPENAI_API_KEY"]
    client = openai.AzureOpenAI(azure_endpoint=endpoint, api_key=api_key, api_version="2024-06-01")

if use_azure_active_directory:
    endpoint = os.environ["AZURE_OPENAI_ENDPOINT"]
    client = openai.AzureOpenAI(
        azure_endpoint=endpoint,
        azure_ad_token_provider=get_bearer_token_provider(
            DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
        ),
        api_version="2024-06-01",
    )
