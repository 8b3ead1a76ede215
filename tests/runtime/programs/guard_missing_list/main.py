import os

from openai import AzureOpenAI

REQUIRED = ("AOAI_ENDPOINT", "AOAI_KEY")

missing = [name for name in REQUIRED if not os.getenv(name)]
if missing:
    raise SystemExit(f"Missing required environment variables: {', '.join(missing)}")

client = AzureOpenAI(
    azure_endpoint=os.environ["AOAI_ENDPOINT"],
    api_key=os.environ["AOAI_KEY"],
    api_version="2024-10-21",
)

reply = client.chat.completions.create(
    model="gpt-4o", messages=[{"role": "user", "content": "guarded"}]
)
print(reply.choices[0].message.content)
