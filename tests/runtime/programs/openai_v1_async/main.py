import asyncio
import os

from openai import AsyncOpenAI

AZURE_OPENAI_ENDPOINT = os.environ["AZURE_OPENAI_ENDPOINT"].rstrip("/")


def make_client() -> AsyncOpenAI:
    return AsyncOpenAI(
        base_url=f"{AZURE_OPENAI_ENDPOINT}/openai/v1/",
        api_key=os.environ["AZURE_OPENAI_KEY"],
    )


async def ask(question: str) -> str:
    client = make_client()
    try:
        reply = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": question}]
        )
    finally:
        await client.close()
    return reply.choices[0].message.content


if __name__ == "__main__":
    print("answer:", asyncio.run(ask("async ping")))
