import os

from azure.identity import DefaultAzureCredential, get_bearer_token_provider
from openai import OpenAI

endpoint = os.environ["AZURE_OPENAI_ENDPOINT"].rstrip("/")
api_key = os.getenv("AZURE_OPENAI_API_KEY")

if api_key:
    client = OpenAI(base_url=f"{endpoint}/openai/v1/", api_key=api_key)
else:
    client = OpenAI(
        base_url=f"{endpoint}/openai/v1/",
        api_key=get_bearer_token_provider(
            DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
        ),
    )

response = client.responses.create(model="gpt-4.1-mini", input="Say hello")
print(response.output_text)
