"""[tool.aoai-migrate] in pyproject.toml: where it is found, what it sets, what wins."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import typer
from clitools import cli, write_tree

from migrator.cli import app as cli_app
from migrator.config import find_config, valid_keys
from migrator.discovery import DEFAULT_EXCLUDE

KEYED = (
    "import os\n"
    "from openai import AzureOpenAI\n"
    'client = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", api_key=os.environ["K"])\n'
)


def pyproject(directory: Path, body: str, table: bool = True) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "pyproject.toml"
    header = "[project]\nname = 'x'\nversion = '0'\n\n"
    path.write_text(header + ("[tool.aoai-migrate]\n" if table else "[tool.black]\n") + body)
    return path


def dry_run(cwd: Path, *args: str):
    return cli(["migrate", *args, "--dry-run"], cwd=cwd)


def test_nearest_pyproject_with_the_table_wins(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    pyproject(tmp_path, 'credential = "default"\n')
    pyproject(tmp_path / "svc", 'cloud = "usgov"\n')
    pyproject(tmp_path / "svc" / "app", "line-length = 88\n", table=False)  # no table: passed over
    write_tree(tmp_path / "svc" / "app", {"main.py": KEYED})
    assert find_config([str(tmp_path / "svc" / "app" / "main.py")]) == str(
        tmp_path / "svc" / "pyproject.toml"
    )

    out = dry_run(tmp_path, "svc/app/main.py")
    assert out.exit_code == 0, out.stderr
    assert "https://cognitiveservices.azure.us/.default" in out.stdout
    # Only the nearest file counts: the root's credential = "default" is not merged in.
    assert "ManagedIdentityCredential" in out.stdout and "DefaultAzureCredential" not in out.stdout


def test_search_stops_at_the_repository_root(tmp_path):
    pyproject(tmp_path, 'credential = "default"\n')  # above the repository: not ours
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write_tree(repo, {"main.py": KEYED})
    assert find_config([str(repo / "main.py")]) is None
    out = dry_run(repo, "main.py")
    assert "ManagedIdentityCredential" in out.stdout


def test_command_line_wins_over_the_file(tmp_path):
    pyproject(tmp_path, 'credential = "default"\ncloud = "china"\nformat = "json"\n')
    write_tree(tmp_path, {"main.py": KEYED})
    from_file = cli(["migrate", "main.py", "--dry-run"], cwd=tmp_path)
    doc = json.loads(from_file.stdout)  # format = "json" from the file
    diff = {f["path"]: f["diff"] for f in doc["files"]}["main.py"]
    assert "DefaultAzureCredential()" in diff and "cognitiveservices.azure.cn" in diff

    out = cli(
        ["migrate", "main.py", "--dry-run", "--credential", "chained", "--format", "text"],
        cwd=tmp_path,
    )
    assert "ChainedTokenCredential(" in out.stdout and "DefaultAzureCredential" not in out.stdout
    assert (
        "cognitiveservices.azure.cn" in out.stdout
    )  # what the command line did not set still comes from the file


def test_boolean_options_both_ways(tmp_path):
    pyproject(tmp_path, "include-generated = true\nsystem-assigned = true\n")
    write_tree(tmp_path, {"gen.py": "# @generated\n" + KEYED})
    out = dry_run(tmp_path, ".")
    assert "ManagedIdentityCredential()" in out.stdout  # system-assigned, from the file
    assert "+++ b/gen.py" in out.stdout  # include-generated, from the file
    off = dry_run(tmp_path, ".", "--no-include-generated")
    assert off.stdout == "" and "1 skipped" in off.stderr


def test_unknown_key_is_an_error_that_names_it(tmp_path):
    pyproject(tmp_path, 'credential = "default"\nexclude-dirs = ["x"]\n')
    write_tree(tmp_path, {"main.py": KEYED})
    out = cli(["migrate", "."], cwd=tmp_path)
    assert out.exit_code == 2
    assert "unknown key 'exclude-dirs'" in out.stderr and "pyproject.toml" in out.stderr
    assert (tmp_path / "main.py").read_text() == KEYED  # nothing was touched


@pytest.mark.parametrize(
    "body, words",
    [
        ('jobs = "four"\n', ["jobs", "four"]),
        ("jobs = 0\n", ["jobs"]),
        ('exclude = "build"\n', ["exclude", "list of strings"]),
        ('include-generated = "yes"\n', ["include-generated", "true or false"]),
        ('format = "xml"\n', ["format", "xml"]),
        ('credential = "password"\n', ["credential", "password"]),
        ("[tool.aoai-migrate.extra]\n", ["extra"]),
    ],
)
def test_bad_values_are_errors(tmp_path, body, words):
    pyproject(tmp_path, body)
    write_tree(tmp_path, {"main.py": KEYED})
    out = cli(["migrate", "."], cwd=tmp_path)
    assert out.exit_code == 2, out.stdout
    for word in words:
        assert word in out.stderr
    assert (tmp_path / "main.py").read_text() == KEYED


def test_invalid_toml_is_an_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.aoai-migrate\ncredential = 1\n")
    write_tree(tmp_path, {"main.py": KEYED})
    out = cli(["migrate", "."], cwd=tmp_path)
    assert out.exit_code == 2 and "not valid TOML" in out.stderr


def test_globs_in_the_file_are_anchored_at_the_file(tmp_path):
    project = tmp_path / "project"
    pyproject(project, 'extend-exclude = ["legacy/*.py", "scratch_*.py"]\n')
    write_tree(
        project,
        {
            "legacy/old.py": KEYED,
            "src/legacy/new.py": KEYED,
            "scratch_1.py": KEYED,
            "app.py": KEYED,
        },
    )
    out = cli(
        ["migrate", "project", "--check", "--format", "json"], cwd=tmp_path
    )  # run from elsewhere
    files = sorted(f["path"] for f in json.loads(out.stdout)["files"] if f["kind"] == "source")
    assert files == ["project/app.py", "project/src/legacy/new.py"]
    # --extend-exclude on the command line adds to the file's list.
    more = cli(
        ["migrate", "project", "--check", "--format", "json", "--extend-exclude", "src"],
        cwd=tmp_path,
    )
    assert [f["path"] for f in json.loads(more.stdout)["files"] if f["kind"] == "source"] == [
        "project/app.py"
    ]


def test_exclude_from_the_file_replaces_the_defaults_and_applies_to_named_files_with_force_exclude(
    tmp_path,
):
    pyproject(tmp_path, 'exclude = ["vendored"]\nforce-exclude = true\n')
    write_tree(tmp_path, {"build/gen.py": KEYED, "vendored/lib.py": KEYED, "app.py": KEYED})
    out = cli(["migrate", ".", "--check", "--format", "json"], cwd=tmp_path)
    assert sorted(f["path"] for f in json.loads(out.stdout)["files"] if f["kind"] == "source") == [
        "app.py",
        "build/gen.py",
    ]
    named = cli(
        ["migrate", "vendored/lib.py", "app.py", "--check", "--format", "json"], cwd=tmp_path
    )
    assert [f["path"] for f in json.loads(named.stdout)["files"] if f["kind"] == "source"] == [
        "app.py"
    ]


def test_an_empty_exclude_list_excludes_nothing(tmp_path):
    pyproject(tmp_path, "exclude = []\n")
    write_tree(tmp_path, {"build/gen.py": KEYED, "app.py": KEYED})
    out = cli(["migrate", ".", "--check", "--format", "json"], cwd=tmp_path)
    assert sorted(f["path"] for f in json.loads(out.stdout)["files"] if f["kind"] == "source") == [
        "app.py",
        "build/gen.py",
    ]


def test_explicit_config_file(tmp_path):
    config = tmp_path / "ci.toml"
    config.write_text('[tool.aoai-migrate]\ncloud = "usgov"\n')
    pyproject(tmp_path, 'cloud = "china"\n')
    write_tree(tmp_path, {"main.py": KEYED})
    out = dry_run(tmp_path, "main.py", "--config", str(config))
    assert "cognitiveservices.azure.us" in out.stdout


def test_roles_command_reads_the_shared_keys(tmp_path):
    pyproject(tmp_path, 'extend-exclude = ["skip"]\n')
    write_tree(tmp_path, {"skip/a.py": KEYED, "b.py": KEYED})
    out = cli(["roles", "."], cwd=tmp_path)
    assert out.exit_code == 0
    assert "b.py" in out.stdout and "skip/a.py" not in out.stdout


def test_keys_come_from_the_command_line_parser():
    keys = set(valid_keys(typer.main.get_command(cli_app)).values())
    for key in (
        "credential",
        "client-id-env",
        "system-assigned",
        "cloud",
        "exclude",
        "extend-exclude",
        "include",
        "force-exclude",
        "include-generated",
        "respect-gitignore",
        "format",
        "jobs",
        "check",
        "dry-run",
        "verbose",
    ):
        assert key in keys
    assert "paths" not in keys and "config" not in keys

    # An option of another command is spelled with the command's name; shared ones are not.
    demo = typer.Typer()

    @demo.command("migrate")
    def _m(credential: str = "x", format: str = "text") -> None: ...

    @demo.command("roles")
    def _r(credential: str = "x", output_format: str = typer.Option("az", "--format")) -> None: ...

    demo_keys = valid_keys(typer.main.get_command(demo))
    assert (
        demo_keys[("roles", "output_format")] == "roles-format"
    )  # the option's name, not the parameter's
    assert demo_keys[("roles", "credential")] == "credential"
    assert demo_keys[("migrate", "format")] == "format"


def test_default_excludes_are_kept_when_nothing_is_configured(tmp_path):
    write_tree(tmp_path, {"dist/x.py": KEYED, "app.py": KEYED})
    out = cli(["migrate", ".", "--check", "--format", "json"], cwd=tmp_path)
    assert [f["path"] for f in json.loads(out.stdout)["files"] if f["kind"] == "source"] == [
        "app.py"
    ]
    assert "dist" in DEFAULT_EXCLUDE


def test_verify_reads_its_own_keys_and_batch_reads_none(tmp_path):
    write_tree(tmp_path, {"main.py": KEYED})
    pyproject(tmp_path, 'verify-format = "xml"\n')
    out = cli(["verify", "main.py"], cwd=tmp_path)
    assert out.exit_code == 2 and "unknown format 'xml'" in out.stderr  # the value reached verify
    pyproject(tmp_path, "verify-timeout = 0\n")
    out = cli(["verify", "main.py"], cwd=tmp_path)
    assert out.exit_code == 2 and "timeouts must be positive" in out.stderr
    pyproject(tmp_path, 'batch-branch = "keyless"\n')
    out = cli(["migrate", "main.py", "--check"], cwd=tmp_path)
    assert out.exit_code == 2 and "unknown key 'batch-branch'" in out.stderr
