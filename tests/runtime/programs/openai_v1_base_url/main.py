import os

from openai import OpenAI

endpoint = os.getenv("AZURE_OPENAI_ENDPOINT", "").rstrip("/")
deployment_name = os.getenv("AZURE_OPENAI_CHAT_DEPLOYMENT")
api_key = os.getenv("AZURE_OPENAI_API_KEY")

client = OpenAI(base_url=f"{endpoint}/openai/v1/", api_key=api_key)

completion = client.chat.completions.create(
    model=deployment_name,
    messages=[{"role": "user", "content": "ping"}],
)
print(completion.choices[0].message.content)
