"""LangChain's AzureSearch vector store: the Search key becomes the module's credential."""

from __future__ import annotations

import textwrap

import pytest
from helpers import run

from migrator import roles

HEAD = "import os\n\nfrom langchain_community.vectorstores.azuresearch import AzureSearch\n\n"
CREDENTIAL_CLASS = '''

class _Credential(TokenCredential):
    """A credential built at the first token request, once the program
    has set up its environment."""

    @functools.cached_property
    def credential(self):
        return ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))

    def get_token(self, *scopes, **kwargs):
        return self.credential.get_token(*scopes, **kwargs)


credential = _Credential()
'''


def test_key_becomes_the_module_credential_and_the_key_variable_goes():
    result = run(
        HEAD
        + textwrap.dedent(
            """\
            SEARCH_KEY = os.getenv("AZURE_SEARCH_KEY")
            store = AzureSearch(
                azure_search_endpoint=os.environ["AZURE_SEARCH_ENDPOINT"],
                azure_search_key=SEARCH_KEY,
                index_name="docs",
                embedding_function=embeddings.embed_query,
            )
            docs = store.similarity_search("query", k=3)
            """
        )
    )
    assert result.new.decode() == (
        "import functools\nimport os\n\n"
        "from azure.core.credentials import TokenCredential\n"
        "from azure.identity import ManagedIdentityCredential\n"
        "from langchain_community.vectorstores.azuresearch import AzureSearch\n"
        + CREDENTIAL_CLASS
        + textwrap.dedent(
            """
            store = AzureSearch(
                azure_search_endpoint=os.environ["AZURE_SEARCH_ENDPOINT"],
                azure_credential=credential,
                index_name="docs",
                embedding_function=embeddings.embed_query,
                azure_search_key=None,
            )
            docs = store.similarity_search("query", k=3)
            """
        )
    )
    [client] = result.clients
    assert (client.outcome, client.service) == ("migrated", "search")
    assert client.reason == "azure_search_key= replaced by azure_credential="
    rules = [n.rule for n in result.notices]
    assert "azure-search-store-index" in rules and "key-variable-removed" in rules
    assert roles.client_roles(client)[0][0].name == "Search Index Data Reader"


def test_async_use_gets_the_async_credential_too():
    source = HEAD + textwrap.dedent(
        """\
        store = AzureSearch(os.environ["E"], azure_search_key=KEY, index_name="i", embedding_function=f)


        async def add(texts):
            await store.aadd_texts(texts)
        """
    )
    result = run(source)
    new = result.new.decode()
    assert (
        'store = AzureSearch(os.environ["E"], azure_credential=credential, index_name="i", '
        "embedding_function=f, azure_async_credential=async_credential, azure_search_key=None)"
    ) in new
    assert "class _AsyncCredential(AsyncTokenCredential):" in new
    assert roles.client_roles(result.clients[0])[0][0].name == "Search Index Data Contributor"


def test_legacy_langchain_import_path():
    source = (
        "from langchain.vectorstores import AzureSearch\n"
        "s = AzureSearch(azure_search_endpoint=E, azure_search_key=K, index_name='i', "
        "embedding_function=f)\n"
    )
    new = run(source).new.decode()
    assert (
        "s = AzureSearch(azure_search_endpoint=E, azure_credential=credential, index_name='i', "
        "embedding_function=f, azure_search_key=None)"
    ) in new


@pytest.mark.parametrize(
    ("call", "outcome"),
    [
        # Its browser sign-in, and its own DefaultAzureCredential: already keyless.
        ('AzureSearch(E, "INTERACTIVE", "i", f)', "already-keyless"),
        ('AzureSearch(azure_search_endpoint=E, azure_search_key=None, index_name="i", '
         "embedding_function=f)", "already-keyless"),
        ('AzureSearch(E, azure_search_key=None, index_name="i", embedding_function=f, '
         "azure_credential=cred)", "already-keyless"),
        # A key passed positionally: writing the credential in its place would pass it as the key.
        ('AzureSearch(E, KEY, "i", f)', "manual"),
        ("AzureSearch(**settings)", "manual"),
        # A key next to a credential: the store uses the key.
        ('AzureSearch(E, azure_search_key=K, index_name="i", embedding_function=f, '
         "azure_credential=cred)", "manual"),
        # A static token that never refreshes.
        ('AzureSearch(E, azure_search_key=None, index_name="i", embedding_function=f, '
         "azure_ad_access_token=tok)", "manual"),
    ],
)  # fmt: skip
def test_forms_left_as_they_are(call, outcome):
    source = HEAD + f"store = {call}\n"
    result = run(source)
    assert result.new.decode() == source
    assert [c.outcome for c in result.clients] == [outcome]


def test_a_class_of_the_same_name_from_elsewhere_stays():
    source = (
        "from mysearch import AzureSearch\n"
        "s = AzureSearch(azure_search_endpoint=E, azure_search_key=K, index_name='i', "
        "embedding_function=f)\n"
    )
    result = run(source)
    assert result.new.decode() == source
    assert result.clients == ()


@pytest.mark.parametrize(
    ("calls", "role"),
    [
        ("store.as_retriever()\n", "Search Index Data Reader"),
        ('store.client.search(search_text="x")\n', "Search Index Data Reader"),
        ("store.client.upload_documents(docs)\n", "Search Index Data Contributor"),
        ("store.delete(ids)\n", "Search Index Data Contributor"),
    ],
)
def test_roles_follow_the_store_calls_and_its_own_search_client(calls, role):
    source = HEAD + (
        'store = AzureSearch(azure_search_endpoint=E, azure_search_key=K, index_name="i", '
        "embedding_function=f)\n"
    )
    [client] = run(source + calls).clients
    [(found, assumed, _)] = roles.client_roles(client)
    assert (found.name, assumed) == (role, False)


def test_azure_search_store_honours_the_credential_choice():
    result = run(
        "from langchain_community.vectorstores import AzureSearch\n"
        "s = AzureSearch(azure_search_endpoint=E, azure_search_key=K, index_name='i', "
        "embedding_function=f)\n",
        credential="chained",
    )
    new = result.new.decode()
    assert "return ChainedTokenCredential(" in new
    assert "azure_credential=credential" in new and "DefaultAzureCredential" not in new
