"""LangChain's ``AzureSearch`` vector store (langchain_community), built with a Search key.

The store takes ``azure_search_key`` (required, no default), and, when it is None, the
``azure_credential`` (a TokenCredential, used for its sync client and to read or create the
index) and ``azure_async_credential`` (an AsyncTokenCredential, for its async methods). Without
them it builds its own ``DefaultAzureCredential`` (sync and aio), so the migration passes the
module's credential, and the async one too when the store is used from async code, so that the
credential the project chose is the one used. ``azure_search_key="INTERACTIVE"`` is its
browser sign-in, and ``azure_ad_access_token=`` a static token (it never refreshes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.findings import KEYLESS, MANUAL
from codemods.sdks._model import (
    CREDENTIAL,
    ClientSpec,
    Invalid,
    RoleRule,
    Rule,
    Sdk,
    Valid,
    Verdict,
)

# LibCST is imported when a hook runs: the quick path reads the registry without the parser.
if TYPE_CHECKING:
    import libcst as cst

    from codemods.hook_view import HookView

KEY = "azure_search_key"
RULE_INDEX = "azure-search-store-index"
_MODULES = (
    "langchain_community.vectorstores",
    "langchain_community.vectorstores.azuresearch",
    "langchain.vectorstores",
    "langchain.vectorstores.azuresearch",
)
_ASYNC = (
    "aadd_texts", "aadd_documents", "aadd_embeddings", "adelete", "asimilarity_search",
    "asimilarity_search_with_score", "asimilarity_search_with_relevance_scores",
    "avector_search", "avector_search_with_score", "ahybrid_search", "ahybrid_search_with_score",
    "ahybrid_search_with_relevance_scores", "asemantic_hybrid_search",
    "asemantic_hybrid_search_with_score", "amax_marginal_relevance_search",
    "amax_marginal_relevance_search_with_score", "ainvoke", "aget_relevant_documents",
)  # fmt: skip
_POSITIONAL = ("azure_search_endpoint", KEY, "index_name", "embedding_function")


def decide(
    migration: HookView, spec: ClientSpec, call: cst.Call, present: dict[str, cst.Arg]
) -> str | Verdict | None:
    """Leave the forms the generic rewrite would break: the key must become ``None`` where it
    stands (the parameter is required), which a positional key or a ``**`` dict does not show."""
    import libcst as cst

    if any(a.star == "**" or a.star == "*" for a in call.args):
        return Verdict(
            MANUAL,
            "built from */** arguments: where they are built, set azure_search_key to None and "
            "pass azure_credential= (and azure_async_credential= for the async methods)",
        )
    key = present.get(KEY)
    if key is None:
        return Verdict(MANUAL, "no azure_search_key argument is visible")
    value = key.value
    if isinstance(value, cst.Name) and value.value == "None":
        if "azure_credential" in present or "azure_ad_access_token" in present:
            return None  # the generic rules: keyless, or a static token
        return Verdict(
            KEYLESS,
            "azure_search_key=None: the store builds its own DefaultAzureCredential (pass "
            "azure_credential= to choose the credential)",
        )
    if isinstance(value, cst.SimpleString) and str(value.evaluated_value).upper() == "INTERACTIVE":
        return Verdict(KEYLESS, 'azure_search_key="INTERACTIVE" signs in through a browser')
    if key.keyword is None:
        return Verdict(
            MANUAL,
            "the key is passed positionally: pass azure_search_key=None and the module's "
            "credential as azure_credential=",
        )
    if "azure_credential" in present or "azure_ad_access_token" in present:
        return Verdict(
            MANUAL,
            "a key and a token argument together: the store uses the key; set azure_search_key "
            "to None to use the credential",
        )
    return None


_READER = "search-index-data-reader"
_WRITER = "search-index-data-contributor"

SDK = Sdk(
    name="langchain-azure-search",
    specs=(
        ClientSpec(
            sdk="langchain-community",
            label="langchain_community.vectorstores.AzureSearch",
            names=tuple(f"{m}.AzureSearch" for m in _MODULES),
            service="search",
            key_args=(KEY,),
            keyless_args=("azure_credential",),
            static_token_args=("azure_ad_access_token",),
            token_arg="azure_credential",
            supplies=CREDENTIAL,
            reads_env_key=False,
            endpoint_args=("azure_search_endpoint",),
            positional=_POSITIONAL,
            # The parameter has no default: it stays, as None, next to the credential.
            set_args=((KEY, "None"),),
            async_use_methods=_ASYNC,
            async_token_arg="azure_async_credential",
            decide=decide,
            default_role=_READER,
            notes=(
                (
                    RULE_INDEX,
                    (
                        "AzureSearch reads the index definition when it is built, and creates "
                        "the index when it is missing: with a token that needs Search Service "
                        "Contributor on the service (or create the index beforehand), besides "
                        "Search Index Data Reader (queries) or Contributor (add_texts, delete)"
                    ),
                    "warning",
                ),
            ),
        ),
    ),
    roles=(
        RoleRule(
            "search",
            r"a?(similarity_search\w*|vector_search\w*|hybrid_search\w*|semantic_hybrid_search\w*"
            r"|max_marginal_relevance_search\w*|as_retriever)$",
            _READER,
            "documented",
        ),
        RoleRule(
            "search", r"a?(add_texts|add_documents|add_embeddings|delete)$", _WRITER, "documented"
        ),
        # The store's own SearchClient (``store.client``, ``store.async_client``).
        RoleRule(
            "search",
            r"(async_)?client\.(search|suggest|autocomplete|get_document|get_document_count)$",
            _READER,
            "documented",
        ),
        RoleRule(
            "search",
            r"(async_)?client\.(upload_documents|merge_documents|merge_or_upload_documents"
            r"|delete_documents|index_documents)$",
            _WRITER,
            "documented",
        ),
    ),
    rules=(
        Rule(
            RULE_INDEX,
            "AzureSearch reads (or creates) its index definition: a role on the service too",
        ),
    ),
    examples=(
        Valid(
            """
            import os

            from langchain_community.vectorstores.azuresearch import AzureSearch

            store = AzureSearch(
                azure_search_endpoint=os.environ["SEARCH_ENDPOINT"],
                azure_search_key="INTERACTIVE",
                index_name="docs",
                embedding_function=embed,
            )
            """
        ),
        Invalid(
            """
            import os

            from langchain_community.vectorstores.azuresearch import AzureSearch

            store = AzureSearch(
                azure_search_endpoint=os.environ["SEARCH_ENDPOINT"],
                azure_search_key=os.environ["SEARCH_KEY"],
                index_name="docs",
                embedding_function=embed,
            )
            docs = store.similarity_search("query")
            """,
            '''
            import functools
            import os

            from azure.core.credentials import TokenCredential
            from azure.identity import ManagedIdentityCredential
            from langchain_community.vectorstores.azuresearch import AzureSearch


            class _Credential(TokenCredential):
                """A credential built at the first token request, once the program
                has set up its environment."""

                @functools.cached_property
                def credential(self):
                    return ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))

                def get_token(self, *scopes, **kwargs):
                    return self.credential.get_token(*scopes, **kwargs)


            credential = _Credential()

            store = AzureSearch(
                azure_search_endpoint=os.environ["SEARCH_ENDPOINT"],
                azure_credential=credential,
                index_name="docs",
                embedding_function=embed,
                azure_search_key=None,
            )
            docs = store.similarity_search("query")
            ''',
        ),
    ),
)
