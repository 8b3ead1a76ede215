import os
import sys

import openai

openai.api_type = "azure"
openai.api_base = os.getenv("AZURE_OPENAI_ENDPOINT")
openai.api_version = "2023-07-01-preview"
openai.api_key = os.getenv("AZURE_OPENAI_KEY")


def stream_answer(question):
    response = openai.ChatCompletion.create(
        engine="gpt-4",
        messages=[{"role": "user", "content": question}],
        stream=True,
    )
    collected = []
    for chunk in response:
        if len(chunk["choices"]) > 0:
            delta = chunk["choices"][0]["delta"]
            if "content" in delta:
                sys.stdout.write(delta["content"])
                collected.append(delta.get("content", ""))
    print()
    return "".join(collected)


answer = stream_answer("tell me a story")
print(f"streamed {len(answer)} characters")
