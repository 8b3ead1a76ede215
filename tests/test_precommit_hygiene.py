"""The hooks under ``pre-commit run`` (the real pre-commit, in a throwaway git repository): a hook
changes only the files pre-commit gives it, and one invocation prints one report.

The target repository's ``.pre-commit-config.yaml`` names the hook repository of
``test_precommit`` (a snapshot of this working tree) at its commit; every test shares one
``PRE_COMMIT_HOME``, so pre-commit installs the package once for the module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_precommit import KEYED, git, hook_repo  # noqa: F401 - hook_repo is a fixture

REQUIREMENTS = "openai>=1.0\n"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def configured_repo(root: Path, hooks: Path) -> Path:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hooks, check=True, capture_output=True, text=True
    ).stdout.strip()
    git("init", "-q", cwd=root)
    (root / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hooks.as_posix()}\n"
        f"    rev: {head}\n"
        "    hooks:\n"
        "      - id: aoai-migrate\n"
        "      - id: aoai-migrate-check\n"
    )
    (root / "requirements.txt").write_text(REQUIREMENTS)
    (root / "plain.py").write_text("print('hello')\n")
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "start", cwd=root)
    return root


def pre_commit(
    root: Path, home: Path, *args: str, concurrency: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    for name in ("PRE_COMMIT", "PRE_COMMIT_NO_CONCURRENCY", "TRAVIS"):
        env.pop(name, None)
    if concurrency:
        # pre-commit runs a hook that is not require_serial in as many processes as it has CPUs
        # (two under TRAVIS): set so the test does not depend on the machine's CPU count.
        env["TRAVIS"] = "true"
    return subprocess.run(  # noqa: PLW1510 - the exit code is what is tested
        [sys.executable, "-m", "pre_commit", "run", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_fix_hook_edits_only_the_staged_file_and_says_which_line_to_add(
    hook_repo,  # noqa: F811 - the fixture imported above
    home,
    tmp_path,
):
    root = configured_repo(tmp_path, hook_repo)
    (root / "app.py").write_text(KEYED)
    git("add", "app.py", cwd=root)
    # Unstaged: a dependency change of the user's own, and key-based code not in this commit.
    (root / "requirements.txt").write_text(REQUIREMENTS + "flask\n")
    (root / "plain.py").write_text(KEYED)
    result = pre_commit(root, home, "aoai-migrate")
    out = result.stdout + result.stderr
    assert result.returncode == 1, out  # the hook modified app.py
    assert "files were modified by this hook" in out
    assert "Rolling back fixes" not in out, out  # no edit collided with the unstaged changes
    assert "azure_ad_token_provider=token_provider" in (root / "app.py").read_text()
    # The files pre-commit did not give the hook are as the user left them.
    assert (root / "requirements.txt").read_text() == REQUIREMENTS + "flask\n"
    assert (root / "plain.py").read_text() == KEYED
    assert (
        "requirements.txt:1:1: warning: dependency-not-edited: requirements.txt was not given on "
        "the command line, so it was not edited: add `azure-identity>=1.15.0` after line 1; "
        "or run again with --edit-dependency-files"
    ) in out
    assert out.count("1 file migrated, 0 left unchanged") == 1, out


def test_check_hook_fails_on_the_staged_file_and_changes_nothing(
    hook_repo,  # noqa: F811 - the fixture imported above
    home,
    tmp_path,
):
    root = configured_repo(tmp_path, hook_repo)
    (root / "app.py").write_text(KEYED)
    git("add", "app.py", cwd=root)
    result = pre_commit(root, home, "aoai-migrate-check")
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "1 file would be migrated, 0 left unchanged" in out
    assert "dependency-not-edited" in out and "after line 1" in out
    assert (root / "app.py").read_text() == KEYED
    assert (root / "requirements.txt").read_text() == REQUIREMENTS


def test_all_files_prints_one_report_per_hook(
    hook_repo,  # noqa: F811 - the fixture imported above
    home,
    tmp_path,
):
    root = configured_repo(tmp_path, hook_repo)
    for n in range(10):
        (root / f"service_{n}.py").write_text(KEYED)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "services", cwd=root)

    check = pre_commit(root, home, "aoai-migrate-check", "--all-files", concurrency=True)
    out = check.stdout + check.stderr
    assert check.returncode == 1, out
    assert out.count("would be migrated") == 1, out
    assert "10 files would be migrated, 1 left unchanged" in out
    # A check prints no role script (only writing, or --roles, does).
    assert out.count("Role assignments the keyless code needs:") == 0, out
    assert out.count("dependency-not-edited") == 1, out

    fix = pre_commit(root, home, "aoai-migrate", "--all-files", concurrency=True)
    out = fix.stdout + fix.stderr
    assert fix.returncode == 1, out
    assert out.count("files migrated") == 1 and "10 files migrated, 1 left unchanged" in out, out
    assert out.count("Role assignments the keyless code needs:") == 1, out
    assert (root / "requirements.txt").read_text() == REQUIREMENTS
    assert all("api_key" not in (root / f"service_{n}.py").read_text() for n in range(10))
