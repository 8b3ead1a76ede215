"""Where the imports the migration adds go, and the blank lines around what it adds.

The project's own import settings decide (read from the files ruff and isort read); every case
is a whole module compared in full, as the project would see it in a diff.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from codemods.options import MigrationOptions
from migrator.engine import migrate_source
from migrator.notebooks import migrate_notebook

SETUP = (
    "@functools.cache\n"
    "def _token_provider():\n"
    "    # Built at the first token request, once the program has set up its environment.\n"
    '    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))\n'
    "    return get_bearer_token_provider(\n"
    '        credential, "https://cognitiveservices.azure.com/.default"\n'
    "    )\n"
    "\n\n"
    "def token_provider():\n"
    "    return _token_provider()()\n"
)
# The same setup where the project's line length is 100 (one line fits) and 79 (isort's default:
# the credential wraps too): the generated code is laid out at the project's own width.
SETUP_100 = SETUP.replace(
    '(\n        credential, "https://cognitiveservices.azure.com/.default"\n    )\n',
    '(credential, "https://cognitiveservices.azure.com/.default")\n',
)
SETUP_79 = SETUP.replace(
    '(client_id=os.getenv("AZURE_CLIENT_ID"))\n',
    '(\n        client_id=os.getenv("AZURE_CLIENT_ID")\n    )\n',
)
CLIENT = (
    "client = AzureOpenAI(\n"
    '    azure_endpoint="https://contoso.openai.azure.com",\n'
    "    {key},\n"
    '    api_version="2024-10-21",\n'
    ")\n"
)
# ``config`` stays in use after the key is gone, so its import stays.
OLD_CLIENT = CLIENT.format(key="api_key=config.OPENAI_KEY") + "model = config.MODEL\n"
NEW_CLIENT = CLIENT.format(key="azure_ad_token_provider=token_provider") + "model = config.MODEL\n"


def migrate(tmp_path: Path, source: str, files: dict[str, str] | None = None, **options) -> str:
    """``source`` migrated as ``app/main.py`` of a project holding ``files``."""
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    path = tmp_path / "app" / "main.py"
    path.parent.mkdir(exist_ok=True)
    data = textwrap.dedent(source).encode()
    path.write_bytes(data)
    return migrate_source(data, MigrationOptions(**options), str(path)).new.decode()


# -- sections and order --------------------------------------------------------------------------


def test_added_imports_go_into_their_sections_in_sorted_order(tmp_path: Path):
    source = '"""Answers."""\n\nimport json\n\nfrom openai import AzureOpenAI\n\nconfig = json\n\n'
    new = migrate(tmp_path, source + OLD_CLIENT)
    assert new == (
        '"""Answers."""\n\n'
        "import functools\n"
        "import json\n"
        "import os\n\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        "from openai import AzureOpenAI\n\n"
        f"config = json\n\n\n{SETUP}\n\n{NEW_CLIENT}"
    )


FIRST_PARTY = (
    "import os\n\nfrom openai import AzureOpenAI\n\nfrom contoso import config\n\n" + OLD_CLIENT
)
SORTED_WITH_CONTOSO_FIRST_PARTY = (
    "import functools\n"
    "import os\n\n"
    "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
    "from openai import AzureOpenAI\n\n"
    f"from contoso import config\n\n\n{SETUP}\n\n{NEW_CLIENT}"
)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pyproject.toml", '[tool.ruff.lint.isort]\nknown-first-party = ["contoso"]\n'),
        ("pyproject.toml", '[tool.ruff.isort]\nknown-first-party = ["contoso"]\n'),
        ("pyproject.toml", '[tool.isort]\nprofile = "black"\nknown_first_party = ["contoso"]\n'),
        ("ruff.toml", '[lint.isort]\nknown-first-party = ["contoso*"]\n'),
        (".isort.cfg", "[settings]\nknown_first_party = contoso,other\n"),
        ("setup.cfg", "[isort]\nknown_first_party = contoso\n"),
    ],
)
def test_the_projects_known_first_party_decides_the_section(tmp_path: Path, name: str, text: str):
    expected = SORTED_WITH_CONTOSO_FIRST_PARTY
    if name in (".isort.cfg", "setup.cfg"):  # isort without a profile: 79 columns
        expected = expected.replace(SETUP, SETUP_79)
    assert migrate(tmp_path, FIRST_PARTY, {name: text}) == expected


def test_a_top_level_package_of_the_project_is_first_party(tmp_path: Path):
    (tmp_path / "contoso").mkdir()
    (tmp_path / "contoso" / "__init__.py").write_text("")
    files = {"pyproject.toml": "[tool.ruff]\nline-length = 100\n"}
    expected = SORTED_WITH_CONTOSO_FIRST_PARTY.replace(SETUP, SETUP_100)
    assert migrate(tmp_path, FIRST_PARTY, files) == expected


def test_imports_that_are_not_sorted_get_the_added_ones_after_them(tmp_path: Path):
    # Without a setting, ``contoso`` is third-party: a blank line inside a section is not
    # what isort writes, so the block is left in its order and the imports go after it.
    assert migrate(tmp_path, FIRST_PARTY) == (
        "import os\n\nfrom openai import AzureOpenAI\n\nfrom contoso import config\n"
        "import functools\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n\n\n"
        f"{SETUP}\n\n{NEW_CLIENT}"
    )


def test_force_single_line_gives_each_name_its_own_import(tmp_path: Path):
    files = {"setup.cfg": "[tool:isort]\nprofile = black\nforce_single_line = true\n"}
    source = "import os\n\nfrom openai import AzureOpenAI\n\nconfig = os\n\n" + OLD_CLIENT
    assert migrate(tmp_path, source, files) == (
        "import functools\n"
        "import os\n\n"
        "from azure.identity import ManagedIdentityCredential\n"
        "from azure.identity import get_bearer_token_provider\n"
        "from openai import AzureOpenAI\n\n"
        f"config = os\n\n\n{SETUP}\n\n{NEW_CLIENT}"
    )


CHAINED = (
    "from azure.identity import AzureCliCredential, ChainedTokenCredential, "
    "ManagedIdentityCredential, get_bearer_token_provider\n"
)


@pytest.mark.parametrize(
    ("files", "one_line"),
    [({}, False), ({"ruff.toml": "line-length = 125\n"}, True)],
)
def test_an_import_is_wrapped_only_past_the_projects_line_length(
    tmp_path: Path, files: dict[str, str], one_line: bool
):
    source = "import os\n\nfrom openai import AzureOpenAI\n\nconfig = os\n\n" + OLD_CLIENT
    new = migrate(tmp_path, source, files, credential="chained")
    assert (CHAINED in new) is one_line
    assert ("from azure.identity import (\n    AzureCliCredential,\n" in new) is not one_line


# -- names added to an import the module has -----------------------------------------------------


def test_names_join_the_modules_from_import_in_sorted_order(tmp_path: Path):
    source = (
        "import os\n\nfrom azure.identity import DefaultAzureCredential\nfrom openai import AzureOpenAI\n\n"
        "config = DefaultAzureCredential\n\n" + OLD_CLIENT
    )
    assert migrate(tmp_path, source) == (
        "import functools\n"
        "import os\n\n"
        "from azure.identity import (\n"
        "    DefaultAzureCredential,\n"
        "    ManagedIdentityCredential,\n"
        "    get_bearer_token_provider,\n"
        ")\n"
        "from openai import AzureOpenAI\n\n"
        f"config = DefaultAzureCredential\n\n\n{SETUP}\n\n{NEW_CLIENT}"
    )


def test_the_comment_of_an_import_that_gets_names_stays_where_ruff_keeps_it(tmp_path: Path):
    source = (
        "import os\n\n"
        "from azure.identity import DefaultAzureCredential  # for blob storage\n"
        "from openai import AzureOpenAI\n\n"
        "config = DefaultAzureCredential\n\n" + OLD_CLIENT
    )
    assert migrate(tmp_path, source).startswith(
        "import functools\n"
        "import os\n\n"
        "from azure.identity import (\n"
        "    DefaultAzureCredential,  # for blob storage\n"
        "    ManagedIdentityCredential,\n"
        "    get_bearer_token_provider,\n"
        ")\n"
        "from openai import AzureOpenAI\n\n"
    )


def test_an_import_the_module_makes_above_the_setup_is_not_added_again(tmp_path: Path):
    source = (
        "from dotenv import load_dotenv\n\n"
        "load_dotenv()\n\n"
        "import os  # noqa: E402\n\n"
        "from openai import AzureOpenAI  # noqa: E402\n\n"
        "config = os\n\n" + OLD_CLIENT
    )
    new = migrate(tmp_path, source)
    assert new.count("import os") == 1
    assert new.startswith(
        "import functools\n\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        "from dotenv import load_dotenv\n\n"
    )


# -- untouched statements keep their bytes ---------------------------------------------------------

LONG_IMPORT = (
    "from azure.identity import AzureCliCredential, ChainedTokenCredential, "
    "DefaultAzureCredential  # for local runs\n"
)


def test_a_long_identity_import_of_a_file_with_nothing_to_migrate_keeps_its_bytes(tmp_path):
    source = f'import os\n\n{LONG_IMPORT}\nKEY = os.environ.get("AZURE_OPENAI_API_KEY")\n'
    assert migrate(tmp_path, source) == source


def test_a_long_identity_import_of_a_notebook_with_no_client_keeps_its_bytes():
    cells = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": s}
        for s in (
            ["import os\n", LONG_IMPORT],
            ['print(os.environ.get("AZURE_OPENAI_API_KEY") is None)'],
        )
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    data = (json.dumps(notebook, indent=1) + "\n").encode()
    assert migrate_notebook(data, MigrationOptions()).new == data


# -- blank lines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "definition", ["def helper():\n    return 1\n", "class Helper:\n    x = 1\n"]
)
def test_the_setup_after_a_definition_gets_two_blank_lines(tmp_path: Path, definition: str):
    source = f"from openai import AzureOpenAI\n\nfrom contoso import config\n\n\n{definition}\n\n"
    files = {"pyproject.toml": '[tool.ruff.lint.isort]\nknown-first-party = ["contoso"]\n'}
    new = migrate(tmp_path, source + OLD_CLIENT, files)
    assert f"{definition}\n\n{SETUP}" in new


def test_the_setup_before_a_definition_leaves_it_two_blank_lines(tmp_path: Path):
    source = (
        "from openai import AzureOpenAI\n\nfrom contoso import config\n\n\n"
        "class Answers:\n"
        "    client = AzureOpenAI(api_key=config.OPENAI_KEY, api_version='v')\n"
        "    model = config.MODEL\n"
    )
    files = {"pyproject.toml": '[tool.ruff.lint.isort]\nknown-first-party = ["contoso"]\n'}
    new = migrate(tmp_path, source, files)
    assert f"\n{SETUP}\n\nclass Answers:\n" in new


# -- notebooks -------------------------------------------------------------------------------------


def _notebook(*sources: str) -> bytes:
    cells = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": s}
        for s in sources
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return (json.dumps(notebook, indent=1) + "\n").encode()


def _cells(data: bytes) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(data)["cells"]]


def test_a_notebooks_imports_are_written_into_the_first_import_cell_in_isort_order():
    data = _notebook(
        "import os\n\nfrom openai import AzureOpenAI\n",
        "%%time\nclient = AzureOpenAI(api_key=os.environ['KEY'], api_version='v')\n",
    )
    cells = _cells(migrate_notebook(data, MigrationOptions()).new)
    assert cells[0] == (
        "import functools\n"
        "import os\n\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        "from openai import AzureOpenAI\n"
    )
    # The setup opens the client's cell, right under its cell magic.
    # ruff formats the cell magic line as a statement: two blank lines before the def.
    assert cells[1].startswith("%%time\n\n\n" + SETUP)


def test_force_sort_within_sections_orders_import_and_from_statements_by_module(tmp_path: Path):
    # Found on a real repository: with this setting a plain ``import`` and a ``from`` import share
    # one sort key shape, and comparing the two failed the file with an internal error.
    files = {"pyproject.toml": "[tool.ruff.lint.isort]\nforce-sort-within-sections = true\n"}
    source = (
        "import json\n\nimport openai\nfrom openai import AzureOpenAI\n\nconfig = json\n\n"
        + OLD_CLIENT
    )
    new = migrate(tmp_path, source, files)
    assert new.startswith(
        "import functools\nimport json\nimport os\n\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        "import openai\nfrom openai import AzureOpenAI\n\n"
    ), new
