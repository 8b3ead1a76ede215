"""``aoai-migrate --dry-run > k.patch; git apply k.patch`` for a tree with a notebook: the
notebook's change is a unified diff of the ``.ipynb`` file's bytes, so the real ``git apply``
takes the whole output and gives what an in-place run writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_notebooks import code_cell, jupyter, notebook

from codemods.options import MigrationOptions
from migrator.engine import CHANGED, MODE_DIFF
from migrator.notebooks import analyse_notebook

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "fixtures" / "repo_project"
EXPECTED = ROOT / "fixtures" / "repo_project_expected"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: PLW1510 - the exit code is what is tested
        ["git", "-c", "core.autocrlf=false", *args], cwd=cwd, capture_output=True, text=True
    )


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts[:1]
    }


def test_the_dry_run_output_of_a_tree_with_a_notebook_applies_with_git(tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(PROJECT, repo)
    assert git("init", "-q", cwd=repo).returncode == 0
    dry = subprocess.run(
        [sys.executable, "-m", "migrator", "--dry-run", "."],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=180,
    )
    assert dry.returncode == 0, dry.stderr
    patch = tmp_path / "k.patch"
    patch.write_bytes(dry.stdout)
    assert b"--- a/notebooks/ask.ipynb\n+++ b/notebooks/ask.ipynb\n" in dry.stdout
    check = git("apply", "--check", str(patch), cwd=repo)
    assert check.returncode == 0, check.stderr
    assert git("apply", str(patch), cwd=repo).returncode == 0
    # The patch gives exactly what the in-place run writes (checked in under *_expected).
    assert tree(repo) == tree(EXPECTED)


def test_a_key_is_masked_in_a_notebook_diff_as_its_json_writes_it(tmp_path: Path):
    key = 'fake0key"0with0a0quote0123'
    cell = [
        "from openai import AzureOpenAI\n",
        f"client = AzureOpenAI(azure_endpoint=\"https://x.openai.azure.com\", api_key='{key}')\n",
    ]
    path = tmp_path / "k.ipynb"
    path.write_bytes(jupyter(notebook(code_cell(cell))))
    assert json.dumps(key)[1:-1].encode() in path.read_bytes()
    result = analyse_notebook(str(path), MigrationOptions(), MODE_DIFF)
    assert result.status == CHANGED
    assert "<masked, " in result.diff
    assert "0with0a0quote" not in result.diff
