import os

import openai
from azure.identity import ManagedIdentityCredential

credential = ManagedIdentityCredential(client_id=os.environ["AZURE_CLIENT_ID"])
token = credential.get_token("https://cognitiveservices.azure.com/.default")

openai.api_type = "azure_ad"
openai.api_key = token.token
openai.api_base = os.environ["AZURE_OPENAI_ENDPOINT"]
openai.api_version = "2023-05-15"

response = openai.ChatCompletion.create(
    engine="gpt-35-turbo",
    messages=[{"role": "user", "content": "signed in with a token"}],
)
print(response["choices"][0]["message"]["content"])
