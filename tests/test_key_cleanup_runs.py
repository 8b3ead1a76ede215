"""The migrated programs start without the key: whole runs over small projects, then the
programs themselves, in a clean environment that has the endpoint and the identity, no key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from e2e.loopback import run_program

from migrator import api
from migrator.engine import MODE_CHECK, MODE_WRITE

NO_KEY = {
    "AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com",
    "AOAI_ENDPOINT": "https://example.openai.azure.com",
    "SEARCH_ENDPOINT": "https://example.search.windows.net",
    "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def notices(report, rule: str) -> list[tuple[str, int, str]]:
    return [
        (Path(r.path).name, n.line, n.message)
        for r in report.results
        for n in r.notices
        if n.rule == rule
    ]


SETTINGS = """\
    import os

    from openai import AzureOpenAI

    # keys and endpoints come from the deployment
    AOAI_KEY = os.environ["AOAI_KEY"]
    AOAI_ENDPOINT = os.environ["AOAI_ENDPOINT"]

    missing = [v for v in ("AOAI_KEY", "AOAI_ENDPOINT") if not os.getenv(v)]
    if missing:
        raise SystemExit(f"missing settings: {missing}")
    assert AOAI_KEY, "AOAI_KEY must be set"

    client = AzureOpenAI(api_key=AOAI_KEY, azure_endpoint=AOAI_ENDPOINT, api_version="2024-06-01")
    """


def test_a_script_with_every_guard_shape_starts_without_the_key(tmp_path):
    write(
        tmp_path / "app",
        {
            "settings.py": SETTINGS,
            "main.py": """\
                from settings import client

                print("ready", type(client).__name__)
                """,
            "search.py": """\
                import os

                from azure.core.credentials import AzureKeyCredential
                from azure.search.documents import SearchClient

                cred = AzureKeyCredential(os.getenv("SEARCH_KEY"))
                search = SearchClient(os.environ["SEARCH_ENDPOINT"], "docs", cred)
                print("search ready")
                """,
        },
    )
    app = tmp_path / "app"
    # The originals stop without the key: KeyError at import, TypeError from the credential.
    assert "KeyError: 'AOAI_KEY'" in run_program(app / "main.py", NO_KEY).stderr
    assert "TypeError" in run_program(app / "search.py", NO_KEY).stderr
    report = api.run([str(app)], mode=MODE_WRITE, jobs=1)
    assert sorted(Path(r.path).name for r in report.results if r.written) == [
        "search.py",
        "settings.py",
    ]
    for program, said in (("main.py", "ready AzureOpenAI"), ("search.py", "search ready")):
        done = run_program(app / program, NO_KEY)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == said
    assert "AOAI_KEY" not in (app / "settings.py").read_text()


def test_a_key_variable_another_module_imports_is_kept_and_the_importer_named(tmp_path):
    write(
        tmp_path / "svc",
        {
            "settings.py": """\
                import os

                from openai import AzureOpenAI

                API_KEY = os.environ["AZURE_OPENAI_API_KEY"]
                client = AzureOpenAI(api_key=API_KEY, azure_endpoint="https://e", api_version="v")
                """,
            "health.py": """\
                import settings


                def key_is_set():
                    return bool(settings.API_KEY)
                """,
        },
    )
    report = api.run([str(tmp_path / "svc")], mode=MODE_CHECK, jobs=1)
    assert notices(report, "key-variable-removed") == []
    kept = notices(report, "key-variable-kept")
    assert [(f, line) for f, line, _ in kept] == [("settings.py", 5)]
    assert "it is imported by " in kept[0][2] and "svc/health.py:5" in kept[0][2]
    # Without the importer, the same module loses the variable.
    (tmp_path / "svc" / "health.py").unlink()
    report = api.run([str(tmp_path / "svc")], mode=MODE_CHECK, jobs=1)
    assert [(f, line) for f, line, _ in notices(report, "key-variable-removed")] == [
        ("settings.py", 5)
    ]


def test_a_file_given_alone_keeps_its_module_level_key_variable(tmp_path):
    write(tmp_path, {"settings.py": SETTINGS})
    report = api.run([str(tmp_path / "settings.py")], mode=MODE_WRITE, jobs=1)
    kept = notices(report, "key-variable-kept")
    assert [(f, line) for f, line, _ in kept] == [("settings.py", 6)]
    assert "without its directory" in kept[0][2]
    text = (tmp_path / "settings.py").read_text()
    # The variable is kept, and with it the checks on it; the client is migrated.
    assert 'AOAI_KEY = os.environ["AOAI_KEY"]' in text and 'assert AOAI_KEY, "' in text
    assert "azure_ad_token_provider=token_provider" in text


def test_a_notebook_exported_as_a_script_runs_cell_by_cell_without_the_key(tmp_path):
    import json

    from codemods.options import MigrationOptions
    from migrator.notebooks import migrate_notebook

    cells = [
        "import os\nfrom openai import AzureOpenAI\n",
        'AOAI_KEY = os.environ["AOAI_KEY"]\nAOAI_ENDPOINT = os.environ["AOAI_ENDPOINT"]\n',
        'if not all([AOAI_KEY, AOAI_ENDPOINT]):\n    raise ValueError("set AOAI_KEY and AOAI_ENDPOINT")\n',
        "client = AzureOpenAI(api_key=AOAI_KEY, azure_endpoint=AOAI_ENDPOINT, api_version='v')\n",
        "print('cells ran')\n",
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
    out = migrate_notebook(
        (json.dumps(nb, indent=1) + "\n").encode(), MigrationOptions(), "chat.ipynb"
    )
    migrated = ["".join(c["source"]) for c in json.loads(out.new)["cells"]]
    # One namespace, cell after cell, as a kernel runs them.
    runner = tmp_path / "run_cells.py"
    runner.write_text(
        "namespace = {}\n"
        f"for cell in {migrated!r}:\n"
        "    exec(compile(cell, '<cell>', 'exec'), namespace)\n"
    )
    done = run_program(runner, NO_KEY)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "cells ran"
    assert migrated[2] == (
        'if not all([AOAI_ENDPOINT]):\n    raise ValueError("set AOAI_KEY and AOAI_ENDPOINT")\n'
    )


def test_importers_are_found_however_they_spell_the_import(tmp_path):
    from migrator.key_importers import importers

    files = {
        "a.py": "from settings import API_KEY\n",
        "b.py": "from .settings import (\n    ENDPOINT,\n    API_KEY,\n)\n",
        "c.py": "from app.settings import *\n",
        "d.py": "import settings\n\nprint(settings.API_KEY)\n",
        "e.py": "import app.settings as conf\n\nprint(conf.API_KEY)\n",
        "f.py": "import settings\nkey = getattr(settings, 'API_KEY')\n",
        # Not importers: the same environment variable name, another module's API_KEY.
        "g.py": "import os\nkey = os.getenv('API_KEY')\n",
        "h.py": "from secrets_store import API_KEY\n",
    }
    write(tmp_path, files)
    paths = [str(tmp_path / name) for name in sorted(files)]
    found = importers("API_KEY", {"settings"}, str(tmp_path / "settings.py"), paths, {})
    assert [w.rsplit("/", 1)[-1] for w in found] == [
        "a.py:1",
        "b.py:1",
        "c.py:1",
        "d.py:3",
        "e.py:3",
        "f.py:2",
    ]


def test_a_key_imported_with_a_relative_import_is_migrated(tmp_path: Path) -> None:
    # LibCST's import remover needs the module's package for `from .config import KEY`; without
    # one the file failed with an internal error and kept its key.
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/config.py": """\
                import os

                ENDPOINT = os.environ["AZURE_OPENAI_ENDPOINT"]
                KEY = os.getenv("AZURE_OPENAI_API_KEY")
                """,
            "pkg/app.py": """\
                from openai import AzureOpenAI

                from .config import ENDPOINT, KEY

                client = AzureOpenAI(azure_endpoint=ENDPOINT, api_key=KEY, api_version="2024-06-01")
                """,
        },
    )
    report = api.run([str(tmp_path)], mode=MODE_WRITE)
    app = next(r for r in report.results if r.path.endswith("app.py"))
    assert app.status == "changed", (app.status, app.reason)
    text = (tmp_path / "pkg" / "app.py").read_text()
    assert "from .config import ENDPOINT\n" in text
    assert "KEY" not in text and "api_key" not in text
    assert "azure_ad_token_provider=token_provider" in text


CONFIG = """\
    import os

    AZURE_OPENAI_ENDPOINT = os.getenv("AZURE_OPENAI_ENDPOINT")
    AZURE_OPENAI_API_KEY = os.getenv("AZURE_OPENAI_API_KEY")
    AZURE_OPENAI_DEPLOYMENT = os.getenv("AZURE_OPENAI_DEPLOYMENT", "gpt-4o")

    if not all([AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, AZURE_OPENAI_DEPLOYMENT]):
        raise ValueError("Missing required Azure OpenAI environment variables")
    """

APP = """\
    from openai import AzureOpenAI

    from config import AZURE_OPENAI_API_KEY, AZURE_OPENAI_DEPLOYMENT, AZURE_OPENAI_ENDPOINT

    client = AzureOpenAI(
        api_key=AZURE_OPENAI_API_KEY,
        azure_endpoint=AZURE_OPENAI_ENDPOINT,
        api_version="2024-10-21",
    )
    print("ready", AZURE_OPENAI_DEPLOYMENT)
    """


def test_a_config_module_whose_key_only_the_migrated_client_read_loses_it_and_its_check(
    tmp_path,
):
    import subprocess
    import sys

    write(tmp_path / "svc", {"config.py": CONFIG, "app.py": APP})
    app = tmp_path / "svc"
    assert "ValueError" in run_program(app / "app.py", NO_KEY).stderr
    run = subprocess.run(
        [sys.executable, "-m", "migrator", "."], cwd=app, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert (app / "config.py").read_text() == (
        "import os\n\n"
        'AZURE_OPENAI_ENDPOINT = os.getenv("AZURE_OPENAI_ENDPOINT")\n'
        'AZURE_OPENAI_DEPLOYMENT = os.getenv("AZURE_OPENAI_DEPLOYMENT", "gpt-4o")\n\n'
        "if not all([AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_DEPLOYMENT]):\n"
        '    raise ValueError("Missing required Azure OpenAI environment variables")\n'
    )
    assert (
        "./config.py:4:1: info: key-variable-removed: `AZURE_OPENAI_API_KEY` held the key (read "
        "from the environment) and nothing else in this module reads it now, and the client of "
        "the run that read it (app.py:6) no longer reads it: its assignment was removed"
    ) in run.stdout
    assert "./config.py:7:1: info: key-guard-rewritten: `if not all([" in run.stdout
    assert (
        "from config import AZURE_OPENAI_DEPLOYMENT, AZURE_OPENAI_ENDPOINT\n"
        in (app / "app.py").read_text()
    )
    done = run_program(app / "app.py", NO_KEY)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ready gpt-4o"


@pytest.mark.parametrize(
    ("files", "why"),
    [
        # Another module of the run still reads it.
        ({"health.py": "from config import AZURE_OPENAI_API_KEY\n\nprint(AZURE_OPENAI_API_KEY)\n"},
         "another module"),
        # Its own module reads it for something else than the check.
        ({"config.py": CONFIG + '    print("key set:", bool(AZURE_OPENAI_API_KEY))\n'},
         "its module"),
        # Exported.
        ({"config.py": CONFIG + '    __all__ = ["AZURE_OPENAI_API_KEY"]\n'}, "exported"),
    ],
)  # fmt: skip
def test_a_config_key_something_else_reads_is_kept(tmp_path, files, why):
    write(tmp_path / "svc", {"config.py": CONFIG, "app.py": APP, **files})
    report = api.run([str(tmp_path / "svc")], mode=MODE_CHECK, jobs=1)
    config = next(r for r in report.results if r.path.endswith("config.py"))
    assert config.status == "unchanged", why
    assert notices(report, "key-variable-removed") == []
    app = next(r for r in report.results if r.path.endswith("app.py"))
    assert app.status == "changed"


def test_a_config_key_is_kept_when_its_module_is_given_to_the_run_alone(tmp_path):
    # Files given one by one: the modules that may import config.py were not searched.
    write(tmp_path / "svc", {"config.py": CONFIG, "app.py": APP})
    paths = [str(tmp_path / "svc" / name) for name in ("app.py", "config.py")]
    report = api.run(paths, mode=MODE_WRITE, jobs=1)
    assert {Path(r.path).name: r.status for r in report.results if r.path.endswith(".py")} == {
        "app.py": "changed",
        "config.py": "unchanged",
    }
    assert (tmp_path / "svc" / "config.py").read_text() == textwrap.dedent(CONFIG)


SEARCH_SETTINGS = """\
    import os

    SEARCH_ENDPOINT = os.environ["SEARCH_ENDPOINT"]
    SEARCH_INDEX = os.getenv("SEARCH_INDEX", "docs")
    SEARCH_API_KEY = os.environ["SEARCH_API_KEY"]
    """

SEARCH_APP = """\
    from azure.core.credentials import AzureKeyCredential
    from azure.search.documents import SearchClient

    from settings import SEARCH_API_KEY, SEARCH_ENDPOINT, SEARCH_INDEX

    search = SearchClient(SEARCH_ENDPOINT, SEARCH_INDEX, AzureKeyCredential(SEARCH_API_KEY))
    print("ready", SEARCH_INDEX)
    """


def test_a_key_wrapped_in_a_key_credential_is_released_in_the_module_that_reads_it(tmp_path):
    # The key reaches the client inside AzureKeyCredential(...), and its variable's name is not an
    # Azure OpenAI key's: the settings module is still cleaned up, so the program starts keyless.
    write(tmp_path / "svc", {"settings.py": SEARCH_SETTINGS, "app.py": SEARCH_APP})
    app = tmp_path / "svc"
    assert "KeyError: 'SEARCH_API_KEY'" in run_program(app / "app.py", NO_KEY).stderr
    report = api.run([str(app)], mode=MODE_WRITE, jobs=1)
    assert not report.failed
    assert (app / "settings.py").read_text() == (
        "import os\n\n"
        'SEARCH_ENDPOINT = os.environ["SEARCH_ENDPOINT"]\n'
        'SEARCH_INDEX = os.getenv("SEARCH_INDEX", "docs")\n'
    )
    assert [(f, line) for f, line, _ in notices(report, "key-variable-removed")] == [
        ("settings.py", 5)
    ]
    done = run_program(app / "app.py", NO_KEY)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ready docs"
