import os

from openai import OpenAI

client = OpenAI(
    base_url="https://Mistral-large-contoso.eastus.models.ai.azure.com/v1/",
    api_key=os.environ["MISTRAL_ENDPOINT_KEY"],
)
