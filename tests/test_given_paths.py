"""A run edits only the dependency files it was given (named, or under a named directory);
``--edit-dependency-files`` (or ``edit-dependency-files = true``) edits the others too."""

from __future__ import annotations

from pathlib import Path

from clitools import cli

from codemods.findings import Notice
from migrator.given_paths import edits_as_findings, is_given

KEYED = (
    "import os\n"
    "from openai import AzureOpenAI\n"
    "\n"
    'client = AzureOpenAI(azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"], '
    'api_key=os.environ["AZURE_OPENAI_API_KEY"])\n'
)
REQUIREMENTS = "flask\nopenai>=1.0\n"
ADDED = "azure-identity>=1.15.0"


def project(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)
    (root / "app.py").write_text(KEYED)
    (root / "requirements.txt").write_text(REQUIREMENTS)
    return root


def test_a_named_file_leaves_the_dependency_file_and_says_the_line_to_add(tmp_path):
    root = project(tmp_path)
    out = cli(["migrate", "app.py"], cwd=root)
    assert out.exit_code == 0, out.stderr
    assert (root / "requirements.txt").read_text() == REQUIREMENTS
    assert "api_key" not in (root / "app.py").read_text()
    assert (
        "requirements.txt:2:1: warning: dependency-not-edited: requirements.txt was not given on "
        f"the command line, so it was not edited: add `{ADDED}` after line 2; "
        "or run again with --edit-dependency-files"
    ) in out.stdout
    assert "dependency-added" not in out.stdout  # nothing claims an edit that was not made


def test_a_named_directory_holds_its_dependency_file(tmp_path):
    root = project(tmp_path)
    out = cli(["migrate", "."], cwd=root)
    assert out.exit_code == 0, out.stderr
    assert (root / "requirements.txt").read_text() == REQUIREMENTS + ADDED + "\n"
    assert "dependency-not-edited" not in out.stdout


def test_the_flag_and_the_config_key_edit_it(tmp_path):
    root = project(tmp_path / "flag")
    assert cli(["migrate", "app.py", "--edit-dependency-files"], cwd=root).exit_code == 0
    assert (root / "requirements.txt").read_text() == REQUIREMENTS + ADDED + "\n"

    root = project(tmp_path / "config")
    (root / "pyproject.toml").write_text("[tool.aoai-migrate]\nedit-dependency-files = true\n")
    out = cli(["migrate", "app.py"], cwd=root)
    assert out.exit_code == 0, out.stderr
    assert (root / "requirements.txt").read_text() == REQUIREMENTS + ADDED + "\n"


def test_is_given():
    assert is_given(Path("/r/requirements.txt"), [Path("/r/requirements.txt")])
    assert not is_given(Path("/r/requirements.txt"), [Path("/r/app.py")])


def test_a_changed_line_and_a_removed_line_are_said_exactly():
    old = b'[project]\ndependencies = ["openai>=1.0"]\nx = 1\n'
    new = b'[project]\ndependencies = ["openai>=1.106", "azure-identity>=1.15.0"]\n'
    kept = Notice(1, 0, "dependency-pinned", "by hand", "warning")
    done = Notice(2, 0, "dependency-raised", "raised", "info")
    found = edits_as_findings("pyproject.toml", old, new, [kept, done])
    assert found[0] is kept and done not in found
    [change] = found[1:]
    assert change.line == 2 and change.rule == "dependency-not-edited"
    assert (
        'change lines 2-3 to `dependencies = ["openai>=1.106", "azure-identity>=1.15.0"]`'
        in change.message
    )
