import os

from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import SystemMessage, UserMessage
from azure.core.credentials import AzureKeyCredential

endpoint = os.environ["AZURE_OPENAI_ENDPOINT"].rstrip("/")
key = os.environ["AZURE_INFERENCE_KEY"]

client = ChatCompletionsClient(endpoint=endpoint, credential=AzureKeyCredential(key))
response = client.complete(
    model="gpt-4o",
    messages=[
        SystemMessage(content="You are a helpful assistant."),
        UserMessage(content="How many feet in a mile?"),
    ],
)
print(response.choices[0].message.content)
