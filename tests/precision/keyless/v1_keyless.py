from azure.identity import DefaultAzureCredential, get_bearer_token_provider
from openai import OpenAI

token_provider = get_bearer_token_provider(
    DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
)
client = OpenAI(
    base_url="https://contoso-resource.openai.azure.com/openai/v1/",
    api_key=token_provider,
)
print(client.models.list())
