import asyncio
import os

from openai import AsyncAzureOpenAI

TEXTS = ["first document", "second document", "third document"]


async def main() -> None:
    async with AsyncAzureOpenAI(
        azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
        api_key=os.environ["AZURE_OPENAI_API_KEY"],
        api_version="2024-10-21",
    ) as client:
        deployment = os.environ["AZURE_OPENAI_EMBEDDING_DEPLOYMENT"]
        responses = await asyncio.gather(
            *(client.embeddings.create(model=deployment, input=text) for text in TEXTS)
        )
    vectors = [r.data[0].embedding for r in responses]
    print(f"embedded {len(vectors)} texts, {len(vectors[0])} dims")


if __name__ == "__main__":
    asyncio.run(main())
