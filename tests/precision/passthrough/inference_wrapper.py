from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import UserMessage
from azure.core.credentials import AzureKeyCredential


def complete(endpoint: str, api_key: str, prompt: str) -> str:
    client = ChatCompletionsClient(endpoint=endpoint, credential=AzureKeyCredential(api_key))
    response = client.complete(messages=[UserMessage(content=prompt)])
    return response.choices[0].message.content
