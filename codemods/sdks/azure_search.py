"""azure-search-documents: the Search clients, and the index definitions that hold a key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.sdks._azure_core import credential_verdict, spec
from codemods.sdks._model import ClientSpec, Invalid, RoleRule, Rule, Sdk, Verdict

# LibCST is imported when a hook runs: the quick path reads the registry without the parser.
if TYPE_CHECKING:
    import libcst as cst

    from codemods.hook_view import HookView


def decide(
    migration: HookView, spec: ClientSpec, call: cst.Call, present: dict[str, cst.Arg]
) -> str | Verdict | None:
    return credential_verdict(migration, present)


# -- keys that belong to the Search service, not to this code ------------------------------------
DEFINITIONS = (
    "AzureOpenAIVectorizerParameters",
    "AzureOpenAIParameters",
    "AzureOpenAIEmbeddingSkill",
)
RULE_SERVICE_KEY = "search-service-key"


def definition_key(migration: HookView, call: cst.Call) -> str | None:
    """A message when ``call`` puts an Azure OpenAI key into a Search index/skillset definition.

    That key is stored in the index and used by the Search service itself (to vectorize queries
    or documents), not by this program: the keyless form is to leave ``api_key`` out so the
    service uses its managed identity (or ``auth_identity=``), which needs its own role on the
    Azure OpenAI resource. That is a deployment change, so the code is left as it is.
    """
    from codemods.resolve import qualified_names  # resolve reads the registry: import when used

    if not any(a.keyword is not None and a.keyword.value == "api_key" for a in call.args):
        return None
    names = qualified_names(migration, call.func)
    hit = next(
        (
            n
            for n in names
            if n.startswith("azure.search.documents") and n.rsplit(".", 1)[-1] in DEFINITIONS
        ),
        None,
    )
    if hit is None:
        return None
    return (
        f"{hit.rsplit('.', 1)[-1]}(api_key=...) stores an Azure OpenAI key in the Search index "
        "definition, for the Search service to use: left as it is. To go keyless, drop api_key "
        "so the service uses its managed identity (or set auth_identity=), and give that identity "
        "Cognitive Services OpenAI User on the Azure OpenAI resource"
    )


_SEARCH = ("azure.search.documents", "azure.search.documents._patch")
_SEARCH_AIO = ("azure.search.documents.aio", "azure.search.documents.aio._patch")
_INDEXES = ("azure.search.documents.indexes", "azure.search.documents.indexes._patch")
_INDEXES_AIO = ("azure.search.documents.indexes.aio", "azure.search.documents.indexes.aio._patch")
_DOCUMENTS = ("endpoint", "index_name", "credential")


def _client(
    cls: str, modules: tuple[str, ...], is_async: bool, positional: tuple[str, ...], role: str
) -> ClientSpec:
    return spec(
        "azure-search-documents",
        cls,
        modules,
        decide=decide,
        is_async=is_async,
        service="search",
        positional=positional,
        # azure-search-documents takes the cloud from `audience` (it defaults to the public one).
        cloud_args=(("audience", '"{audience}"'),),
        default_role=role,
    )


_READER = "search-index-data-reader"
_WRITER = "search-index-data-contributor"
# Manages index definitions, indexers, data sources and skillsets: no access to documents.
_SERVICE = "search-service-contributor"

SDK = Sdk(
    name="azure-search-documents",
    specs=(
        _client("SearchClient", _SEARCH, False, _DOCUMENTS, _READER),
        _client("SearchClient", _SEARCH_AIO, True, _DOCUMENTS, _READER),
        _client("SearchIndexingBufferedSender", _SEARCH, False, _DOCUMENTS, _WRITER),
        _client("SearchIndexingBufferedSender", _SEARCH_AIO, True, _DOCUMENTS, _WRITER),
        _client("SearchIndexClient", _INDEXES, False, ("endpoint", "credential"), _SERVICE),
        _client("SearchIndexerClient", _INDEXES, False, ("endpoint", "credential"), _SERVICE),
        _client("SearchIndexClient", _INDEXES_AIO, True, ("endpoint", "credential"), _SERVICE),
        _client("SearchIndexerClient", _INDEXES_AIO, True, ("endpoint", "credential"), _SERVICE),
    ),
    trigger_words=DEFINITIONS,
    roles=(
        RoleRule(
            "search",
            r"(search|suggest|autocomplete|get_document|get_document_count)$",
            _READER,
            "documented",
        ),
        RoleRule(
            "search",
            r"(upload_documents|merge_documents|merge_or_upload_documents|delete_documents|index_documents|flush)$",
            _WRITER,
            "documented",
        ),
        RoleRule(
            "search",
            r"((create_or_update|create|delete|get|list|reset|run)_\w*"
            r"(index|indexes|index_names|indexer|indexers|data_source_connection|data_source_connections"
            r"|skillset|skillsets|synonym_map|synonym_maps|alias|aliases|indexer_status|statistics)"
            r"|analyze_text|get_service_statistics|get_index_statistics)$",
            _SERVICE,
            "documented",
        ),
    ),
    call_leaves=(
        "search",
        "get_document",
        "upload_documents",
        "merge_documents",
        "delete_documents",
        "merge_or_upload_documents",
        "index_documents",
    ),  # fmt: skip
    rules=(
        Rule(
            RULE_SERVICE_KEY,
            "An Azure OpenAI key stored in a Search index definition, for the service to use",
        ),
    ),
    examples=(
        Invalid(
            """
            import os

            from azure.core.credentials import AzureKeyCredential
            from azure.search.documents import SearchClient

            key = AzureKeyCredential(os.environ["SEARCH_KEY"])
            search = SearchClient(os.environ["SEARCH_ENDPOINT"], "docs", key)
            """,
            '''
            import functools
            import os

            from azure.core.credentials import TokenCredential
            from azure.identity import ManagedIdentityCredential
            from azure.search.documents import SearchClient


            class _Credential(TokenCredential):
                """A credential built at the first token request, once the program
                has set up its environment."""

                @functools.cached_property
                def credential(self):
                    return ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))

                def get_token(self, *scopes, **kwargs):
                    return self.credential.get_token(*scopes, **kwargs)


            credential = _Credential()

            search = SearchClient(os.environ["SEARCH_ENDPOINT"], "docs", credential)
            ''',
        ),
    ),
)
