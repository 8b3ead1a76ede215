import os

from azure.core.credentials import AzureKeyCredential
from azure.search.documents import SearchClient

endpoint = os.getenv("AZURE_SEARCH_ENDPOINT")
index_name = os.getenv("AZURE_SEARCH_INDEX", "hotels")
credential = AzureKeyCredential(os.getenv("AZURE_SEARCH_KEY"))

search_client = SearchClient(endpoint=endpoint, index_name=index_name, credential=credential)

results = list(search_client.search(search_text="luxury", top=5))
print("hits:", len(results))
for result in results:
    print(result["HotelName"])
