from unittest.mock import patch

from azure.core.credentials import AzureKeyCredential
from azure.search.documents import SearchClient


def make_client() -> SearchClient:
    return SearchClient("https://unit.search.windows.net", "docs", AzureKeyCredential("fake-key"))


def test_search_uses_the_index_name() -> None:
    client = make_client()
    with patch.object(SearchClient, "search", return_value=iter([])) as search:
        assert list(client.search("*")) == []
    search.assert_called_once()
    assert client._index_name == "docs"
