import os

from openai import AzureOpenAI


class Config:
    KEY = os.getenv("AZURE_OPENAI_API_KEY")
    ENDPOINT = os.getenv("AZURE_OPENAI_ENDPOINT")
    DEPLOYMENT = os.getenv("AZURE_OPENAI_CHAT_DEPLOYMENT", "gpt-4o")


client = None
if Config.KEY and Config.ENDPOINT:
    client = AzureOpenAI(
        azure_endpoint=Config.ENDPOINT, api_key=Config.KEY, api_version="2024-10-21"
    )


def ask(question: str) -> str:
    if client is None:
        raise RuntimeError("Azure OpenAI is not configured")
    result = client.chat.completions.create(
        model=Config.DEPLOYMENT, messages=[{"role": "user", "content": question}]
    )
    return result.choices[0].message.content


print(ask("configured"))
