import openai
from azure.identity import AzureCliCredential, ChainedTokenCredential, ManagedIdentityCredential

credential = ChainedTokenCredential(ManagedIdentityCredential(), AzureCliCredential())
access_token = credential.get_token("https://cognitiveservices.azure.com/.default")

openai.api_base = "https://contoso.openai.azure.com/"
openai.api_version = "2023-05-15"
openai.api_type = "azure_ad"
openai.api_key = access_token.token

response = openai.ChatCompletion.create(
    engine="gpt-35-turbo", messages=[{"role": "user", "content": "Hello"}]
)
print(response)
