import os
import sys

from openai import AzureOpenAI

api_key = os.getenv("AZURE_OPENAI_API_KEY", "")
endpoint = os.getenv("AZURE_OPENAI_ENDPOINT", "")

if len(api_key) == 0:
    print("Set AZURE_OPENAI_API_KEY first.", file=sys.stderr)
    sys.exit(1)
if len(endpoint) == 0:
    print("Set AZURE_OPENAI_ENDPOINT first.", file=sys.stderr)
    sys.exit(1)

client = AzureOpenAI(azure_endpoint=endpoint, api_key=api_key, api_version="2024-10-21")
answer = client.chat.completions.create(
    model=os.getenv("AZURE_OPENAI_CHAT_DEPLOYMENT", "gpt-4o"),
    messages=[{"role": "user", "content": "length checked"}],
)
print(answer.choices[0].message.content)
