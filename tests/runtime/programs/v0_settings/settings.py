import os
from dataclasses import dataclass, field


@dataclass
class Settings:
    endpoint: str = field(default_factory=lambda: os.environ["AZURE_OPENAI_ENDPOINT"])
    api_key: str = field(default_factory=lambda: os.environ["AZURE_OPENAI_KEY"])
    api_version: str = "2023-05-15"
    chat_deployment: str = "gpt-35-turbo"


settings = Settings()
