import os

from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import UserMessage
from azure.core.credentials import AzureKeyCredential

client = ChatCompletionsClient(
    endpoint="https://Meta-Llama-3-70B-Instruct-contoso.eastus2.models.ai.azure.com",
    credential=AzureKeyCredential(os.environ["AZURE_INFERENCE_CREDENTIAL"]),
)
print(client.complete(messages=[UserMessage("Tell me a joke")]).choices[0].message.content)
