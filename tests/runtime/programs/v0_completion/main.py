import os

import openai

openai.api_type = "azure"
openai.api_base = os.environ["AZURE_OPENAI_ENDPOINT"]
openai.api_version = "2022-12-01"
openai.api_key = os.environ["AZURE_OPENAI_KEY"]

DEPLOYMENT = "text-davinci-003"


def complete(prompt: str) -> str:
    result = openai.Completion.create(
        deployment_id=DEPLOYMENT,
        prompt=prompt,
        max_tokens=50,
        temperature=0,
        request_timeout=30,
    )
    choice = result["choices"][0]
    return choice["text"].strip() + f" [{choice['finish_reason']}]"


if __name__ == "__main__":
    print(complete("Write a tagline for a bakery"))
