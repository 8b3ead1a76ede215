import asyncio

from openai import AsyncOpenAI

client = AsyncOpenAI(base_url="http://127.0.0.1:1234/v1", api_key="lm-studio")


async def main():
    reply = await client.chat.completions.create(
        model="local-model", messages=[{"role": "user", "content": "hi"}]
    )
    print(reply.choices[0].message.content)


asyncio.run(main())
