"""azure-search-documents clients: the key credential becomes a token credential."""

from __future__ import annotations

import pytest
from helpers import code, run

from migrator import roles

HEAD = "import os\nfrom azure.core.credentials import AzureKeyCredential\n"


@pytest.mark.parametrize(
    "module, aio", [("azure.search.documents", False), ("azure.search.documents.aio", True)]
)
def test_third_positional_credential_of_search_client(module, aio):
    out = code(
        f"{HEAD}from {module} import SearchClient\n"
        'sc = SearchClient(os.environ["SEARCH_ENDPOINT"], "docs", AzureKeyCredential(os.environ["SEARCH_KEY"]))\n'
    )
    name = "async_credential" if aio else "credential"
    assert f'SearchClient(os.environ["SEARCH_ENDPOINT"], "docs", {name})\n' in out
    # aio clients too: their credential runs the sync one in a worker thread (no aiohttp session)
    assert "from azure.identity import ManagedIdentityCredential\n" in out
    assert "audience" not in out  # the public cloud is the SDK's default


@pytest.mark.parametrize(
    "module, cls",
    [
        ("azure.search.documents.indexes", "SearchIndexClient"),
        ("azure.search.documents.indexes", "SearchIndexerClient"),
        ("azure.search.documents.indexes.aio", "SearchIndexClient"),
        ("azure.search.documents", "SearchIndexingBufferedSender"),
    ],
)
def test_keyword_credential_of_the_other_clients(module, cls):
    args = (
        "endpoint=E, index_name='i', credential=AzureKeyCredential(K)"
        if "Sender" in cls
        else "endpoint=E, credential=AzureKeyCredential(K)"
    )
    out = code(f"{HEAD}from {module} import {cls}\nc = {cls}({args})\n")
    assert ("credential=async_credential)" if ".aio" in module else "credential=credential)") in out
    assert "AzureKeyCredential" not in out


def test_sovereign_cloud_sets_the_audience():
    out = code(
        f"{HEAD}from azure.search.documents import SearchClient\nc = SearchClient(E, 'i', AzureKeyCredential(K))\n",
        cloud="china",
    )
    assert "SearchClient(E, 'i', credential, audience=\"https://search.azure.cn\")" in out


def test_credential_variable_bound_to_a_key_is_replaced_and_the_variable_removed():
    # The variable used to be left (TypeError at import once SEARCH_KEY is unset) and reported.
    result = run(
        f"{HEAD}from azure.search.documents import SearchClient\n"
        "cred = AzureKeyCredential(os.environ['SEARCH_KEY'])\nc = SearchClient(E, 'i', cred)\n"
    )
    new = result.new.decode()
    assert "SearchClient(E, 'i', credential)" in new
    assert "cred = " not in new and "AzureKeyCredential" not in new
    assert ("key-variable-removed", 4) in [(n.rule, n.line) for n in result.notices]


def test_unknown_credential_is_manual():
    source = "from azure.search.documents import SearchClient\nc = SearchClient(E, 'i', make_credential())\n"
    result = run(source)
    assert result.new.decode() == source
    assert result.clients[0].outcome == "manual"


def test_roles_follow_the_calls():
    result = run(
        f"""{HEAD}from azure.search.documents import SearchClient
from azure.search.documents.indexes import SearchIndexClient

reader = SearchClient(E, "i", AzureKeyCredential(K))
writer = SearchClient(E, "i", AzureKeyCredential(K))
admin = SearchIndexClient(E, AzureKeyCredential(K))
reader.search("x")
writer.upload_documents([{{"id": "1"}}])
admin.create_or_update_index(index)
"""
    )
    got = {c.binding: roles.client_roles(c)[0][0].name for c in result.clients}
    assert got == {
        "reader": "Search Index Data Reader",
        "writer": "Search Index Data Contributor",
        "admin": "Search Service Contributor",
    }
    assert {c.service for c in result.clients} == {"search"}


def test_vectorizer_key_in_an_index_definition_is_reported_not_rewritten():
    source = (
        "from azure.search.documents.indexes.models import AzureOpenAIVectorizer, AzureOpenAIVectorizerParameters\n"
        "v = AzureOpenAIVectorizer(vectorizer_name='v', parameters=AzureOpenAIVectorizerParameters(\n"
        "    resource_url=URL, deployment_name='e', model_name='text-embedding-3-small', api_key=KEY))\n"
    )
    result = run(source)
    assert result.new.decode() == source
    assert [n.rule for n in result.notices] == ["search-service-key"]
    assert "managed identity" in result.notices[0].message
