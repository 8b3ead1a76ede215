import os

from openai import AzureOpenAI

BASE = os.getenv("OPENAI_BASE", "https://contoso-apim.azure-api.net/aoai")

client = AzureOpenAI(azure_endpoint=BASE, api_key=os.environ["OPENAI_KEY"], api_version="2024-10-21")
