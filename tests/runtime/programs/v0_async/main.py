import asyncio
import os

import openai

openai.api_type = "azure"
openai.api_base = os.getenv("AZURE_OPENAI_ENDPOINT")
openai.api_version = "2023-05-15"
openai.api_key = os.getenv("AZURE_OPENAI_KEY")


async def summarise(text: str) -> str:
    response = await openai.ChatCompletion.acreate(
        engine="gpt-35-turbo",
        messages=[{"role": "user", "content": f"Summarise: {text}"}],
    )
    return response.choices[0].message.content


async def main() -> None:
    docs = ["first document", "second document", "third document"]
    summaries = await asyncio.gather(*(summarise(d) for d in docs))
    for summary in summaries:
        print(summary)
    print(f"{len(summaries)} summaries")


asyncio.run(main())
