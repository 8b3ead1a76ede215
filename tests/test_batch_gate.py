"""batch as a gate: each repository's own configuration as ``migrate`` reads it, ``--dry-run``,
a table that fits the terminal (or Markdown), and a refused commit named by hook, rule and file.
Real git and, for the refused commit, the real pre-commit running the real ruff."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_batch import APP, BRANCH, PLAIN, branches, git, make_repo, run, show, state
from test_batch import isolated_git as isolated_git  # noqa: F401 - the autouse fixture

from migrator import batch

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="batch needs git")
ROOT = Path(__file__).resolve().parent.parent


def batch_cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migrator", "batch", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


# -- the repository's own configuration ----------------------------------------------------------


@pytest.mark.parametrize(
    "table",
    [
        'extend-exclude = ["legacy"]',
        'exclude = ["legacy/"]',
        'include = ["app.py"]',
    ],
)
def test_the_files_a_repository_leaves_out_stay_out(tmp_path: Path, table: str) -> None:
    repo = make_repo(
        tmp_path / "svc",
        {
            "app.py": APP,
            "legacy/old.py": APP,
            "pyproject.toml": f"[tool.aoai-migrate]\n{table}\n",
        },
    )
    result = run([repo])["svc"]
    assert result.status == batch.MIGRATED_STATUS, result.detail
    assert result.files == ("app.py",)
    assert show(repo, BRANCH, "legacy/old.py").decode() == APP
    assert "get_bearer_token_provider" in show(repo, BRANCH, "app.py").decode()


def test_the_configuration_a_repository_reads_is_the_nearest_as_for_migrate(tmp_path: Path) -> None:
    """include-tests from the repository's file: test code is migrated as migrate would."""
    repo = make_repo(
        tmp_path / "svc",
        {"tests/test_app.py": APP, "pyproject.toml": "[tool.aoai-migrate]\ninclude-tests = true\n"},
    )
    result = run([repo])["svc"]
    assert result.files == ("tests/test_app.py",), result.detail


def test_a_bad_configuration_value_fails_the_repository_and_names_file_and_key(
    tmp_path: Path,
) -> None:
    repo = make_repo(
        tmp_path / "svc",
        {"app.py": APP, "pyproject.toml": '[tool.aoai-migrate]\ncredential = "chaind"\n'},
    )
    before = state(repo)
    result = run([repo])["svc"]
    assert result.status == batch.FAILED and result.problem
    assert "pyproject.toml: [tool.aoai-migrate] unknown credential 'chaind'" in result.detail
    assert "aoai-migrate-" not in result.detail  # no temporary checkout path
    assert branches(repo) == ["main"] and state(repo) == before


# -- --dry-run ---------------------------------------------------------------------------------------


def test_dry_run_says_what_each_repository_would_get_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    repos = [
        make_repo(root / "svc", {"app.py": APP}),
        make_repo(root / "tools", {"util.py": PLAIN}),
    ]
    before = [state(r) for r in repos]
    objects = [git(r, "count-objects", "-v") for r in repos]
    proc = batch_cli(str(root), "--dry-run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    svc = next(line for line in proc.stdout.splitlines() if line.startswith(str(repos[0])))
    assert "would-migrate" in svc and BRANCH in svc
    assert "2 repositories: 1 would-migrate, 1 nothing-to-migrate" in proc.stdout
    assert [state(r) for r in repos] == before
    assert [git(r, "count-objects", "-v") for r in repos] == objects
    assert [branches(r) for r in repos] == [["main"], ["main"]]
    # The same command without --dry-run then does it.
    assert batch_cli(str(root), cwd=tmp_path).returncode == 0
    assert branches(repos[0]) == [BRANCH, "main"]


def test_dry_run_does_not_go_with_reset_or_patch_dir(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "svc", {"app.py": APP})
    for extra in (["--reset"], ["--patch-dir", str(tmp_path / "p")]):
        proc = batch_cli(str(repo), "--dry-run", *extra, cwd=tmp_path)
        assert (
            proc.returncode == 2 and "--dry-run writes nothing; it does not go with" in proc.stderr
        )
    assert branches(repo) == ["main"] and not (tmp_path / "p").exists()


# -- the table ---------------------------------------------------------------------------------------


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    root = tmp_path / "fleet"
    make_repo(root / "svc", {"app.py": APP})
    make_repo(root / "a-repository-with-a-rather-long-name", {"chat.py": APP})
    dirty = make_repo(root / "dirty", {"chat.py": APP})
    (dirty / "chat.py").write_text(APP + "# work in progress\n")
    return root


def _table(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    return lines[: next(i for i, line in enumerate(lines) if re.match(r"\d+ repositor", line))]


def test_the_table_fits_the_terminal_width_and_keeps_every_word(mixed: Path) -> None:
    wide = batch_cli(str(mixed), "--dry-run", cwd=mixed, COLUMNS="400").stdout
    narrow = batch_cli(str(mixed), "--dry-run", cwd=mixed, COLUMNS="100").stdout
    assert max(len(line) for line in _table(wide)) > 100
    assert max(len(line) for line in _table(narrow)) <= 100

    # Wrapped, not cut: every character of the wide table is in the narrow one.
    def characters(lines: list[str]) -> list[str]:
        return sorted(
            "".join(line for line in lines if not line.startswith("---")).replace(" ", "")
        )

    assert characters(_table(wide)) == characters(_table(narrow))


def _cells(row: str) -> list[str]:
    assert row.startswith("| ") and row.endswith(" |"), row
    return [c.strip() for c in re.split(r"(?<!\\)\|", row[1:-1])]


def test_format_markdown_is_a_table_with_one_row_per_repository(mixed: Path) -> None:
    proc = batch_cli(str(mixed), "--dry-run", "--format", "markdown", cwd=mixed, COLUMNS="60")
    assert proc.returncode == 3, proc.stderr  # the dirty repository
    rows = _table(proc.stdout)
    header, rule, *body = rows
    assert _cells(header)[:3] == ["Repository", "Branch / patch", "Files"]
    assert set(_cells(rule)) == {"---"}
    assert len(body) == 3
    assert {len(_cells(r)) for r in rows} == {len(_cells(header))}
    dirty = next(_cells(r) for r in body if _cells(r)[0].endswith("dirty"))
    assert dirty[-2] == "dirty" and "uncommitted changes (chat.py)" in dirty[-1]
    assert batch_cli(str(mixed), "--format", "html", cwd=mixed).returncode == 2


# -- a commit the repository's hooks refuse ----------------------------------------------------------

LINTED = "import sys\n" + APP  # `sys` is unused: the repository's ruff hook refuses the file

PRE_COMMIT_CONFIG = """\
repos:
  - repo: local
    hooks:
      - id: ruff
        name: ruff
        entry: {python} -m ruff check --no-cache --isolated --select F401
        language: system
        types: [python]
"""


def test_a_commit_refused_by_a_pre_commit_hook_names_the_hook_the_rule_and_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(
        tmp_path / "svc",
        {
            "chat.py": LINTED,
            ".pre-commit-config.yaml": PRE_COMMIT_CONFIG.format(python=sys.executable),
        },
    )
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=repo, check=True, capture_output=True
    )
    before = state(repo)
    result = run([repo])["svc"]
    assert result.status == batch.FAILED
    assert result.detail.startswith(
        "the commit was refused by hook ruff (pre-commit): F401 in chat.py:1"
    ), result.detail
    assert branches(repo) == ["main"] and state(repo) == before


@pytest.mark.parametrize(
    ("output", "said"),
    [
        # flake8, and ruff's concise output
        ("flake8...Failed\n- hook id: flake8\n\nchat.py:3:1: E302 expected 2 blank lines\n",
         "hook flake8 (pre-commit): E302 in chat.py:3 (expected 2 blank lines)"),
        # mypy: the code comes last, in brackets
        ("mypy...Failed\n- hook id: mypy\n\nchat.py:7: error: Name \"x\" is not defined  "
         "[name-defined]\nFound 1 error in 1 file\n",
         'hook mypy (pre-commit): name-defined in chat.py:7 (Name "x" is not defined)'),
        # a hook that rewrote a file
        ("trim trailing whitespace...Failed\n- hook id: trailing-whitespace\n- exit code: 1\n"
         "- files were modified by this hook\n\nFixing chat.py\n",
         "hook trailing-whitespace (pre-commit): files modified by the hook in chat.py"),
    ],
)  # fmt: skip
def test_refusals_in_the_shapes_hooks_print(output: str, said: str) -> None:
    from migrator.batch_refusal import refusal

    detail = refusal(output, ("chat.py",), None, "git commit exited with 1")
    assert detail == f"the commit was refused by {said}; git commit exited with 1"


def test_a_refusal_names_a_file_of_the_commit_before_others() -> None:
    from migrator.batch_refusal import refusal

    output = "other.py:1:1: F401 unused\nchat.py:2:1: F811 redefined\n"
    detail = refusal(output, ("chat.py",), None, "git commit exited with 1")
    assert detail.startswith("the commit was refused by F811 in chat.py:2 (redefined) and 1 more;")
