from azure.core.credentials import AzureKeyCredential
from azure.search.documents import SearchClient


class DocumentIndex:
    def __init__(self, endpoint: str, index_name: str, key: str):
        self._client = SearchClient(endpoint, index_name, AzureKeyCredential(key))

    def search(self, text: str, top: int = 5):
        return [doc for doc in self._client.search(search_text=text, top=top)]
