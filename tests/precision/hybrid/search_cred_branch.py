import os

from azure.core.credentials import AzureKeyCredential
from azure.identity import ManagedIdentityCredential
from azure.search.documents import SearchClient

SEARCH_ENDPOINT = os.environ["AZURE_SEARCH_ENDPOINT"]
SEARCH_KEY = os.getenv("AZURE_SEARCH_KEY")

if SEARCH_KEY:
    search_credential = AzureKeyCredential(SEARCH_KEY)
else:
    search_credential = ManagedIdentityCredential()

search_client = SearchClient(SEARCH_ENDPOINT, "products", search_credential)
results = search_client.search(search_text="hiking boots", top=3)
