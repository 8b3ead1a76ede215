"""Ask one question of an Azure OpenAI chat deployment (openai 0.x)."""

import os

import openai

openai.api_type = "azure"
openai.api_base = os.getenv("AZURE_OPENAI_ENDPOINT")
openai.api_version = "2023-05-15"
openai.api_key = os.getenv("AZURE_OPENAI_KEY")

response = openai.ChatCompletion.create(
    engine="gpt-35-turbo",
    messages=[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is Entra ID?"},
    ],
    temperature=0.7,
    max_tokens=200,
)

print(response["choices"][0]["message"]["content"])
print("tokens used:", response["usage"]["total_tokens"])
