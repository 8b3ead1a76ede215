import asyncio
import os

from azure.identity.aio import DefaultAzureCredential, get_bearer_token_provider
from openai import AsyncAzureOpenAI


async def main() -> None:
    async with DefaultAzureCredential() as credential:
        client = AsyncAzureOpenAI(
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            azure_ad_token_provider=get_bearer_token_provider(
                credential, "https://cognitiveservices.azure.com/.default"
            ),
            api_version="2024-10-21",
        )
        reply = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "ping"}]
        )
        print(reply.choices[0].message.content)


asyncio.run(main())
