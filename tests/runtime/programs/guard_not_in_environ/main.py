import os
import sys

from openai import AzureOpenAI

if "AZURE_OPENAI_API_KEY" not in os.environ:
    sys.exit("AZURE_OPENAI_API_KEY is not set")

client = AzureOpenAI(
    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
    api_version="2024-10-21",
)
out = client.chat.completions.create(
    model=os.environ["AZURE_OPENAI_CHAT_DEPLOYMENT"],
    messages=[{"role": "user", "content": "checked"}],
)
print(out.choices[0].message.content)
