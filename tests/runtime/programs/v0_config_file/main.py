import json
import os

import openai

with open("config.json") as f:
    config = json.load(f)

openai.api_type = config["api_type"]
openai.api_base = os.environ["AZURE_OPENAI_ENDPOINT"]
openai.api_version = config["api_version"]
openai.api_key = os.environ["AZURE_OPENAI_KEY"]

result = openai.ChatCompletion.create(
    engine=config["chat_engine"],
    messages=[{"role": "user", "content": "read from config.json"}],
    max_tokens=100,
)
text = result.get("choices")[0].get("message").get("content")
print("config file:", text)
