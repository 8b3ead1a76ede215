import os
import sys

import openai

ENDPOINT = os.environ["AOAI_ENDPOINT"]
KEY = os.environ["AOAI_KEY"]
DEPLOYMENT = os.getenv("AOAI_DEPLOYMENT", "gpt-4o")

client = openai.AzureOpenAI(azure_endpoint=ENDPOINT, api_key=KEY, api_version="2024-10-21")


def summarise(text: str) -> str:
    completion = client.chat.completions.create(
        model=DEPLOYMENT,
        messages=[{"role": "user", "content": f"Summarise: {text}"}],
        temperature=0,
    )
    return completion.choices[0].message.content


if __name__ == "__main__":
    text = " ".join(sys.argv[1:]) or "the quarterly report"
    print("summary:", summarise(text))
