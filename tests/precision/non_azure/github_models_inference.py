import os

from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import SystemMessage, UserMessage
from azure.core.credentials import AzureKeyCredential

ENDPOINT = "https://models.inference.ai.azure.com"
GITHUB_TOKEN = os.getenv("GITHUB_TOKEN")
if not GITHUB_TOKEN:
    raise RuntimeError("GITHUB_TOKEN is not set")

client = ChatCompletionsClient(endpoint=ENDPOINT, credential=AzureKeyCredential(GITHUB_TOKEN))
reply = client.complete(
    messages=[SystemMessage("You are terse."), UserMessage("Name three rivers.")], model="gpt-4o"
)
print(reply.choices[0].message.content)
