import os

from haystack.components.embedders import AzureOpenAITextEmbedder
from haystack.components.generators.chat import AzureOpenAIChatGenerator
from haystack.dataclasses import ChatMessage
from haystack.utils import Secret

generator = AzureOpenAIChatGenerator(
    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    azure_deployment=os.environ["AZURE_OPENAI_CHAT_DEPLOYMENT"],
    api_version="2024-10-21",
    api_key=Secret.from_env_var("AZURE_OPENAI_API_KEY"),
)
embedder = AzureOpenAITextEmbedder(
    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    azure_deployment=os.environ["AZURE_OPENAI_EMBEDDING_DEPLOYMENT"],
    api_version="2024-10-21",
    api_key=Secret.from_env_var("AZURE_OPENAI_API_KEY"),
)

reply = generator.run(messages=[ChatMessage.from_user("Haystack")])
print("generator:", reply["replies"][0].text)
print("embedding:", len(embedder.run(text="Haystack")["embedding"]))
