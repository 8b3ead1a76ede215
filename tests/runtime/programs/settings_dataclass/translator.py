from config import AzureOpenAIConfig
from openai import AzureOpenAI


class Translator:
    def __init__(self, config: AzureOpenAIConfig) -> None:
        self.config = config
        self.client = AzureOpenAI(
            azure_endpoint=config.endpoint,
            api_key=config.api_key,
            api_version=config.api_version,
        )

    def translate(self, text: str) -> str:
        result = self.client.chat.completions.create(
            model=self.config.deployment,
            messages=[{"role": "user", "content": text}],
        )
        return result.choices[0].message.content
