import os

from azure.identity import AzureCliCredential, ManagedIdentityCredential, get_bearer_token_provider
from openai import AzureOpenAI

SCOPE = "https://cognitiveservices.azure.com/.default"
AUTH_MODE = os.getenv("AUTH_MODE", "identity")

if AUTH_MODE == "key":
    client = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"], api_version="2024-10-21")
elif AUTH_MODE == "cli":
    client = AzureOpenAI(
        azure_ad_token_provider=get_bearer_token_provider(AzureCliCredential(), SCOPE),
        api_version="2024-10-21",
    )
else:
    client = AzureOpenAI(
        azure_ad_token_provider=get_bearer_token_provider(ManagedIdentityCredential(), SCOPE),
        api_version="2024-10-21",
    )
