import os

from openai import AzureOpenAI


class AzureLLM:
    """Chat completions on Azure OpenAI. The key falls back to AZURE_OPENAI_API_KEY."""

    def __init__(self, deployment: str, api_key: str | None = None, endpoint: str | None = None):
        api_key = api_key or os.getenv("AZURE_OPENAI_API_KEY")
        endpoint = endpoint or os.getenv("AZURE_OPENAI_ENDPOINT")
        self.deployment = deployment
        self.client = AzureOpenAI(api_key=api_key, azure_endpoint=endpoint, api_version="2024-10-21")

    def chat(self, messages):
        return self.client.chat.completions.create(model=self.deployment, messages=messages)
