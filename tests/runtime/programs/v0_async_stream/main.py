import asyncio
import os

import openai

openai.api_type = "azure"
openai.api_base = os.getenv("AZURE_OPENAI_ENDPOINT")
openai.api_version = "2023-05-15"
openai.api_key = os.getenv("AZURE_OPENAI_KEY")


async def answer(question):
    parts = []
    async for chunk in await openai.ChatCompletion.acreate(
        engine="gpt-35-turbo",
        messages=[{"role": "user", "content": question}],
        stream=True,
    ):
        if chunk.choices:
            content = chunk.choices[0].delta.get("content")
            if content:
                parts.append(content)
    return "".join(parts)


print("answer:", asyncio.run(answer("async streaming works")))
