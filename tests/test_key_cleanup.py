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


def test_module_level_env_variable_is_reported_not_removed():
    source = """\
        import os
        from openai import AzureOpenAI

        API_KEY = os.environ["AZURE_OPENAI_API_KEY"]
        client = AzureOpenAI(api_key=API_KEY)
        """
    result = run(source)
    assert 'API_KEY = os.environ["AZURE_OPENAI_API_KEY"]' in result.new.decode()
    assert ("unused-key-variable", 4) in rules(result)
    assert "import" in next(n for n in result.notices if n.rule == "unused-key-variable").message


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


def test_exported_module_variable_is_not_reported():
    result = run(
        """\
        import os
        from openai import AzureOpenAI

        __all__ = ["API_KEY", "client"]
        API_KEY = os.environ["AZURE_OPENAI_API_KEY"]
        client = AzureOpenAI(api_key=API_KEY)
        """
    )
    assert "unused-key-variable" not in [r for r, _ in rules(result)]


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


def test_key_inside_azure_key_credential_is_followed():
    result = run(
        """\
        import os
        from azure.core.credentials import AzureKeyCredential
        from azure.search.documents import SearchClient

        SEARCH_KEY = os.environ["SEARCH_KEY"]
        c = SearchClient(E, "i", AzureKeyCredential(SEARCH_KEY))
        """
    )
    assert ("unused-key-variable", 5) in rules(result)
