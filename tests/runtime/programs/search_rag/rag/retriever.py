from azure.core.credentials import AzureKeyCredential
from azure.search.documents import SearchClient

from .config import AZURE_SEARCH_API_KEY, AZURE_SEARCH_ENDPOINT, AZURE_SEARCH_INDEX


class Retriever:
    def __init__(self) -> None:
        self.search_client = SearchClient(
            endpoint=AZURE_SEARCH_ENDPOINT,
            index_name=AZURE_SEARCH_INDEX,
            credential=AzureKeyCredential(AZURE_SEARCH_API_KEY),
        )

    def retrieve(self, query: str, top: int = 3) -> list[str]:
        return [doc["HotelName"] for doc in self.search_client.search(query, top=top)]
