import os

from azure.identity import DefaultAzureCredential
from azure.search.documents import SearchClient

search_client = SearchClient(
    endpoint=os.environ["AZURE_SEARCH_ENDPOINT"],
    index_name="hotels",
    credential=DefaultAzureCredential(),
)
for hit in search_client.search(search_text="pool", top=5):
    print(hit["HotelName"])
