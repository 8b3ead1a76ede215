"""A key credential built in one place of a class and passed to clients in another
(``codemods.credential_flow``): the place it is built gets the module's token credential, or,
where the value leaves what the tool can see, everything stays byte for byte and is reported."""

from __future__ import annotations

import textwrap

import pytest
from helpers import run

from codemods.findings import KEYLESS, MANUAL, MIGRATED, REVIEW

SETUP = '''

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

# A factory class as public code writes it: the credential built in __init__, two methods that
# each build a client from it.
FACTORY = """\
import os

from azure.core.credentials import AzureKeyCredential
from azure.search.documents import SearchClient
from azure.search.documents.indexes import SearchIndexClient


class SearchClients:
    def __init__(self, index_name):
        self.endpoint = os.environ["AZURE_SEARCH_ENDPOINT"]
        self.index_name = index_name
        self.credentials = AzureKeyCredential(os.environ["AZURE_SEARCH_ADMIN_KEY"])

    def documents(self):
        return SearchClient(
            endpoint=self.endpoint, index_name=self.index_name, credential=self.credentials
        )

    def indexes(self):
        return SearchIndexClient(endpoint=self.endpoint, credential=self.credentials)
"""

FACTORY_AFTER = (
    """\
import functools
import os

from azure.core.credentials import TokenCredential
from azure.identity import ManagedIdentityCredential
from azure.search.documents import SearchClient
from azure.search.documents.indexes import SearchIndexClient
"""
    + SETUP
    + """

class SearchClients:
    def __init__(self, index_name):
        self.endpoint = os.environ["AZURE_SEARCH_ENDPOINT"]
        self.index_name = index_name
        self.credentials = credential

    def documents(self):
        return SearchClient(
            endpoint=self.endpoint, index_name=self.index_name, credential=self.credentials
        )

    def indexes(self):
        return SearchIndexClient(endpoint=self.endpoint, credential=self.credentials)
"""
)


def test_credential_built_in_init_and_used_by_two_methods_becomes_the_token_credential():
    result = run(FACTORY)
    assert result.new.decode() == FACTORY_AFTER
    assert [(c.line, c.outcome) for c in result.clients] == [(15, MIGRATED), (20, MIGRATED)]
    assert result.clients[0].reason == (
        "`self.credentials` holds the AzureKeyCredential built at line 12: that line now gives "
        "it the module's token credential"
    )
    assert "AZURE_SEARCH_ADMIN_KEY" not in result.new.decode()


INFERENCE = """\
import os

from azure.ai.inference import ChatCompletionsClient
from azure.core.credentials import AzureKeyCredential


class Chat:
    def __init__(self):
        key = os.environ["AZURE_INFERENCE_KEY"]
        self.credential = AzureKeyCredential(key)
        self.client = ChatCompletionsClient(
            endpoint="https://myres.openai.azure.com/openai/deployments/gpt-4o",
            credential=self.credential,
        )
"""

INFERENCE_AFTER = (
    """\
import functools
import os

from azure.ai.inference import ChatCompletionsClient
from azure.core.credentials import TokenCredential
from azure.identity import ManagedIdentityCredential
"""
    + SETUP
    + """

class Chat:
    def __init__(self):
        self.credential = credential
        self.client = ChatCompletionsClient(
            endpoint="https://myres.openai.azure.com/openai/deployments/gpt-4o",
            credential=self.credential,
            credential_scopes=["https://cognitiveservices.azure.com/.default"],
        )
"""
)


def test_credential_used_further_down_init_gets_the_scope_and_the_key_read_goes():
    result = run(INFERENCE)
    assert result.new.decode() == INFERENCE_AFTER
    assert [c.outcome for c in result.clients] == [MIGRATED]
    removed = [n for n in result.notices if n.rule == "key-variable-removed"]
    assert [(n.line, n.message.split(" ")[0]) for n in removed] == [(9, "`key`")]


ASYNC = """\
import os

from azure.core.credentials import AzureKeyCredential
from azure.search.documents.aio import SearchClient


class Store:
    def __init__(self):
        self._cred = AzureKeyCredential(os.environ["AZURE_SEARCH_KEY"])

    async def find(self, text):
        async with SearchClient(os.environ["AZURE_SEARCH_ENDPOINT"], "docs", self._cred) as c:
            return [d async for d in await c.search(search_text=text)]
"""


def test_an_async_client_gets_the_async_credential_at_the_build():
    out = run(ASYNC).new.decode()
    assert "        self._cred = async_credential\n" in out
    assert "class _AsyncCredential(AsyncTokenCredential):" in out
    assert "class _Credential(" not in out
    assert '"docs", self._cred) as c:' in out


def _left(source: str) -> list[tuple[str, str]]:
    source = textwrap.dedent(source)
    result = run(source)
    assert result.new.decode() == source  # byte for byte
    return [(c.outcome, c.reason) for c in result.clients]


CLASS_HEAD = """\
import os

from azure.core.credentials import AzureKeyCredential
from azure.search.documents import SearchClient
from azure.search.documents.aio import SearchClient as AsyncSearchClient


class Search:
    def __init__(self):
        self.cred = AzureKeyCredential(os.environ["AZURE_SEARCH_KEY"])

    def client(self):
        return SearchClient(os.environ["AZURE_SEARCH_ENDPOINT"], "docs", self.cred)
"""


@pytest.mark.parametrize(
    "more, why",
    [
        (
            "    def rotate(self):\n        self.cred.update(os.environ['AZURE_SEARCH_KEY_2'])\n",
            "`self.cred.update()` is called at line 16: a token credential has no update()",
        ),
        (
            "    def reset(self):\n        self.cred = AzureKeyCredential('')\n",
            "`self.cred` is assigned in more than one place (lines 10, 16)",
        ),
        (
            "    def share(self, registry):\n        registry.add(self.cred)\n",
            "`self.cred` is also read at line 16, where the tool cannot follow it",
        ),
        (
            "\n\ndef other(search):\n    return SearchClient('E', 'docs', search.cred)\n",
            "`.cred` is also read or set on another object at line 18, which the tool cannot "
            "tell apart from this one",
        ),
        (
            "\n\ndef peek(search):\n    return search.cred\n",
            "`cred` is also named in code of this module the migration does not look at (it may "
            "read the attribute on an instance)",
        ),
        (
            "    def aclient(self):\n"
            "        return AsyncSearchClient(os.environ['AZURE_SEARCH_ENDPOINT'], 'docs', self.cred)\n",
            "it is passed to both sync and async clients: one credential object cannot be both "
            "a TokenCredential and an AsyncTokenCredential; give each kind its own",
        ),
    ],
    ids=[
        "update",
        "assigned-twice",
        "passed-away",
        "other-object",
        "left-out-code",
        "sync-and-async",
    ],
)
def test_where_the_value_escapes_everything_stays_and_the_reason_is_given(more, why):
    records = _left(CLASS_HEAD + "\n" + more)
    assert records[0] == (
        MANUAL,
        f"`self.cred` holds the AzureKeyCredential built at line 10, and {why}: left as it is",
    )


def test_a_client_left_for_its_own_reason_keeps_the_shared_build():
    # The gateway client keeps its key, so the object both pass stays a key credential.
    records = _left(
        """\
        import os

        from azure.core.credentials import AzureKeyCredential
        from azure.search.documents import SearchClient


        class Search:
            def __init__(self):
                self.cred = AzureKeyCredential(os.environ["AZURE_SEARCH_KEY"])

            def direct(self):
                return SearchClient(os.environ["AZURE_SEARCH_ENDPOINT"], "docs", self.cred)

            def through_gateway(self):
                return SearchClient("https://contoso.azure-api.net/search", "docs", self.cred)
        """
    )
    assert records[0][0] == MANUAL
    assert records[0][1].startswith(
        "`self.cred` holds the AzureKeyCredential built at line 9, and it is also passed to "
        "azure.search.documents.SearchClient at line 15, which is left: "
    )
    assert records[1][0] == REVIEW  # the gateway's own reason


def test_a_key_parameter_behind_the_attribute_keeps_its_own_reason():
    # Public code's factory shape: __init__(self, endpoint, key, index_name).
    records = _left(
        """\
        import os

        from azure.core.credentials import AzureKeyCredential
        from azure.search.documents import SearchClient


        class Search:
            def __init__(self, key):
                self.cred = AzureKeyCredential(key)

            def client(self):
                return SearchClient(os.environ["AZURE_SEARCH_ENDPOINT"], "docs", self.cred)
        """
    )
    assert records[0][0] == REVIEW
    assert "the parameter `key` (as `self.cred`)" in records[0][1]


@pytest.mark.parametrize(
    "source",
    [
        # Entra ID already beside the key, on self and at module level (issue 18's rule).
        """\
        import os

        from azure.core.credentials import AzureKeyCredential
        from azure.identity import DefaultAzureCredential
        from azure.search.documents import SearchClient


        class Search:
            def __init__(self):
                key = os.getenv("AZURE_SEARCH_KEY")
                self.cred = AzureKeyCredential(key) if key else DefaultAzureCredential()

            def client(self):
                return SearchClient(os.environ["AZURE_SEARCH_ENDPOINT"], "docs", self.cred)
        """,
        """\
        import os

        from azure.core.credentials import AzureKeyCredential
        from azure.identity import DefaultAzureCredential
        from azure.search.documents import SearchClient

        key = os.getenv("AZURE_SEARCH_KEY")
        credential = AzureKeyCredential(key) if key else DefaultAzureCredential()
        client = SearchClient(os.environ["AZURE_SEARCH_ENDPOINT"], "docs", credential)
        """,
        # GitHub Models behind azure-ai-inference: the key is a GitHub token.
        """\
        import os

        from azure.ai.inference import ChatCompletionsClient
        from azure.core.credentials import AzureKeyCredential


        class Chat:
            def __init__(self):
                self.cred = AzureKeyCredential(os.environ["GITHUB_TOKEN"])
                self.client = ChatCompletionsClient(
                    endpoint="https://models.inference.ai.azure.com", credential=self.cred
                )
        """,
    ],
    ids=["self-fallback", "module-fallback", "github-models"],
)
def test_look_alikes_stay_byte_for_byte(source):
    assert all(outcome != MIGRATED for outcome, _ in _left(source))


HELPER = """\
import os

from azure.core.credentials import AzureKeyCredential
from azure.search.documents import SearchClient
from azure.search.documents.indexes import SearchIndexClient


def get_credential():
    return AzureKeyCredential(os.environ["AZURE_SEARCH_KEY"])


def search_client(index):
    return SearchClient(os.environ["AZURE_SEARCH_ENDPOINT"], index, get_credential())


def index_client():
    return SearchIndexClient(os.environ["AZURE_SEARCH_ENDPOINT"], credential=get_credential())
"""

HELPER_AFTER = (
    """\
import functools
import os

from azure.core.credentials import TokenCredential
from azure.identity import ManagedIdentityCredential
from azure.search.documents import SearchClient
from azure.search.documents.indexes import SearchIndexClient
"""
    + SETUP
    + """

def get_credential():
    return credential


def search_client(index):
    return SearchClient(os.environ["AZURE_SEARCH_ENDPOINT"], index, get_credential())


def index_client():
    return SearchIndexClient(os.environ["AZURE_SEARCH_ENDPOINT"], credential=get_credential())
"""
)


def test_a_helper_that_returns_the_key_credential_returns_the_token_credential():
    result = run(HELPER)
    assert result.new.decode() == HELPER_AFTER
    assert [c.outcome for c in result.clients] == [MIGRATED, MIGRATED]
    assert result.clients[0].reason.startswith(
        "`get_credential()` returns the AzureKeyCredential built at line 9: "
    )


@pytest.mark.parametrize(
    "more, why",
    [
        ("\n\ncredential_factory = get_credential\n", "`get_credential` is also used at line 20"),
        ('\n\n__all__ = ["get_credential"]\n', "`get_credential` is listed in `__all__`"),
    ],
    ids=["passed-away", "exported"],
)
def test_a_helper_used_elsewhere_is_left(more, why):
    records = _left(HELPER + more)
    assert records[0][0] == MANUAL
    assert why in records[0][1]


@pytest.mark.parametrize("dots", ["", "."])
def test_a_credential_imported_from_another_module_is_reported_with_its_module(dots):
    records = _left(
        f"""\
        import os

        from azure.search.documents import SearchClient

        from {dots}settings import search_credential

        client = SearchClient(os.environ["AZURE_SEARCH_ENDPOINT"], "docs", search_credential)
        """
    )
    assert records == [
        (
            MANUAL,
            "cannot tell whether `search_credential` is an AzureKeyCredential or a "
            f"TokenCredential (it is imported from `{dots}settings`: a credential is not followed "
            "into another module); if it is a key, pass the module's token credential instead",
        )
    ]


@pytest.mark.parametrize("before", [FACTORY, HELPER, ASYNC], ids=["attribute", "helper", "aio"])
def test_a_second_run_finds_the_token_credential_and_changes_nothing(before):
    first = run(before).new.decode()
    second = run(first)
    assert second.new.decode() == first
    assert {c.outcome for c in second.clients} == {KEYLESS}
    assert second.clients[0].reason.startswith("credential is already a TokenCredential (`")


def test_an_identity_credential_on_self_is_already_keyless():
    records = _left(
        """\
        import os

        from azure.identity import DefaultAzureCredential
        from azure.search.documents import SearchClient


        class Search:
            def __init__(self):
                self.cred = DefaultAzureCredential()

            def client(self):
                return SearchClient(os.environ["AZURE_SEARCH_ENDPOINT"], "docs", self.cred)
        """
    )
    assert records == [(KEYLESS, "credential is already a TokenCredential (`self.cred`, line 9)")]
