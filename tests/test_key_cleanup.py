"""Key leftovers after migration: unread variables, lookups and AzureKeyCredential imports."""

from __future__ import annotations

import textwrap

from helpers import code, run

from codemods.options import MigrationOptions
from migrator.engine import migrate_source


def rules(result):
    return [(n.rule, n.line) for n in result.notices]


def test_function_local_env_variable_is_removed_with_its_import():
    out = code(
        """\
        import os
        from langchain_openai import AzureChatOpenAI

        def make():
            key = os.getenv("AZURE_OPENAI_API_KEY")
            return AzureChatOpenAI(api_key=key)
        """,
        credential="default",
    )
    assert "key = " not in out
    assert "import os" not in out  # nothing else uses os once the lookup is gone
    assert "return AzureChatOpenAI(azure_ad_token_provider=token_provider)" in out


def test_function_local_variable_still_read_is_kept():
    out = code(
        """\
        import os
        from openai import AzureOpenAI

        def make():
            key = os.environ["AZURE_OPENAI_API_KEY"]
            print(len(key))
            return AzureOpenAI(api_key=key)
        """
    )
    assert 'key = os.environ["AZURE_OPENAI_API_KEY"]' in out


def test_module_level_env_variable_nothing_reads_is_removed_and_reported():
    # It used to be left ("unused-key-variable ... delete it"): KeyError at import once the key
    # is gone. Another module of the run importing it is checked by migrator.key_importers.
    result = run(
        """\
        import os
        from openai import AzureOpenAI

        API_KEY = os.environ["AZURE_OPENAI_API_KEY"]
        client = AzureOpenAI(api_key=API_KEY)
        """
    )
    assert "API_KEY" not in result.new.decode()
    assert ("key-variable-removed", 4) in rules(result)
    removed = next(n for n in result.notices if n.rule == "key-variable-removed")
    assert removed.severity == "info" and removed.subject == "API_KEY"


def test_module_level_env_variable_in_a_file_that_cannot_be_imported_is_removed():
    source = textwrap.dedent(
        """\
        import os
        from openai import AzureOpenAI

        API_KEY = os.environ["AZURE_OPENAI_API_KEY"]
        client = AzureOpenAI(api_key=API_KEY)
        """
    ).encode()
    result = migrate_source(source, MigrationOptions(), "scripts/run-chat.py")
    assert b"API_KEY" not in result.new
    assert ("key-variable-removed", 4) in rules(result)


def test_exported_module_variable_is_kept_and_reported():
    result = run(
        """\
        import os
        from openai import AzureOpenAI

        __all__ = ["API_KEY", "client"]
        API_KEY = os.environ["AZURE_OPENAI_API_KEY"]
        client = AzureOpenAI(api_key=API_KEY)
        """
    )
    assert 'API_KEY = os.environ["AZURE_OPENAI_API_KEY"]' in result.new.decode()
    assert ("key-variable-kept", 5) in rules(result)
    assert "__all__" in next(n for n in result.notices if n.rule == "key-variable-kept").message


def test_key_vault_lookup_is_reported_never_removed():
    result = run(
        """\
        from openai import AzureOpenAI

        def make(secrets):
            key = secrets.get_secret("aoai-key").value
            return AzureOpenAI(api_key=key)
        """
    )
    assert 'key = secrets.get_secret("aoai-key").value' in result.new.decode()
    assert ("unused-key-lookup", 4) in rules(result)


def test_azure_key_credential_import_removal_is_reported():
    result = run(
        """\
        from azure.core.credentials import AzureKeyCredential
        from azure.search.documents import SearchClient

        c = SearchClient(E, "i", AzureKeyCredential(K))
        """
    )
    assert "AzureKeyCredential" not in result.new.decode()
    assert ("unused-import-removed", 1) in rules(result)


def test_key_inside_azure_key_credential_is_followed_and_removed():
    result = run(
        """\
        import os
        from azure.core.credentials import AzureKeyCredential
        from azure.search.documents import SearchClient

        SEARCH_KEY = os.environ["SEARCH_KEY"]
        c = SearchClient(E, "i", AzureKeyCredential(SEARCH_KEY))
        """
    )
    assert "SEARCH_KEY" not in result.new.decode()
    assert ("key-variable-removed", 5) in rules(result)


# -- before and after, whole ---------------------------------------------------------------------
SETUP = """\
@functools.cache
def _token_provider():
    # Built at the first token request, once the program has set up its environment.
    credential = DefaultAzureCredential()
    return get_bearer_token_provider(
        credential, "https://cognitiveservices.azure.com/.default"
    )


def token_provider():
    return _token_provider()()
"""
IDENTITY = "from azure.identity import DefaultAzureCredential, get_bearer_token_provider\n"


def migrated(source: str, filename: str | None = None) -> tuple[str, list[tuple[str, int]]]:
    result = migrate_source(
        textwrap.dedent(source).encode(), MigrationOptions(credential="default"), filename
    )
    return result.new.decode(), rules(result)


def test_module_level_read_is_deleted_and_the_comment_above_it_kept():
    new, found = migrated(
        """\
        import os

        from openai import AzureOpenAI

        # Read from the deployment's environment
        key = os.environ["AOAI_KEY"]
        endpoint = os.environ["AOAI_ENDPOINT"]

        client = AzureOpenAI(api_key=key, azure_endpoint=endpoint, api_version="2024-06-01")
        """
    )
    assert new == (
        "import functools\nimport os\n\n" + IDENTITY + "from openai import AzureOpenAI\n\n"
        "# Read from the deployment's environment\n"
        'endpoint = os.environ["AOAI_ENDPOINT"]\n\n\n' + SETUP + "\n\n"
        "client = AzureOpenAI(azure_ad_token_provider=token_provider, azure_endpoint=endpoint, "
        'api_version="2024-06-01")\n'
    )
    assert found == [("key-variable-removed", 6)]


def test_config_lookup_in_a_function_is_deleted():
    new, found = migrated(
        """\
        import json

        from langchain_openai import AzureChatOpenAI


        def build_llm(path):
            with open(path) as f:
                config = json.load(f)
            api_key = config["azure_openai"]["key"]
            return AzureChatOpenAI(
                api_key=api_key,
                azure_endpoint=config["azure_openai"]["endpoint"],
                api_version="2024-06-01",
            )
        """
    )
    assert new == (
        "import functools\nimport json\n\n"
        + IDENTITY
        + "from langchain_openai import AzureChatOpenAI\n\n\n"
        + SETUP
        + "\n\n"
        "def build_llm(path):\n"
        "    with open(path) as f:\n"
        "        config = json.load(f)\n"
        "    return AzureChatOpenAI(\n"
        "        azure_ad_token_provider=token_provider,\n"
        '        azure_endpoint=config["azure_openai"]["endpoint"],\n'
        '        api_version="2024-06-01",\n'
        "    )\n"
    )
    assert found == [("key-variable-removed", 9)]


def test_key_credential_variable_and_its_import_are_deleted():
    new, found = migrated(
        """\
        import os

        from azure.core.credentials import AzureKeyCredential
        from azure.search.documents import SearchClient

        cred = AzureKeyCredential(os.getenv("SEARCH_KEY"))
        search = SearchClient(os.environ["SEARCH_ENDPOINT"], "docs", cred)
        """
    )
    # The key's import goes; azure.core comes back for the lazy credential class, in its place.
    assert new == (
        "import functools\n"
        "import os\n\n"
        "from azure.core.credentials import TokenCredential\n"
        "from azure.identity import DefaultAzureCredential\n"
        "from azure.search.documents import SearchClient\n\n\n"
        "class _Credential(TokenCredential):\n"
        '    """A credential built at the first token request, once the program\n'
        '    has set up its environment."""\n\n'
        "    @functools.cached_property\n"
        "    def credential(self):\n"
        "        return DefaultAzureCredential()\n\n"
        "    def get_token(self, *scopes, **kwargs):\n"
        "        return self.credential.get_token(*scopes, **kwargs)\n\n\n"
        "credential = _Credential()\n\n"
        'search = SearchClient(os.environ["SEARCH_ENDPOINT"], "docs", credential)\n'
    )
    assert sorted(found) == [("key-variable-removed", 6), ("unused-import-removed", 3)]


def test_annotated_module_read_and_the_guard_on_it_in_a_function_are_deleted():
    new, found = migrated(
        """\
        import os

        from openai import AzureOpenAI

        KEY: str = os.environ.get("AZURE_OPENAI_API_KEY", "")


        def make_client() -> AzureOpenAI:
            if not KEY:
                raise RuntimeError("AZURE_OPENAI_API_KEY is not set")
            return AzureOpenAI(api_key=KEY, azure_endpoint=os.environ["E"], api_version="v")
        """
    )
    assert new == (
        "import functools\nimport os\n\n"
        + IDENTITY
        + "from openai import AzureOpenAI\n\n\n"
        + SETUP
        + "\n\n"
        "def make_client() -> AzureOpenAI:\n"
        "    return AzureOpenAI(azure_ad_token_provider=token_provider, "
        'azure_endpoint=os.environ["E"], api_version="v")\n'
    )
    assert found == [("key-variable-removed", 5), ("key-guard-removed", 9)]


def test_a_block_left_empty_gets_pass():
    new, found = migrated(
        """\
        import os

        from openai import AzureOpenAI

        if os.getenv("USE_AZURE"):
            key = os.environ["AOAI_KEY"]
        client = AzureOpenAI(api_key=key, azure_endpoint="https://e", api_version="v")
        """
    )
    assert new == (
        "import functools\nimport os\n\n" + IDENTITY + "from openai import AzureOpenAI\n\n"
        'if os.getenv("USE_AZURE"):\n    pass\n\n\n' + SETUP + "\n\n"
        'client = AzureOpenAI(azure_ad_token_provider=token_provider, azure_endpoint="https://e", '
        'api_version="v")\n'
    )
    assert found == [("key-variable-removed", 6)]


def test_a_key_still_read_is_kept_and_each_read_reported():
    source = """\
        import os

        from openai import AzureOpenAI

        KEY = os.getenv("AZURE_OPENAI_API_KEY")


        def get_key():
            return KEY


        client = AzureOpenAI(api_key=KEY, azure_endpoint="https://e", api_version="v")
        print("key ends with", KEY[-4:])
        """
    result = run(source, credential="default")
    assert 'KEY = os.getenv("AZURE_OPENAI_API_KEY")\n' in result.new.decode()
    kept = [n for n in result.notices if n.rule == "key-variable-kept"]
    assert [(n.line, n.message) for n in kept] == [
        (
            5,
            "`KEY` held the key and is still read (lines 9, 13): it was kept; remove those reads "
            "before removing the key from the environment",
        )
    ]


def test_a_key_another_client_still_uses_is_kept_with_its_guard():
    source = """\
        import os

        from openai import AzureOpenAI
        from azure.core.credentials import AzureKeyCredential
        from azure.ai.textanalytics import TextAnalyticsClient

        KEY = os.environ["AZURE_OPENAI_API_KEY"]
        if not KEY:
            raise ValueError("no key")
        client = AzureOpenAI(api_key=KEY, azure_endpoint="https://e", api_version="v")
        text = TextAnalyticsClient("https://t", AzureKeyCredential(KEY))
        """
    result = run(source)
    new = result.new.decode()
    assert 'KEY = os.environ["AZURE_OPENAI_API_KEY"]\nif not KEY:\n    raise ValueError' in new
    assert "AzureKeyCredential(KEY)" in new
    assert ("key-variable-kept", 7) in rules(result)
    assert "key-guard-removed" not in [r for r, _ in rules(result)]


def test_notebook_cells_read_and_check_across_cells():
    import json

    from migrator.notebooks import migrate_notebook

    cells = [
        "import os\nfrom openai import AzureOpenAI\n",
        '# settings\nAOAI_KEY = os.environ["AOAI_KEY"]\nAOAI_ENDPOINT = os.environ["AOAI_ENDPOINT"]\n',
        'assert AOAI_KEY, "set AOAI_KEY"\n',
        "client = AzureOpenAI(api_key=AOAI_KEY, azure_endpoint=AOAI_ENDPOINT, api_version='v')\n",
    ]
    nb = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": c.splitlines(keepends=True)}
            for c in cells
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    data = (json.dumps(nb, indent=1) + "\n").encode()
    out = migrate_notebook(data, MigrationOptions(credential="default"), "chat.ipynb")
    new = ["".join(c["source"]) for c in json.loads(out.new)["cells"]]
    assert new[1] == '# settings\nAOAI_ENDPOINT = os.environ["AOAI_ENDPOINT"]\n'
    assert new[2] == ""
    assert sorted((n.cell, n.rule) for n in out.notices) == [
        (2, "key-variable-removed"),
        (3, "key-guard-removed"),
    ]


LEFTOVER = """\
import os

from openai import AsyncOpenAI

subscription_key = os.environ["AZURE_OPENAI_API_KEY"]
deployment = os.environ["AZURE_OPENAI_DEPLOYMENT"]

client = AsyncOpenAI(
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
    base_url="https://contoso.openai.azure.com/openai/v1/",
)
"""


def test_a_key_variable_nothing_ever_read_goes_with_the_migration():
    # The client reads the environment itself; the variable is a leftover that raises KeyError
    # at import once the key is gone.
    result = migrate_source(LEFTOVER.encode(), MigrationOptions(system_assigned=True), "chat.py")
    assert result.new.decode() == (
        "import asyncio\n"
        "import functools\n"
        "import os\n"
        "\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        "from openai import AsyncOpenAI\n"
        "\n"
        'deployment = os.environ["AZURE_OPENAI_DEPLOYMENT"]\n'
        "\n"
        "\n"
        "@functools.cache\n"
        "def _token_provider():\n"
        "    # Built at the first token request, once the program has set up its environment.\n"
        "    credential = ManagedIdentityCredential()\n"
        "    return get_bearer_token_provider(\n"
        '        credential, "https://cognitiveservices.azure.com/.default"\n'
        "    )\n"
        "\n"
        "\n"
        "async def async_token_provider():\n"
        "    # A worker thread fetches the token: no event loop is tied to it.\n"
        "    return await asyncio.to_thread(_token_provider())\n"
        "\n"
        "\n"
        "client = AsyncOpenAI(\n"
        "    api_key=async_token_provider,\n"
        '    base_url="https://contoso.openai.azure.com/openai/v1/",\n'
        ")\n"
    )
    assert ("key-variable-removed", 5) in rules(result)
    assert "key-read" not in [rule for rule, _ in rules(result)]


def test_an_unread_key_variable_stays_where_nothing_was_migrated_or_it_is_read():
    # No client migrated in the module: byte for byte.
    untouched = LEFTOVER.replace("AsyncOpenAI(", "Other(").replace(
        "from openai import AsyncOpenAI", "from somewhere import Other"
    )
    assert migrate_source(untouched.encode(), MigrationOptions(), "chat.py").new == (
        untouched.encode()
    )
    # Read in a function: kept.
    read = LEFTOVER + "\n\ndef headers():\n    return {'api-key': subscription_key}\n"
    out = migrate_source(read.encode(), MigrationOptions(), "chat.py").new.decode()
    assert 'subscription_key = os.environ["AZURE_OPENAI_API_KEY"]\n' in out
