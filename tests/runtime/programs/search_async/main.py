import asyncio
import os

from azure.core.credentials import AzureKeyCredential
from azure.search.documents.aio import SearchClient

SERVICE_ENDPOINT = os.environ["SEARCH_SERVICE_ENDPOINT"]
QUERY_KEY = os.environ["SEARCH_QUERY_KEY"]


async def count_hits(text: str) -> int:
    async with SearchClient(SERVICE_ENDPOINT, "hotels", AzureKeyCredential(QUERY_KEY)) as client:
        results = await client.search(search_text=text)
        return len([doc async for doc in results])


if __name__ == "__main__":
    for number, text in enumerate(("luxury", "budget"), start=1):
        print(f"run {number}: {asyncio.run(count_hits(text))} hits")
