"""The check hook ("no API keys left"), run by the real pre-commit on a repository where nothing
would be rewritten but a client needs manual work: the hook fails, and a client left on purpose
with a suppression comment does not make it fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from test_precommit import git, hook_repo  # noqa: F401 - hook_repo is a fixture used here

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")

MANUAL = (
    "from openai import AzureOpenAI\n"
    "\n"
    'client = AzureOpenAI(**{**SETTINGS, "api_version": "2024-10-21"})\n'
)
ACCEPTED = (
    "from openai import AzureOpenAI\n"
    "\n"
    'client = AzureOpenAI(**{**SETTINGS, "api_version": "2024-10-21"})  # aoai-migrate: ignore\n'
)


def test_check_hook_fails_on_manual_work_and_honours_suppressions(hook_repo, tmp_path):  # noqa: F811
    target = tmp_path / "target"
    target.mkdir()
    git("init", "-q", cwd=target)
    (target / "manual.py").write_text(MANUAL)
    (target / "accepted.py").write_text(ACCEPTED)
    (target / "requirements.txt").write_text("openai>=1.106\nazure-identity>=1.15.0\n")
    git("add", "-A", cwd=target)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
    }
    env.pop("PRE_COMMIT", None)
    result = subprocess.run(  # noqa: PLW1510 - the exit code is what is tested
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(hook_repo),
            "aoai-migrate-check",
            "--files",
            "manual.py",
            "accepted.py",
        ],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    status = [line for line in result.stdout.splitlines() if line.startswith("aoai-migrate check")]
    assert len(status) == 1 and status[0].endswith("Failed"), output
    assert "manual.py:3:10: needs manual work" in result.stdout, output
    assert "accepted.py" not in result.stdout, output
    assert (target / "manual.py").read_text() == MANUAL
    assert (target / "accepted.py").read_text() == ACCEPTED
