import os

from openai import AzureOpenAI

client = AzureOpenAI(
    azure_endpoint="https://contoso-ai-gateway.azure-api.net/",
    api_key=os.environ["OPENAI_KEY"],
    api_version="2024-10-21",
)
