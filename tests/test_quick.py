"""The console script's early exit (migrator/quick.py): same answer as the full command, less loaded."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migrator.quick import _plain_migrate

ROOT = Path(__file__).resolve().parent.parent

# Runs one entry point in a fresh interpreter and reports what it loaded.
PROBE = textwrap.dedent(
    """\
    import sys
    from migrator.{module} import main
    try:
        main(sys.argv[1:])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    sys.stdout.flush()
    loaded = ("typer", "libcst", "tomlkit")  # the CLI, the parser, the dependency-file editor
    sys.stderr.write("LOADED " + " ".join("%s=%s" % (m, m in sys.modules) for m in loaded) + "\\n")
    sys.exit(code)
    """
)


def _run(module: str, args: list[str], cwd: Path) -> tuple[int, str, str, str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module), *args], cwd=cwd, capture_output=True, text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    err, _, loaded = proc.stderr.rpartition("LOADED ")
    return proc.returncode, proc.stdout, err, loaded.strip()


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = tmp_path / "proj" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return tmp_path / "proj"


NO_CLIENT = {
    "a.py": "import os\nprint(os.getcwd())\n",
    "pkg/b.py": "# mentions AzureOpenAI in a comment only\nx = 1\n",
    "requirements.txt": "requests\n",
}


@pytest.mark.parametrize(
    "args", [["--check"], ["--dry-run"], ["migrate", "--check", "--jobs", "2"], ["--jobs=1"]]
)
def test_nothing_to_parse_is_answered_without_the_parser_and_like_the_full_command(tmp_path, args):
    proj = _tree(tmp_path, NO_CLIENT)
    quick = _run("quick", [*args, str(proj)], tmp_path)
    full = _run("cli", [*args, str(proj)], tmp_path)
    assert quick[:3] == full[:3]
    assert quick[3] == "typer=False libcst=False tomlkit=False"
    assert full[3].startswith("typer=True")


def test_a_file_to_migrate_goes_to_the_full_command(tmp_path):
    proj = _tree(
        tmp_path,
        {
            **NO_CLIENT,
            "c.py": "from openai import AzureOpenAI\nclient = AzureOpenAI(api_key='k')\n",
        },
    )
    quick = _run("quick", ["--check", str(proj)], tmp_path)
    full = _run("cli", ["--check", str(proj)], tmp_path)
    assert quick[:3] == full[:3]
    assert quick[0] == 1
    assert quick[3].startswith("typer=True libcst=True")


def test_a_configuration_table_goes_to_the_full_command(tmp_path):
    proj = _tree(tmp_path, NO_CLIENT)
    (proj / "pyproject.toml").write_text('[tool.aoai-migrate]\nextend-exclude = ["pkg"]\n')
    quick = _run("quick", ["--check", str(proj)], tmp_path)
    full = _run("cli", ["--check", str(proj)], tmp_path)
    assert quick[:3] == full[:3]
    assert "typer=True" in quick[3]


def test_bad_input_gets_the_full_command_s_message(tmp_path):
    quick = _run("quick", ["--check", str(tmp_path / "missing")], tmp_path)
    full = _run("cli", ["--check", str(tmp_path / "missing")], tmp_path)
    assert quick[:3] == full[:3] and quick[0] == 2


def test_plain_forms():
    assert _plain_migrate(["--check", "a", "b"]) == (["a", "b"], "check", None, False)
    assert _plain_migrate(["migrate", "--force-exclude", "--jobs=1", "x.py"]) == (
        ["x.py"],
        "write",
        1,
        True,
    )
    assert _plain_migrate(["-j", "3", "--dry-run", "d"]) == (["d"], "diff", 3, False)
    for args in (
        ["--check", "--dry-run", "a"],
        ["--format", "json", "a"],
        ["--jobs", "0", "a"],
        ["--jobs"],
        ["--check"],
        ["roles", "a"],
        ["--", "a"],
        ["--verbose", "a"],
    ):
        assert _plain_migrate(args) is None, args
