"""A queue worker: each batch is processed in its own asyncio.run(), as a cron-style job does."""

import asyncio
import os

from openai import AsyncAzureOpenAI

client = AsyncAzureOpenAI(
    api_key=os.getenv("AZURE_OPENAI_API_KEY"),
    api_version=os.getenv("AZURE_OPENAI_API_VERSION"),
    azure_endpoint=os.getenv("AZURE_OPENAI_ENDPOINT"),
)
DEPLOYMENT = os.getenv("AZURE_OPENAI_CHAT_DEPLOYMENT", "gpt-4o")


async def handle(item: str) -> str:
    response = await client.chat.completions.create(
        model=DEPLOYMENT,
        messages=[{"role": "user", "content": f"Tag this item: {item}"}],
    )
    return response.choices[0].message.content


async def process(batch: list[str]) -> int:
    results = await asyncio.gather(*(handle(item) for item in batch))
    return len([r for r in results if r])


if __name__ == "__main__":
    batches = [["invoice 1", "invoice 2"], ["receipt 7", "receipt 8"]]
    for number, batch in enumerate(batches, start=1):
        done = asyncio.run(process(batch))
        print(f"batch {number} done: {done}")
