"""The credential each file gets: notebooks default to ``chained``, services keep the managed
identity, ``[[tool.aoai-migrate.overrides]]`` set it per path, an explicit choice applies
everywhere an override does not say otherwise; and the report says which and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clitools import cli, write_tree

from codemods.options import CredentialOverride, MigrationOptions
from migrator import api
from migrator.config import ConfigError, _overrides, compile_globs
from migrator.credential_context import for_path
from migrator.engine import MODE_DIFF

SERVICE = (
    "import os\n"
    "\n"
    "from openai import AzureOpenAI\n"
    "\n"
    "client = AzureOpenAI(\n"
    '    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],\n'
    '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n'
    '    api_version="2024-10-21",\n'
    ")\n"
    'reply = client.chat.completions.create(model="gpt-4o", messages=[])\n'
)

SETUP_TAIL = (
    "    return get_bearer_token_provider(\n"
    '        credential, "https://cognitiveservices.azure.com/.default"\n'
    "    )\n"
    "\n"
    "\n"
    "def token_provider():\n"
    "    return _token_provider()()\n"
    "\n"
    "\n"
)
CLIENT_AFTER = (
    "client = AzureOpenAI(\n"
    '    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],\n'
    "    azure_ad_token_provider=token_provider,\n"
    '    api_version="2024-10-21",\n'
    ")\n"
    'reply = client.chat.completions.create(model="gpt-4o", messages=[])\n'
)
SERVICE_MIGRATED = (
    "import functools\n"
    "import os\n"
    "\n"
    "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
    "from openai import AzureOpenAI\n"
    "\n"
    "\n"
    "@functools.cache\n"
    "def _token_provider():\n"
    "    # Built at the first token request, once the program has set up its environment.\n"
    '    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))\n'
    + SETUP_TAIL
    + CLIENT_AFTER
)
SERVICE_CHAINED = (
    "import functools\n"
    "import os\n"
    "\n"
    "from azure.identity import (\n"
    "    AzureCliCredential,\n"
    "    ChainedTokenCredential,\n"
    "    ManagedIdentityCredential,\n"
    "    get_bearer_token_provider,\n"
    ")\n"
    "from openai import AzureOpenAI\n"
    "\n"
    "\n"
    "@functools.cache\n"
    "def _token_provider():\n"
    "    # Built at the first token request, once the program has set up its environment.\n"
    "    credential = ChainedTokenCredential(\n"
    '        ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID")),\n'
    "        AzureCliCredential(),\n"
    "    )\n" + SETUP_TAIL + CLIENT_AFTER
)

IMPORTS_CELL = ["import os\n", "from openai import AzureOpenAI"]
CLIENT_CELL = [
    "client = AzureOpenAI(\n",
    '    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],\n',
    '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n',
    '    api_version="2024-10-21",\n',
    ")\n",
    'reply = client.chat.completions.create(model="gpt-4o", messages=[])',
]
# The two code cells of the notebook once migrated with ``chained``.
NOTEBOOK_CHAINED = [
    "import os\n"
    "from openai import AzureOpenAI\n"
    "import functools\n"
    "from azure.identity import (\n"
    "    AzureCliCredential,\n"
    "    ChainedTokenCredential,\n"
    "    ManagedIdentityCredential,\n"
    "    get_bearer_token_provider,\n"
    ")",
    "@functools.cache\n"
    "def _token_provider():\n"
    "    # Built at the first token request, once the program has set up its environment.\n"
    "    credential = ChainedTokenCredential(\n"
    '        ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID")),\n'
    "        AzureCliCredential(),\n"
    "    )\n" + SETUP_TAIL + CLIENT_AFTER.rstrip("\n"),
]


def notebook_json(cells: list[list[str]]) -> str:
    """A notebook as Jupyter writes one: nbformat 4, indent 1, sorted keys."""
    document = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            for source in cells
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def code_cells(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]


def project(root: Path, config: str = "") -> Path:
    """A notebook under notebooks/, a service module under app/, a pyproject.toml."""
    write_tree(
        root,
        {
            "notebooks/explore.ipynb": notebook_json([IMPORTS_CELL, CLIENT_CELL]),
            "app/service.py": SERVICE,
            "pyproject.toml": "[project]\nname = 'x'\nversion = '0'\n"
            "dependencies = ['openai', 'azure-identity>=1.15.0']\n"
            + (f"\n[tool.aoai-migrate]\n{config}" if config else ""),
        },
    )
    return root


def credential_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if ": credential: " in line]


# -- the command line --------------------------------------------------------------------------


def test_a_notebook_gets_chained_and_a_service_the_managed_identity(tmp_path):
    root = project(tmp_path)
    out = cli(["migrate", "."], cwd=root)
    assert out.exit_code == 0, out.stderr
    assert (root / "app/service.py").read_text() == SERVICE_MIGRATED
    assert code_cells(root / "notebooks/explore.ipynb") == NOTEBOOK_CHAINED
    assert credential_lines(out.stdout) == [
        "./app/service.py: credential: managed-identity (default)",
        "./notebooks/explore.ipynb: credential: chained (notebook default)",
    ]
    # Either way the developer's role assignment is in the output: a chained credential signs
    # the developer in on a laptop.
    assert (
        '--assignee-object-id "${DEVELOPER_OBJECT_ID:?set DEVELOPER_OBJECT_ID}" --assignee-principal-type User'
        in (out.stdout)
    )


def test_the_json_report_names_each_files_credential_and_why(tmp_path):
    root = project(tmp_path)
    out = cli(["migrate", ".", "--dry-run", "--format", "json"], cwd=root)
    files = {f["path"]: f["credential"] for f in json.loads(out.stdout)["files"]}
    assert files["app/service.py"] == {"kind": "managed-identity", "why": "default"}
    assert files["notebooks/explore.ipynb"] == {"kind": "chained", "why": "notebook default"}
    assert files["pyproject.toml"] is None  # a project file builds no credential


@pytest.mark.parametrize(
    "args, config, why",
    [
        (["--credential", "managed-identity"], "", "--credential"),
        ([], 'credential = "managed-identity"\n', "credential in pyproject.toml"),
    ],
    ids=["command line", "configuration"],
)
def test_an_explicit_credential_applies_to_notebooks_too(tmp_path, args, config, why):
    root = project(tmp_path, config)
    out = cli(["migrate", ".", *args], cwd=root)
    assert out.exit_code == 0, out.stderr
    cells = code_cells(root / "notebooks/explore.ipynb")
    assert (
        'credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))'
        in (cells[1])
    )
    assert "Chained" not in "".join(cells)
    assert credential_lines(out.stdout) == [
        f"./app/service.py: credential: managed-identity ({why})",
        f"./notebooks/explore.ipynb: credential: managed-identity ({why})",
    ]


def test_an_override_sets_the_credential_for_its_paths_over_the_command_line(tmp_path):
    config = (
        "[[tool.aoai-migrate.overrides]]\n"
        'path = "app/**"\n'
        'credential = "chained"\n'
        "\n"
        "[[tool.aoai-migrate.overrides]]\n"
        'path = ["notebooks/*.ipynb", "scratch/**"]\n'
        "system-assigned = true\n"
    )
    root = project(tmp_path, config)
    out = cli(["migrate", ".", "--credential", "default"], cwd=root)
    assert out.exit_code == 0, out.stderr
    assert (root / "app/service.py").read_text() == SERVICE_CHAINED
    # The notebook: the command line's credential; the override's system-assigned identity is
    # of no use to DefaultAzureCredential, which reads its own environment.
    assert (
        "credential = DefaultAzureCredential()\n" in code_cells(root / "notebooks/explore.ipynb")[1]
    )
    assert credential_lines(out.stdout) == [
        "./app/service.py: credential: chained (override app/** in pyproject.toml)",
        "./notebooks/explore.ipynb: credential: default "
        "(--credential; override notebooks/*.ipynb, scratch/** in pyproject.toml)",
    ]


def test_an_override_can_give_a_notebook_the_managed_identity_back(tmp_path):
    config = '[[tool.aoai-migrate.overrides]]\npath = "*.ipynb"\ncredential = "managed-identity"\n'
    root = project(tmp_path, config)
    out = cli(["migrate", "."], cwd=root)
    assert out.exit_code == 0, out.stderr
    assert "Chained" not in "".join(code_cells(root / "notebooks/explore.ipynb"))
    assert "./notebooks/explore.ipynb: credential: managed-identity (override *.ipynb in " in (
        out.stdout
    )


def test_roles_and_verify_accept_a_file_with_overrides(tmp_path):
    root = project(
        tmp_path, '[[tool.aoai-migrate.overrides]]\npath = "x/**"\ncredential = "default"\n'
    )
    roles = cli(["roles", "."], cwd=root)
    assert roles.exit_code == 0, roles.stderr
    assert "Cognitive Services OpenAI User" in roles.stdout
    assert (root / "app/service.py").read_text() == SERVICE  # roles rewrites nothing
    # verify reads the same file: past the overrides, to its own key's check.
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace("[[tool", "verify-timeout = 0\n\n[[tool")
    )
    verify = cli(["verify", "app/service.py"], cwd=root)
    assert verify.exit_code == 2 and "timeouts must be positive" in verify.stderr


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, words",
    [
        ('path = "a/**"\ncredentail = "chained"\n', ["#1", "'credentail'", "'credential'?"]),
        ('credential = "chained"\n', ["#1", "missing key 'path'"]),
        ('path = "a/**"\ncredential = "chaned"\n', ["credential = 'chaned'", "'chained'?"]),
        ('path = "a/**"\ncredential = 3\n', ["credential = 3", "managed-identity"]),
        ('path = "a/**"\nclient-id-env = "not a name"\n', ["client-id-env", "'not a name'"]),
        ('path = "a/**"\nsystem-assigned = "yes"\n', ["system-assigned", "true or false"]),
        ("path = []\ncredential = 'default'\n", ["path:", "a list of globs"]),
        ("path = [1]\ncredential = 'default'\n", ["path:", "[1]"]),
        ('path = "a/**"\n', ["sets nothing"]),
    ],
)
def test_a_bad_override_is_an_error_that_names_the_file_and_the_key(tmp_path, body, words):
    root = project(tmp_path, "[[tool.aoai-migrate.overrides]]\n" + body)
    out = cli(["migrate", "."], cwd=root)
    assert out.exit_code == 2, out.stdout
    assert f"{root / 'pyproject.toml'}: [[tool.aoai-migrate.overrides]]" in out.stderr
    for word in words:
        assert word in out.stderr
    assert (root / "app/service.py").read_text() == SERVICE  # nothing was touched


def test_overrides_must_be_an_array_of_tables(tmp_path):
    root = project(
        tmp_path, '[tool.aoai-migrate.overrides]\npath = "a/**"\ncredential = "default"\n'
    )
    out = cli(["migrate", "."], cwd=root)
    assert out.exit_code == 2
    assert "[[tool.aoai-migrate.overrides]]: expected an array of tables" in out.stderr


def test_the_second_entry_is_named_when_it_is_the_bad_one(tmp_path):
    with pytest.raises(ConfigError, match=r"^p\.toml: \[\[tool\.aoai-migrate\.overrides\]\] #2: "):
        _overrides(
            [{"path": "a", "credential": "default"}, {"path": "b", "cloud": "china"}],
            "p.toml",
            str(tmp_path),
            "p.toml",
        )


# -- which settings a file gets ----------------------------------------------------------------


def read(entries: list[dict], base: Path) -> tuple[CredentialOverride, ...]:
    return _overrides(entries, str(base / "pyproject.toml"), str(base), "pyproject.toml")


def test_globs_are_anchored_at_the_file_and_a_name_glob_matches_anywhere(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    overrides = read(
        [
            {"path": "notebooks/**", "credential": "chained"},
            {"path": "*_local.py", "credential": "default"},
        ],
        tmp_path / "proj",
    )
    options = MigrationOptions(credential_why="--credential", path_overrides=overrides)
    kind = lambda path: for_path(options, str(path)).credential  # noqa: E731
    assert kind(tmp_path / "proj/notebooks/a/b.py") == "chained"
    assert (
        kind(elsewhere / "notebooks/b.py") == "managed-identity"
    )  # not under the file's directory
    assert kind(tmp_path / "proj/app/run_local.py") == "default"
    assert kind(elsewhere / "run_local.py") == "default"
    assert kind(tmp_path / "proj/app/main.py") == "managed-identity"
    assert for_path(options, str(tmp_path / "proj/app/main.py")).credential_why == "--credential"


def test_a_later_override_wins_key_by_key(tmp_path):
    overrides = read(
        [
            {"path": "svc/**", "credential": "default", "client-id-env": "SVC_ID"},
            {"path": "svc/jobs/**", "credential": "chained"},
            {"path": "svc/**", "system-assigned": True},
        ],
        tmp_path,
    )
    options = MigrationOptions(credential_why="default", path_overrides=overrides)
    job = for_path(options, str(tmp_path / "svc/jobs/nightly.py"))
    assert (job.credential, job.client_id_env, job.system_assigned) == ("chained", "SVC_ID", True)
    assert job.credential_why == (
        "override svc/jobs/** in pyproject.toml; override svc/** in pyproject.toml"
    )
    api_module = for_path(options, str(tmp_path / "svc/api.py"))
    assert (api_module.credential, api_module.client_id_env) == ("default", "SVC_ID")
    assert api_module.credential_why == "override svc/** in pyproject.toml"
    assert for_path(job, str(tmp_path / "elsewhere.py")) is job  # resolved once: final


def test_the_notebook_default_only_when_nobody_chose(tmp_path):
    chosen = MigrationOptions(credential="default")
    assert for_path(chosen, "nb.ipynb") is chosen
    unchosen = MigrationOptions(credential_chosen=False, credential_why="default")
    notebook = for_path(unchosen, str(tmp_path / "nb.ipynb"))
    assert (notebook.credential, notebook.credential_why) == ("chained", "notebook default")
    module = for_path(unchosen, str(tmp_path / "nb.py"))
    assert (module.credential, module.credential_why) == ("managed-identity", "default")


def test_compile_globs_splits_names_from_paths():
    names, paths = compile_globs(["*.ipynb", "/p/notebooks/**"])
    assert names is not None and paths is not None
    assert "ipynb" in names and "notebooks" in paths and "notebooks" not in names


def test_worker_processes_resolve_each_file_as_one_process_does(tmp_path, monkeypatch):
    for n in range(api.PARALLEL_MIN_FILES // 2 + 1):
        (tmp_path / f"nb{n}.ipynb").write_text(notebook_json([IMPORTS_CELL, CLIENT_CELL]))
        (tmp_path / f"svc{n}.py").write_text(SERVICE)
    created = []
    real = api.ProcessPoolExecutor

    class Recording(real):  # type: ignore[misc, valid-type]
        def __init__(self, max_workers=None, **kw):
            created.append(max_workers)
            super().__init__(max_workers=max_workers, **kw)

    monkeypatch.setattr(api, "ProcessPoolExecutor", Recording)
    options = MigrationOptions(credential_chosen=False, credential_why="default")
    report = api.run([str(tmp_path)], options, MODE_DIFF, jobs=2)
    assert created == [2]  # the forked path really ran
    sources = [r for r in report.results if r.kind == "source"]
    assert len(sources) == 2 * (api.PARALLEL_MIN_FILES // 2 + 1)
    for result in sources:
        chained = result.path.endswith(".ipynb")
        assert result.credential == (
            ("chained", "notebook default") if chained else ("managed-identity", "default")
        )
        assert ("ChainedTokenCredential(" in result.diff) is chained


# -- the generated code runs -------------------------------------------------------------------


def test_the_chained_setup_the_tool_writes_builds_its_credential(tmp_path, monkeypatch):
    """The notebook's migrated cells run as they are (no network: building a credential asks
    for no token), and the credential they build is the managed identity, then az login."""
    azure_identity = pytest.importorskip("azure.identity")
    root = project(tmp_path)
    assert cli(["migrate", "."], cwd=root).exit_code == 0
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://example.openai.azure.com")
    monkeypatch.delenv("AZURE_CLIENT_ID", raising=False)
    module = "\n".join(code_cells(root / "notebooks/explore.ipynb")).replace(
        'reply = client.chat.completions.create(model="gpt-4o", messages=[])', ""
    )
    namespace: dict = {}
    exec(compile(module, "explore.ipynb", "exec"), namespace)  # noqa: S102 - code the tool wrote
    namespace["get_bearer_token_provider"] = lambda credential, scope: (credential, scope)
    credential, scope = namespace["_token_provider"]()
    assert isinstance(credential, azure_identity.ChainedTokenCredential)
    assert [type(c).__name__ for c in credential.credentials] == [
        "ManagedIdentityCredential",
        "AzureCliCredential",
    ]
    assert scope == "https://cognitiveservices.azure.com/.default"
    assert namespace["client"]._azure_ad_token_provider is namespace["token_provider"]
