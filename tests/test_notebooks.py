"""Notebooks: code cells migrated as one module, IPython syntax kept, the JSON written back byte for byte."""

from __future__ import annotations

import copy
import difflib
import json
from pathlib import Path

import pytest

from codemods.options import MigrationOptions
from migrator.engine import CHANGED, FAILED, MODE_CHECK, MODE_DIFF, UNCHANGED
from migrator.files import process_file
from migrator.notebooks import _mask, migrate_notebook
from migrator.report import Report

SETUP = [
    "@functools.cache\n",
    "def _token_provider():\n",
    "    # Built at the first token request, once the program has set up its environment.\n",
    '    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))\n',
    "    return get_bearer_token_provider(\n",
    '        credential, "https://cognitiveservices.azure.com/.default"\n',
    "    )\n",
    "\n",
    "\n",
    "def token_provider():\n",
    "    return _token_provider()()\n",
    "\n",
    "\n",
]


def code_cell(source, outputs=None, count=None, metadata=None):
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": metadata or {},
        "outputs": outputs or [],
        "source": source,
    }


def markdown(source):
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def notebook(*cells, language="python", **extra):
    nb = {
        "cells": list(cells),
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": language,
                "name": "python3",
            },
            "language_info": {"name": language, "version": "3.11.4"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    nb.update(extra)
    return nb


def jupyter(nb) -> bytes:
    """What Jupyter writes: indent 1, sorted keys, UTF-8 characters as they are, a final newline."""
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def migrate(data: bytes, **options):
    return migrate_notebook(data, MigrationOptions(**options), "nb.ipynb")


def sources(data: bytes) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(data)["cells"]]


OUTPUT = {"name": "stdout", "output_type": "stream", "text": ["echo: héllo\n"]}
IMAGE = {
    "data": {"image/png": "iVBORw0KGgo=", "text/plain": ["<Figure>"]},
    "metadata": {},
    "output_type": "display_data",
}


def chat_notebook():
    return notebook(
        markdown(["# Ask Azure OpenAI — démo\n"]),
        code_cell(["%pip install -q openai azure-identity\n", "!az login --identity"], [OUTPUT], 1),
        code_cell(
            [
                "import os\n",
                "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n",
                "from openai import AzureOpenAI",
            ],
            count=2,
        ),
        code_cell(
            [
                "client = AzureOpenAI(\n",
                '    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],\n',
                '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n',
                '    api_version="2024-10-21",  # la version générale\n',
                ")",
            ],
            count=3,
        ),
        code_cell(
            [
                'r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "héllo"}])\n',
                "print(r.choices[0].message.content)",
            ],
            [OUTPUT, IMAGE],
            4,
            {"tags": ["parameters"], "collapsed": False},
        ),
    )


def expected_chat_notebook():
    nb = copy.deepcopy(chat_notebook())
    nb["cells"][2]["source"] = [
        *nb["cells"][2]["source"][:-1],
        "from openai import AzureOpenAI\n",
        "import functools",
    ]
    nb["cells"][3]["source"] = [
        *SETUP,
        "client = AzureOpenAI(\n",
        '    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],\n',
        "    azure_ad_token_provider=token_provider,\n",
        '    api_version="2024-10-21",  # la version générale\n',
        ")",
    ]
    return nb


SERIALIZERS = {
    "jupyter": jupyter,
    "indent 2, ascii escapes, no final newline": lambda nb: json.dumps(
        nb, indent=2, ensure_ascii=True
    ).encode(),
    "indent 4, key order as written": lambda nb: (
        json.dumps(nb, indent=4, ensure_ascii=False) + "\n"
    ).encode(),
    "one line": lambda nb: json.dumps(nb, ensure_ascii=False).encode(),
    "CRLF": lambda nb: (
        (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").replace("\n", "\r\n").encode()
    ),
}


@pytest.mark.parametrize("serialize", SERIALIZERS.values(), ids=SERIALIZERS.keys())
def test_only_the_key_line_and_the_setup_lines_change_byte_for_byte(serialize):
    before = serialize(chat_notebook())
    result = migrate(before)
    assert result.new == serialize(expected_chat_notebook())
    # The byte diff is the key line out, and that line's replacement plus the setup lines and
    # its functools import in.
    diff = [
        line
        for line in difflib.ndiff(before.decode().splitlines(), result.new.decode().splitlines())
        if line[:1] in "+-"
    ]
    removed = [line for line in diff if line.startswith("-")]
    added = [line for line in diff if line.startswith("+")]
    if "\n" in before.decode():
        assert len(removed) == 2 and "api_key" in removed[-1]
        assert (
            len(added) == len(SETUP) + 3 and "azure_ad_token_provider=token_provider" in added[-1]
        )


def test_source_written_as_one_string_stays_one_string():
    nb = chat_notebook()
    for cell in nb["cells"]:
        cell["source"] = "".join(cell["source"])
    result = migrate(jupyter(nb))
    expected = expected_chat_notebook()
    for cell in expected["cells"]:
        cell["source"] = "".join(cell["source"])
    assert result.new == jupyter(expected)


def test_outputs_metadata_and_unchanged_cells_are_untouched():
    before = jupyter(chat_notebook())
    after = json.loads(migrate(before).new)
    original = json.loads(before)
    assert after["metadata"] == original["metadata"]
    for old, new in zip(original["cells"], after["cells"], strict=False):
        assert {k: v for k, v in old.items() if k != "source"} == {
            k: v for k, v in new.items() if k != "source"
        }
    changed = [
        i
        for i, (a, b) in enumerate(zip(sources(before), sources(migrate(before).new), strict=False))
        if a != b
    ]
    assert changed == [2, 3]  # the import cell gets functools


def test_records_name_the_cell_and_the_line_in_it():
    result = migrate(jupyter(chat_notebook()))
    [client] = result.clients
    assert (client.cell, client.line, client.column, client.outcome) == (4, 1, 9, "migrated")
    [call] = client.calls
    assert (call.cell, call.line, call.chain) == (5, 1, "chat.completions.create")


def test_report_names_the_cell_and_the_diff_is_of_the_notebook_file(tmp_path: Path):
    path = tmp_path / "chat.ipynb"
    path.write_bytes(jupyter(chat_notebook()))
    result = process_file(str(path), MigrationOptions(), MODE_DIFF)
    assert result.status == CHANGED and not result.written
    assert path.read_bytes() == jupyter(chat_notebook())  # a dry run writes nothing
    # A diff of the .ipynb file's JSON (git apply takes it), not of the cell's text.
    assert f"--- a/{str(path).lstrip('/')}\n+++ b/{str(path).lstrip('/')}\n" in result.diff
    assert (
        '-    "    api_key=os.environ[\\"AZURE_OPENAI_API_KEY\\"],\\n",\n'
        '+    "    azure_ad_token_provider=token_provider,\\n",\n'
    ) in result.diff
    report = Report(MODE_DIFF)
    report.add(result)
    text = report.render_text()
    assert f"{path}:cell 4:1:10: would migrate: openai.AzureOpenAI" in text
    assert f"{path}:cell 5:1 chat.completions.create" in text


def test_check_mode_writes_nothing_and_a_second_run_changes_nothing(tmp_path: Path):
    path = tmp_path / "chat.ipynb"
    path.write_bytes(jupyter(chat_notebook()))
    assert process_file(str(path), MigrationOptions(), MODE_CHECK).status == CHANGED
    assert path.read_bytes() == jupyter(chat_notebook())
    assert process_file(str(path), MigrationOptions()).written
    assert path.read_bytes() == jupyter(expected_chat_notebook())
    again = process_file(str(path), MigrationOptions(), MODE_CHECK)
    assert again.status == UNCHANGED
    assert [c.outcome for c in again.clients] == ["already-keyless"]


def test_the_engine_refuses_a_notebook_rather_than_reading_its_json_as_python(tmp_path: Path):
    # The engine knows Python modules only (the notebook path builds on it); a notebook handed to
    # it is a caller's mistake, said loudly, and the file is not touched.
    from migrator import engine

    path = tmp_path / "chat.ipynb"
    path.write_bytes(jupyter(chat_notebook()))
    with pytest.raises(ValueError, match="migrator.files.process_file"):
        engine.process_file(str(path), MigrationOptions())
    assert path.read_bytes() == jupyter(chat_notebook())
    assert process_file(str(path), MigrationOptions()).written


# -- IPython syntax --------------------------------------------------------------------------------

MAGIC_CELL = [
    "%env AZURE_OPENAI_ENDPOINT=https://contoso.openai.azure.com/\n",
    "%load_ext dotenv\n",
    "%dotenv\n",
    "!pip install openai \\\n",
    "    azure-identity\n",
    "files = !ls\n",
    "import os\n",
    "from openai import AzureOpenAI\n",
    "AzureOpenAI?\n",
    "??os.getenv\n",
    "if not files:\n",
    "    !echo nothing here\n",
    'help_text = """\n',
    "!this line is inside a string\n",
    '"""\n',
    "client = AzureOpenAI(api_key=os.getenv('AZURE_OPENAI_API_KEY'), api_version='2024-10-21')\n",
    "x = 1  # is this help?",
]


def test_magics_shell_escapes_and_help_are_kept_and_the_code_migrated():
    result = migrate(jupyter(notebook(code_cell(MAGIC_CELL))))
    [new] = sources(result.new)
    original = "".join(MAGIC_CELL)
    # Every IPython line is still there, in order, unchanged.
    for line in MAGIC_CELL[:6] + MAGIC_CELL[8:15]:
        assert line in new
    assert (
        "client = AzureOpenAI(azure_ad_token_provider=token_provider, api_version='2024-10-21')\n"
        in new
    )
    assert new.count("def token_provider():") == 1
    assert new.endswith("x = 1  # is this help?")
    assert new.startswith(original[: original.index("import os")])


def test_what_is_masked():
    masked = _mask("".join(MAGIC_CELL), "_aoai_m_test_", [0])
    placeholders = [line for line in masked.text.splitlines() if "pass  # _aoai_m_test_" in line]
    assert (
        len(placeholders) == 9
    )  # 3 magics, a 2-line shell escape, an assignment, 2 helps, 1 indented
    assert (
        "    pass  # _aoai_m_test_" in masked.text
    )  # the indented escape keeps its block's indentation
    assert "!this line is inside a string\n" in masked.text
    assert "x = 1  # is this help?" in masked.text
    assert len(masked.text.splitlines()) == len(MAGIC_CELL)


def test_a_cell_magic_with_a_python_body_is_migrated_below_its_magic_line():
    nb = notebook(
        code_cell(["import os\n", "from openai import AzureOpenAI"]),
        code_cell(
            [
                "%%time\n",
                "client = AzureOpenAI(api_key=os.environ['KEY'], api_version='2024-10-21')",
            ]
        ),
    )
    new = sources(migrate(jupyter(nb)).new)
    assert new[1].startswith("%%time\n\n\n@functools.cache\ndef _token_provider():\n")
    assert new[1].endswith(
        "client = AzureOpenAI(azure_ad_token_provider=token_provider, api_version='2024-10-21')"
    )


def test_a_cell_magic_with_a_body_that_is_not_python_is_left_and_reported():
    bash = ["%%bash\n", "echo 'AzureOpenAI(api_key=...)'\n", "az login"]
    nb = notebook(
        code_cell(bash),
        code_cell(["from openai import AzureOpenAI\n", "c = AzureOpenAI(api_key='k')"]),
    )
    result = migrate(jupyter(nb))
    new = sources(result.new)
    assert new[0] == "".join(bash)
    assert "azure_ad_token_provider=token_provider" in new[1]
    assert any(n.cell == 1 and "%%bash" in n.message for n in result.notices)


def test_writefile_cell_is_migrated_as_a_module_of_its_own():
    body = [
        "%%writefile app.py\n",
        "import os\n",
        "from openai import AzureOpenAI\n",
        "\n",
        "client = AzureOpenAI(api_key=os.environ['AZURE_OPENAI_API_KEY'], api_version='2024-10-21')\n",
    ]
    result = migrate(jupyter(notebook(code_cell(["x = 1"]), code_cell(body))))
    new = sources(result.new)[1]
    assert new.startswith(
        "%%writefile app.py\nimport os\nfrom openai import AzureOpenAI\nimport functools\n"
        "from azure.identity import"
    )
    assert "def token_provider():" in new
    [client] = result.clients
    assert (client.cell, client.line) == (2, 5)


# -- where the setup goes ----------------------------------------------------------------------------


def test_setup_goes_into_the_first_client_cell_and_imports_into_the_first_imports_cell():
    nb = notebook(
        code_cell(["%pip install openai"]),
        markdown(["Set up"]),
        code_cell(
            [
                "import os\n",
                "from openai import AzureOpenAI\n",
                "\n",
                "ENDPOINT = os.environ['AZURE_OPENAI_ENDPOINT']",
            ]
        ),
        code_cell(
            [
                "chat = AzureOpenAI(azure_endpoint=ENDPOINT, api_key=os.environ['AZURE_OPENAI_API_KEY'], api_version='v')"
            ]
        ),
        code_cell(
            [
                "embed = AzureOpenAI(azure_endpoint=ENDPOINT, api_key=os.environ['AZURE_OPENAI_API_KEY'], api_version='v')"
            ]
        ),
    )
    new = sources(migrate(jupyter(nb)).new)
    assert new[0] == "%pip install openai"
    assert new[2] == (
        "import os\n"
        "from openai import AzureOpenAI\n"
        "import functools\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        "\n"
        "ENDPOINT = os.environ['AZURE_OPENAI_ENDPOINT']"
    )
    assert new[3].startswith(
        "".join(SETUP) + "chat = AzureOpenAI(azure_endpoint=ENDPOINT, azure_ad_token_provider"
    )
    # One provider for the whole notebook: the second client cell reuses it.
    assert (
        new[4]
        == "embed = AzureOpenAI(azure_endpoint=ENDPOINT, azure_ad_token_provider=token_provider, api_version='v')"
    )


def test_imports_in_the_client_cell_itself():
    nb = notebook(
        code_cell(["%pip install openai azure-identity"]),
        code_cell(
            [
                "from openai import AzureOpenAI\n",
                "client = AzureOpenAI(api_key='k', api_version='v')",
            ]
        ),
    )
    new = sources(migrate(jupyter(nb)).new)
    # In the sections and order isort and ruff give them.
    assert new[1] == (
        "import functools\n"
        "import os\n"
        "\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        "from openai import AzureOpenAI\n"
        "\n"
        "\n"
        + "".join(SETUP)
        + "client = AzureOpenAI(azure_ad_token_provider=token_provider, api_version='v')"
    )


def test_a_client_built_in_a_function_gets_the_setup_before_the_function():
    nb = notebook(
        code_cell(["import os\n", "import openai"]),
        code_cell(
            [
                "def make():\n",
                "    return openai.AzureOpenAI(api_key=os.environ['K'], api_version='v')",
            ]
        ),
        code_cell(["client = make()"]),
    )
    new = sources(migrate(jupyter(nb)).new)
    assert (
        new[0]
        == "import os\nimport openai\nimport functools\nfrom azure.identity import ManagedIdentityCredential, get_bearer_token_provider"
    )
    assert new[1].startswith("".join(SETUP) + "def make():\n")
    assert new[2] == "client = make()"


def test_an_import_only_a_later_cell_has_is_added_where_the_setup_needs_it():
    nb = notebook(
        code_cell(["from openai import AzureOpenAI"]),
        code_cell(["client = AzureOpenAI(api_key='k', api_version='v')"]),
        code_cell(["import os\n", "print(os.getcwd())"]),
    )
    result = migrate(jupyter(nb))
    new = sources(result.new)
    assert new[0] == (
        "import functools\n"
        "import os\n\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        "from openai import AzureOpenAI"
    )
    assert new[2] == "import os\nprint(os.getcwd())"
    assert not [n for n in result.notices if n.rule == "notebook-cell-order"]


def test_a_provider_that_a_later_cell_defines_is_not_reused():
    """Reusing it would raise NameError top to bottom: the client gets a provider of its own,
    defined above it, and no name the migration adds is one that only a later cell binds."""
    nb = notebook(
        code_cell(
            [
                "from azure.identity import DefaultAzureCredential, get_bearer_token_provider\n",
                "from openai import AzureOpenAI",
            ]
        ),
        code_cell(["client = AzureOpenAI(api_key='k', api_version='v')"]),
        code_cell(
            [
                "tp = get_bearer_token_provider(DefaultAzureCredential(), 'https://cognitiveservices.azure.com/.default')"
            ]
        ),
    )
    result = migrate(jupyter(nb))
    assert result.changed_cells
    assert not [n for n in result.notices if n.rule == "notebook-cell-order"]
    [client] = result.clients
    assert client.outcome == "migrated"
    cells = [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in json.loads(result.new)["cells"]
    ]
    assert "azure_ad_token_provider=token_provider" in cells[1]
    assert "AzureOpenAI(api_key" not in "".join(cells)
    # Top to bottom, the provider the client passes is bound before the client's line runs.
    before_client = "".join(cells[:1]) + cells[1].split("client = ")[0]
    assert "def token_provider():" in before_client
    assert cells[2].startswith("tp = get_bearer_token_provider(DefaultAzureCredential()")


def test_names_resolve_across_cells():
    nb = notebook(
        code_cell(["import openai as oa"]),
        code_cell(["BASE = 'https://contoso.openai.azure.com/openai/v1/'"]),
        code_cell(["v1 = oa.OpenAI(base_url=BASE, api_key='k')"]),
    )
    result = migrate(jupyter(nb))
    assert [(c.cell, c.cls, c.outcome) for c in result.clients] == [
        (3, "openai.OpenAI", "migrated")
    ]
    assert sources(result.new)[2].endswith("v1 = oa.OpenAI(base_url=BASE, api_key=token_provider)")


def test_a_literal_key_in_a_cell_is_masked_in_the_diff(tmp_path: Path):
    secret = "0123456789abcdef0123456789abcdef"
    path = tmp_path / "k.ipynb"
    path.write_bytes(
        jupyter(
            notebook(
                code_cell(
                    ["from openai import AzureOpenAI\n", f"c = AzureOpenAI(api_key='{secret}')"]
                )
            )
        )
    )
    result = process_file(str(path), MigrationOptions(), MODE_DIFF)
    assert secret not in result.diff and "<masked, 32 characters>" in result.diff
    assert any(n.rule == "literal-key" and n.cell == 1 for n in result.notices)


# -- what is skipped, and why ---------------------------------------------------------------------------


def run_file(tmp_path: Path, data: bytes, name: str = "nb.ipynb"):
    path = tmp_path / name
    path.write_bytes(data)
    result = process_file(str(path), MigrationOptions())
    assert path.read_bytes() == data or result.status == CHANGED
    return result, path


def test_invalid_json_fails_with_its_position_and_is_left_as_it_was(tmp_path: Path):
    data = b'{"cells": [{"cell_type": "code", "source": ["AzureOpenAI(api_key=k)"]}'
    result, path = run_file(tmp_path, data)
    assert (
        result.status == FAILED
        and "not valid notebook JSON" in result.error
        and "line 1" in result.error
    )
    assert path.read_bytes() == data


def test_nbformat_3_is_skipped_with_a_reason(tmp_path: Path):
    nb = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "input": ["from openai import AzureOpenAI\n", "AzureOpenAI(api_key='k')"],
                        "language": "python",
                    }
                ]
            }
        ],
    }
    result, path = run_file(tmp_path, jupyter(nb))
    assert result.status == UNCHANGED and path.read_bytes() == jupyter(nb)
    assert "nbformat 3" in result.notices[0].message


def test_a_notebook_in_another_language_is_left_alone(tmp_path: Path):
    nb = notebook(code_cell(["# AzureOpenAI(api_key=k) in R\n", "x <- 1"]), language="R")
    result, path = run_file(tmp_path, jupyter(nb))
    assert result.status == UNCHANGED and "kernel language is R" in result.notices[0].message


def test_a_notebook_without_code_cells_is_reported(tmp_path: Path):
    nb = notebook(markdown(["Use `AzureOpenAI(api_key=...)`"]))
    result, _ = run_file(tmp_path, jupyter(nb))
    assert result.status == UNCHANGED and "no code cells" in result.notices[0].message


def test_a_notebook_with_nothing_to_migrate_is_not_even_parsed(tmp_path: Path):
    result, _ = run_file(tmp_path, b"this is not JSON and mentions no client")
    assert result.status == UNCHANGED and not result.notices


def test_a_cell_that_is_not_python_is_left_and_the_others_migrated(tmp_path: Path):
    nb = notebook(
        code_cell(["print 'python 2'"]),
        code_cell(["from openai import AzureOpenAI\n", "c = AzureOpenAI(api_key='k')"]),
        code_cell(["x = 1"], metadata={"vscode": {"languageId": "sql"}}),
    )
    result, path = run_file(tmp_path, jupyter(nb))
    assert result.status == CHANGED
    new = sources(path.read_bytes())
    assert new[0] == "print 'python 2'" and "token_provider" in new[1]
    assert [(n.cell, n.rule) for n in result.notices] == [(1, "notebook-cell-skipped")]


# -- line endings and line splitting of a rewritten cell ------------------------------------------

KEY_CELL = ["client = AzureOpenAI(api_key='k', api_version='v')\n", "print(client)"]


def test_lines_added_to_a_crlf_cell_end_with_crlf():
    nb = notebook(
        code_cell(["import os\r\n", "from openai import AzureOpenAI\r\n"]),
        code_cell([line.replace("\n", "\r\n") for line in KEY_CELL]),
    )
    cells = [c["source"] for c in json.loads(migrate(jupyter(nb)).new)["cells"]]
    assert cells[1][:-1] == [line.replace("\n", "\r\n") for line in SETUP] + [
        "client = AzureOpenAI(azure_ad_token_provider=token_provider, api_version='v')\r\n"
    ]
    assert all(line.endswith("\r\n") for line in cells[0])


def test_a_cell_that_mixes_line_endings_gets_lf_for_added_lines():
    nb = notebook(
        code_cell(["import os\r\n", "from openai import AzureOpenAI\n"]),
        code_cell(["x = 1\r\n", *KEY_CELL]),
    )
    cells = [c["source"] for c in json.loads(migrate(jupyter(nb)).new)["cells"]]
    assert cells[1][: len(SETUP) + 3] == ["x = 1\r\n", "\n", "\n", *SETUP]


# str.splitlines splits on them, Jupyter does not
SEPARATORS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@pytest.mark.parametrize("char", list(SEPARATORS))
def test_a_line_holding_a_separator_jupyter_does_not_split_on_stays_one_item(char):
    odd = f"note = 'a{char}b'  # c{char}d\n"
    nb = notebook(
        code_cell(["import os\n", "from openai import AzureOpenAI\n", odd]),
        code_cell([odd, *KEY_CELL]),
    )
    result = migrate(jupyter(nb))
    cells = [c["source"] for c in json.loads(result.new)["cells"]]
    assert cells[0] == [
        "import os\n",
        "from openai import AzureOpenAI\n",
        "import functools\n",
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n",
        odd,
    ]
    assert cells[1] == [
        odd,
        "\n",
        "\n",
        *SETUP,
        "client = AzureOpenAI(azure_ad_token_provider=token_provider, api_version='v')\n",
        "print(client)",
    ]


def test_a_cell_split_as_nbformat_splits_keeps_that_splitting():
    """Python's nbformat writes ``str.splitlines(True)`` items: such a cell keeps them."""
    text = "note = 'a\x0cb'  # c\u2028d\n" + "".join(KEY_CELL)
    nb = notebook(
        code_cell(["import os\n", "from openai import AzureOpenAI\n"]),
        code_cell(text.splitlines(True)),
    )
    cells = [c["source"] for c in json.loads(migrate(jupyter(nb)).new)["cells"]]
    assert cells[1] == "".join(cells[1]).splitlines(True)
    assert cells[1][:3] == ["note = 'a\x0c", "b'  # c\u2028", "d\n"]
