"""The pre-commit hooks, run by the real pre-commit (``try-repo``) in a throwaway git repository.

pre-commit installs the hook repository into its own virtual environment (``pip install .``), so
this is the package as users get it. The hook repository is a snapshot of this working tree
committed to a temporary git repository, so try-repo uses it as it is now. try-repo installs the
package afresh on every call, so the suite calls it once, for both hooks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "migrator", "codemods")

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")

KEYED = (
    "import os\n"
    "from openai import AzureOpenAI\n"
    "\n"
    'client = AzureOpenAI(azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"], api_key=os.environ["AZURE_OPENAI_API_KEY"])\n'
)


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in PACKAGE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            shutil.copy2(source, repo / name)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "snapshot", cwd=repo)
    return repo


def target_repo(root: Path) -> Path:
    git("init", "-q", cwd=root)
    (root / "app.py").write_text(KEYED)
    (root / "legacy").mkdir()
    (root / "legacy" / "old.py").write_text(KEYED)
    (root / "plain.py").write_text("print('hello')\n")
    (root / "pyproject.toml").write_text('[tool.aoai-migrate]\nextend-exclude = ["legacy"]\n')
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "start", cwd=root)
    return root


def try_repo(
    hook_repo: Path, home: Path, cwd: Path, *hook: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("PRE_COMMIT", None)
    return subprocess.run(  # noqa: PLW1510 - the exit code is what is tested
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), *hook, "--all-files"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def both_hooks(hook_repo, tmp_path_factory):
    """One try-repo run of every hook in the manifest (pre-commit installs the package once per
    try-repo): ``aoai-migrate`` first, then ``aoai-migrate-check`` on what it left."""
    target = target_repo(tmp_path_factory.mktemp("target"))
    result = try_repo(hook_repo, tmp_path_factory.mktemp("pre-commit-home"), target)
    return target, result


def section(output: str, hook_id: str) -> str:
    """The lines pre-commit printed for one hook: from its status line to the next hook's."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if f"- hook id: {hook_id}" in line) - 1
    end = next((i for i in range(start + 2, len(lines)) if "- hook id:" in lines[i]), len(lines))
    return "\n".join(lines[start : end - 1 if end < len(lines) else end])


def test_migrate_hook_rewrites_the_named_files_except_the_excluded_ones(both_hooks):
    target, result = both_hooks
    assert result.returncode == 1, (
        result.stdout + result.stderr
    )  # pre-commit fails a hook that modified files
    migrate = section(result.stdout, "aoai-migrate")
    assert migrate.startswith("aoai-migrate (API keys to Entra ID tokens)") and "Failed" in migrate
    assert "files were modified by this hook" in migrate
    assert "app.py:4:10: migrated: openai.AzureOpenAI" in migrate
    migrated = (target / "app.py").read_text()
    assert "azure_ad_token_provider=token_provider" in migrated and "api_key" not in migrated
    # pre-commit names legacy/old.py too, but [tool.aoai-migrate] excludes it (--force-exclude).
    assert "legacy/old.py" not in result.stdout
    assert (target / "legacy" / "old.py").read_text() == KEYED


def test_check_hook_passes_once_the_code_is_migrated(both_hooks):
    _, result = both_hooks
    lines = [line for line in result.stdout.splitlines() if line.startswith("aoai-migrate check")]
    assert len(lines) == 1 and lines[0].endswith("Passed"), result.stdout


def test_check_hook_command_fails_on_key_based_code_and_changes_nothing(tmp_path):
    """The check hook's own command line, as pre-commit runs it: file names appended."""
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    entry = hooks["aoai-migrate-check"]["entry"].split()
    assert entry[0] == "aoai-migrate"
    target = target_repo(tmp_path)
    result = subprocess.run(  # noqa: PLW1510 - the exit code is what is tested
        [sys.executable, "-m", "migrator", *entry[1:], "app.py", "legacy/old.py", "plain.py"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 file would be migrated, 1 left unchanged" in result.stdout
    assert (target / "app.py").read_text() == KEYED


def test_hook_definitions():
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"aoai-migrate", "aoai-migrate-check"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "jupyter"]
        assert hook["require_serial"] is True
        assert "--force-exclude" in hook["entry"].split()
    assert "--check" in hooks["aoai-migrate-check"]["entry"].split()
    assert "--check" not in hooks["aoai-migrate"]["entry"].split()
