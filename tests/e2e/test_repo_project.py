"""A small real-looking repository migrated end to end: code, a notebook, dependency files, key configuration.

The expected result of every file is checked in under ``fixtures/repo_project_expected`` and
compared byte for byte (``fixtures/.gitattributes`` keeps git from touching line endings).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.e2e.loopback import (
    COGNITIVE_SERVICES_RESOURCE,
    AzureOpenAIEndpoint,
    IdentityEndpoint,
    run_program,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PROJECT = FIXTURES / "repo_project"
EXPECTED = FIXTURES / "repo_project_expected"
FAKE_KEY = (
    "fake0key0for0tests0only0123456789ab"  # the value in the fixture's .env and local.settings.json
)
CLIENT_ID = "00000000-0000-4000-8000-0000000000e5"


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def migrate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migrator", ".", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )


def copy(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(PROJECT, repo)
    return repo


def test_the_repository_is_migrated_byte_for_byte(tmp_path: Path):
    repo = copy(tmp_path)
    run = migrate(repo)
    assert run.returncode == 0, run.stdout + run.stderr
    assert tree(repo) == tree(EXPECTED)
    out = run.stdout
    assert FAKE_KEY not in out + run.stderr
    for line in [
        "./notebooks/ask.ipynb:cell 5:2:10: migrated: openai.AzureOpenAI",
        "./app/service.py:9:10: migrated: openai.AsyncAzureOpenAI",
        "./summarizer/summarizer/job.py:7:10: migrated: openai.OpenAI",
        "./app/settings.py:6:1: info: key-variable-removed: `AZURE_OPENAI_API_KEY`",
        "./app/settings.py:9:1: info: key-guard-removed: `if not AZURE_OPENAI_API_KEY:`",
        "./.env:3:1: warning: key-config: AZURE_OPENAI_API_KEY is set here (value not shown)",
        "./functions/local.settings.json:7:6: warning: key-config: AZURE_OPENAI_API_KEY",
        "./.github/workflows/deploy.yml:16:37: warning: key-config: the workflow hands the repository secret "
        "AZURE_OPENAI_API_KEY",
        "./infra/main.bicep:27:48: warning: key-config: reads the keys of openai with listKeys()",
        "./infra/main.bicep:34:27: warning: key-config: this output exposes the keys of openai",
        "./requirements.txt:3:1: info: dependency-added: added azure-identity",
        "./pyproject.toml:11:1: info: dependency-added: added azure-identity",
        './summarizer/pyproject.toml:9:1: info: dependency-raised: raised openai = "^1.30" to ^1.106.0',
        "#   notebooks/ask.ipynb:cell 7:2 chat.completions.create",
        "4 files migrated, 2 left unchanged, 3 dependency files updated",
    ]:
        assert line in out, line
    # The async service's provider uses the sync credential: nothing needs aiohttp.
    assert "added aiohttp" not in out

    # A second run finds nothing left to change.
    again = migrate(repo, "--check")
    assert again.returncode == 0, again.stdout
    assert "0 files would be migrated" in again.stdout
    assert tree(repo) == tree(EXPECTED)


def test_dry_run_and_check_write_nothing(tmp_path: Path):
    repo = copy(tmp_path)
    check = migrate(repo, "--check")
    assert check.returncode == 1
    assert (
        "4 files would be migrated, 2 left unchanged, 3 dependency files would be updated"
        in check.stdout
    )
    dry = migrate(repo, "--dry-run")
    assert dry.returncode == 0
    assert tree(repo) == tree(PROJECT)
    patch = dry.stdout
    assert "--- a/notebooks/ask.ipynb\n+++ b/notebooks/ask.ipynb\n" in patch
    assert "--- a/requirements.txt\n+++ b/requirements.txt\n" in patch
    assert (
        '-openai = "^1.30"  # the v1 endpoint client\n+openai = "^1.106.0"  # the v1 endpoint client\n'
        in patch
    )
    assert FAKE_KEY not in patch + dry.stderr


# -- the notebook, run as a program before and after ---------------------------------------------------


def notebook_program(path: Path) -> str:
    """The notebook's code cells, top to bottom, without IPython lines (what a kernel would run as Python)."""
    lines: list[str] = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]).splitlines()
        if source and source[0].startswith("%%"):
            source = source[1:]
        lines += [
            line
            for line in source
            if not line.strip().startswith(("%", "!")) and not line.rstrip().endswith("?")
        ]
    return "\n".join(lines) + "\n"


def test_the_migrated_notebook_sends_a_token_and_no_key(tmp_path: Path):
    notebook = tmp_path / "ask.ipynb"
    shutil.copyfile(PROJECT / "notebooks" / "ask.ipynb", notebook)
    # The project's settings (its line length) shape the generated code as in the project.
    shutil.copyfile(PROJECT / "pyproject.toml", tmp_path / "pyproject.toml")
    program = tmp_path / "ask.py"

    program.write_text(notebook_program(notebook), encoding="utf-8")
    with AzureOpenAIEndpoint(api_keys=[FAKE_KEY]) as aoai:
        before = run_program(
            program, {"AZURE_OPENAI_ENDPOINT": aoai.url, "AZURE_OPENAI_API_KEY": FAKE_KEY}
        )
        assert before.returncode == 0, before.stderr
        assert aoai.auth_headers_seen() == [("api-key", FAKE_KEY)]

    run = subprocess.run(
        [sys.executable, "-m", "migrator", str(notebook)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert notebook.read_bytes() == (EXPECTED / "notebooks" / "ask.ipynb").read_bytes()

    program.write_text(notebook_program(notebook), encoding="utf-8")
    with IdentityEndpoint() as identity:
        token = identity.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        with AzureOpenAIEndpoint(tokens=[token]) as aoai:
            env = {
                "AZURE_OPENAI_ENDPOINT": aoai.url,
                "AZURE_CLIENT_ID": CLIENT_ID,
                **identity.env(),
            }
            after = run_program(program, env)
            assert after.returncode == 0, after.stderr
            assert after.stdout.startswith("echo: Say hello in French")
            [request] = aoai.requests
            assert (request.method, request.path) == (
                "POST",
                "/openai/deployments/gpt-4o-mini/chat/completions",
            )
            assert aoai.auth_headers_seen() == [("bearer", token)]
            assert "api-key" not in request.headers
        assert identity.resources_requested() == [COGNITIVE_SERVICES_RESOURCE]
        assert identity.client_ids_requested() == [CLIENT_ID]
