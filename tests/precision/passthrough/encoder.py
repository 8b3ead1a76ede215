"""Text embeddings through an Azure OpenAI deployment."""

from __future__ import annotations

from openai import AzureOpenAI


class Encoder:
    def __init__(
        self,
        endpoint: str,
        deployment: str,
        api_key: str | None = None,
        api_version: str = "2024-10-21",
    ) -> None:
        self.deployment = deployment
        self.client = AzureOpenAI(api_key=api_key, azure_endpoint=endpoint, api_version=api_version)

    def encode(self, texts: list[str]) -> list[list[float]]:
        result = self.client.embeddings.create(input=texts, model=self.deployment)
        return [item.embedding for item in result.data]
