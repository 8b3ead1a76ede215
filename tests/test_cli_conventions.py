"""The command line as ruff and black users expect it (issue 21, points 4 to 6): short output
for CI, ``-`` with ``--stdin-filename`` for editors and pipes, ``-h``, ``--diff``, colour only on
request or a terminal, help without type labels, near-miss suggestions and config value checks.

Every test runs ``python -m migrator`` in a separate process, as a user or an editor would.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from migrator.colour import colour_diff, colour_wanted

ROOT = Path(__file__).resolve().parent.parent

KEYED = (
    b"import os\n"
    b"from openai import AzureOpenAI\n"
    b"\n"
    b'client = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"], '
    b'azure_endpoint="https://x.openai.azure.com", api_version="2024-06-01")\n'
)
STATIC_TOKEN = (
    b"import os\n"
    b"from openai import AzureOpenAI\n"
    b"\n"
    b'client = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", '
    b'azure_ad_token=os.environ["TOKEN"], api_version="2024-06-01")\n'
)
PLAIN = b"print('nothing to see')\n"


def run(
    *args: str | os.PathLike,
    cwd: Path,
    stdin: bytes | None = None,
    colour: str | None = None,
) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(TERM="dumb", COLUMNS="200", PYTHONIOENCODING="utf-8")
    if colour is not None:
        name, _, value = colour.partition("=")
        env[name] = value
    return subprocess.run(
        [sys.executable, "-m", "migrator", *map(str, args)],
        cwd=cwd,
        env=env,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=120,
    )


def tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# -- 4: output short enough for CI ----------------------------------------------------------------


def test_check_and_dry_run_say_would_migrate_and_print_roles_only_when_asked(tmp_path):
    tree(tmp_path, {"app.py": KEYED})
    check = run("--check", "app.py", cwd=tmp_path)
    out = check.stdout.decode()
    assert check.returncode == 1
    assert "app.py:4:10: would migrate: openai.AzureOpenAI" in out
    assert ": migrated:" not in out
    assert "Role assignments" not in out and "az role assignment" not in out
    dry = run("--dry-run", "app.py", cwd=tmp_path)
    assert "would migrate: openai.AzureOpenAI" in dry.stderr.decode()
    assert "az role assignment" not in dry.stderr.decode() + dry.stdout.decode()

    asked = run("--check", "--roles", "app.py", cwd=tmp_path).stdout.decode()
    assert "Role assignments the keyless code needs:" in asked
    assert "az role assignment create" in asked
    assert (tmp_path / "app.py").read_bytes() == KEYED  # none of these wrote anything

    written = run("app.py", cwd=tmp_path).stdout.decode()
    assert "app.py:4:10: migrated: openai.AzureOpenAI" in written
    assert "az role assignment create" in written  # writing: the roles the new code needs


def test_quiet_prints_only_what_fails(tmp_path):
    tree(tmp_path, {"app.py": KEYED, "manual.py": STATIC_TOKEN, "plain.py": PLAIN})
    before = snapshot(tmp_path)
    done = run("--check", "-q", ".", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == b""
    lines = done.stdout.decode().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("./app.py:4:10: client-migrated: openai.AzureOpenAI: would be")
    assert lines[1].startswith("./manual.py:4:10: client-manual: openai.AzureOpenAI: needs manual")
    assert snapshot(tmp_path) == before

    # Writing: the migrated file is no failure; the static token still is.
    done = run("--quiet", ".", cwd=tmp_path)
    lines = done.stdout.decode().splitlines()
    assert [line.split(": ")[1] for line in lines] == ["client-manual"]
    assert b"azure_ad_token_provider" in (tmp_path / "app.py").read_bytes()

    # Nothing fails: nothing printed at all.
    clean = tree(tmp_path / "clean", {"plain.py": PLAIN})
    done = run("--check", "-q", ".", cwd=clean)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


# -- 5: editors and pipes -------------------------------------------------------------------------


def test_stdin_round_trip_matches_a_run_on_the_file(tmp_path):
    on_disk = tree(tmp_path / "disk", {"app.py": KEYED})
    assert run("app.py", cwd=on_disk).returncode == 0
    expected = (on_disk / "app.py").read_bytes()
    assert expected != KEYED

    work = tmp_path / "work"
    work.mkdir()
    done = run("-", "--stdin-filename", "app.py", cwd=work, stdin=KEYED)
    assert done.returncode == 0
    assert done.stdout == expected  # the code only: the report is on stderr
    report = done.stderr.decode()
    assert "app.py:4:10: migrated: openai.AzureOpenAI" in report
    assert "az role assignment" not in report  # an editor gets no role script
    assert snapshot(work) == {}  # nothing written anywhere

    # Nothing to do, or a file that cannot be parsed: the input comes back byte for byte.
    done = run("-", "--stdin-filename", "plain.py", cwd=work, stdin=PLAIN)
    assert (done.returncode, done.stdout) == (0, PLAIN)
    broken = b"from openai import AzureOpenAI\nclient = AzureOpenAI(api_key=\n"
    done = run("-", "--stdin-filename", "broken.py", cwd=work, stdin=broken)
    assert (done.returncode, done.stdout) == (3, broken)
    assert b"broken.py" in done.stderr and b"error" in done.stderr


@pytest.mark.parametrize(
    ("flags", "code", "patch"),
    [
        (["--dry-run"], 0, True),
        (["--diff"], 1, True),
        (["--check", "--dry-run"], 1, True),
        (["--check"], 1, False),
    ],
)
def test_stdin_with_diff_and_check(tmp_path, flags, code, patch):
    done = run(*flags, "-", "--stdin-filename", "src/app.py", cwd=tmp_path, stdin=KEYED)
    assert done.returncode == code
    out = done.stdout.decode()
    if patch:
        assert out.startswith("--- a/src/app.py\n+++ b/src/app.py\n@@")
        assert "+client = AzureOpenAI(azure_ad_token_provider=token_provider" in out
    else:
        assert out == ""
    assert "src/app.py:4:10: would migrate" in done.stderr.decode()
    plain = run(*flags, "-", "--stdin-filename", "src/plain.py", cwd=tmp_path, stdin=PLAIN)
    assert (plain.returncode, plain.stdout) == (0, b"")


MANUAL = (
    b"from openai import AzureOpenAI\n"
    b"\n"
    b"SETTINGS = load_settings()\n"
    b'client = AzureOpenAI(**{**SETTINGS, "api_version": "2024-06-01"})\n'
)


def test_stdin_check_is_the_same_gate_as_a_file_run(tmp_path):
    # Nothing would change, but a client needs manual work: an error-level finding fails --check,
    # unless --exit-zero or --ignore says otherwise, as for files.
    name = ("-", "--stdin-filename", "src/app.py")
    assert run("--check", *name, cwd=tmp_path, stdin=MANUAL).returncode == 1
    assert run("--check", "--exit-zero", *name, cwd=tmp_path, stdin=MANUAL).returncode == 0
    ignored = run("--check", "--ignore", "client-manual", *name, cwd=tmp_path, stdin=MANUAL)
    assert ignored.returncode == 0
    assert b"client-manual" not in ignored.stderr and b"needs manual work" not in ignored.stderr


def test_stdin_follows_the_configuration_and_exclusions_of_the_named_path(tmp_path):
    project = tree(
        tmp_path / "project",
        {
            "pyproject.toml": (
                b'[tool.aoai-migrate]\ncredential = "chained"\nextend-exclude = ["legacy"]\n'
            ),
        },
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    named = project / "svc" / "app.py"  # need not exist, as with ruff and black
    done = run("-", "--stdin-filename", named, cwd=elsewhere, stdin=KEYED)
    assert done.returncode == 0
    assert b"ChainedTokenCredential(" in done.stdout

    # The file's own run ignores the config found from the current directory.
    no_config = run("-", "--stdin-filename", "app.py", cwd=elsewhere, stdin=KEYED)
    assert b"ChainedTokenCredential(" not in no_config.stdout

    excluded = project / "legacy" / "app.py"
    done = run("--force-exclude", "-", "--stdin-filename", excluded, cwd=project, stdin=KEYED)
    assert (done.returncode, done.stdout) == (0, KEYED)
    done = run("--check", "--force-exclude", "-", "--stdin-filename", excluded, cwd=project)
    assert (done.returncode, done.stdout) == (0, b"")

    # Test code is left as a run over that path leaves it.
    test_name = project / "tests" / "test_app.py"
    done = run("-", "--stdin-filename", test_name, cwd=project, stdin=KEYED)
    assert (done.returncode, done.stdout) == (0, KEYED)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-"], "needs --stdin-filename PATH"),
        (["--dry-run", "/dev/stdin"], "/dev/stdin is standard input"),
        (["/dev/stdin"], "/dev/stdin is standard input"),
        (["-", "other.py", "--stdin-filename", "a.py"], "cannot be combined"),
        (["app.py", "--stdin-filename", "a.py"], "pass `-` as path"),
        (["-", "--stdin-filename", "nb.ipynb"], "notebooks are not read from standard input"),
        (["-", "--stdin-filename", "a.py", "--roles-out", "r.sh"], "--roles-out takes files"),
    ],
)
def test_stdin_without_a_name_or_a_notebook_is_a_clear_error(tmp_path, args, message):
    tree(tmp_path, {"app.py": KEYED})
    done = run(*args, cwd=tmp_path, stdin=KEYED)
    assert done.returncode == 2
    assert done.stdout == b""
    assert message in done.stderr.decode()
    assert (tmp_path / "app.py").read_bytes() == KEYED


# -- 6: small conventions -------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["migrate"], ["roles"], ["verify"], ["batch"]])
def test_short_help_works_everywhere(tmp_path, command):
    done = run(*command, "-h", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    assert "Usage: aoai-migrate" in text
    assert "-h" in text and "--help" in text


def test_help_lists_version_and_examples_without_type_labels(tmp_path):
    main = run("--help", cwd=tmp_path).stdout.decode()
    assert "--version" in main
    assert "Examples:" in main and "--stdin-filename" in main
    for command in ("migrate", "roles", "verify", "batch"):
        text = run(command, "--help", cwd=tmp_path).stdout.decode()
        for label in ("<bool>", "<list[str]>", "<str>", "<int"):
            assert label not in text, (command, label)
    migrate = run("migrate", "--help", cwd=tmp_path).stdout.decode()
    assert "--diff" in migrate and "--quiet" in migrate and "--stdin-filename" in migrate
    version = run("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith(b"aoai-migrate ")


@pytest.mark.parametrize(
    ("flags", "code", "patch", "written"),
    [
        ([], 0, False, True),
        (["--dry-run"], 0, True, False),
        (["--diff"], 1, True, False),
        (["--check"], 1, False, False),
        (["--check", "--dry-run"], 1, True, False),
        (["--diff", "--exclude", "app.py", "--force-exclude"], 0, False, False),
    ],
)
def test_exit_codes_of_diff_check_and_dry_run(tmp_path, flags, code, patch, written):
    tree(tmp_path, {"app.py": KEYED, "plain.py": PLAIN})
    done = run(*flags, ".", cwd=tmp_path)
    assert done.returncode == code, done.stderr
    assert done.stdout.decode().startswith("--- a/app.py\n+++ b/app.py\n") == patch
    assert ((tmp_path / "app.py").read_bytes() != KEYED) == written
    assert (tmp_path / "plain.py").read_bytes() == PLAIN


def test_diff_is_coloured_on_request_or_a_terminal_only(tmp_path):
    tree(tmp_path, {"app.py": KEYED})
    piped = run("--diff", "app.py", cwd=tmp_path).stdout
    assert b"\x1b[" not in piped and piped.startswith(b"--- a/app.py")
    assert b"\x1b[" not in run("--diff", "app.py", cwd=tmp_path, colour="NO_COLOR=1").stdout
    forced = run("--diff", "app.py", cwd=tmp_path, colour="FORCE_COLOR=1").stdout.decode()
    assert "\x1b[32m+client = AzureOpenAI(azure_ad_token_provider" in forced
    assert "\x1b[31m-client = AzureOpenAI(api_key=" in forced
    # Without the colour codes it is the same patch, line for line.
    plain = forced.replace("\x1b[0m", "")
    for code in ("\x1b[1m", "\x1b[36m", "\x1b[32m", "\x1b[31m"):
        plain = plain.replace(code, "")
    assert plain.encode() == piped


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    ("tty", "env", "wanted"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # set but empty: ignored, as the convention says
        (False, {"FORCE_COLOR": "1"}, True),
        (True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True),
    ],
)
def test_colour_follows_the_terminal_and_the_environment(tty, env, wanted):
    assert colour_wanted(_Stream(tty), env) is wanted


def test_colour_diff_keeps_line_ends():
    patch = "--- a/x.py\r\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n \n"
    coloured = colour_diff(patch)
    assert coloured.count("\n") == patch.count("\n")
    assert "\x1b[31m-a\x1b[0m\n" in coloured and "\x1b[1m--- a/x.py\x1b[0m\r\n" in coloured


def test_suggestions_only_for_near_misses(tmp_path):
    tree(tmp_path, {"app.py": KEYED})
    fix = run("--fix", "app.py", cwd=tmp_path)
    assert fix.returncode == 2
    assert "No such option: --fix" in fix.stderr.decode()
    assert "--config" not in fix.stderr.decode()
    chek = run("--chek", "app.py", cwd=tmp_path)
    assert chek.returncode == 2 and "--check" in chek.stderr.decode()
    rolez = run("rolez", "x", cwd=tmp_path)
    assert rolez.returncode == 2
    said = rolez.stderr.decode()
    assert "unknown command 'rolez'" in said and "'roles'" in said
    assert "no such file" not in said
    # A file that is there is a path, however close its name is to a command.
    tree(tmp_path, {"rolez": PLAIN})
    assert run("rolez", cwd=tmp_path).returncode == 0
    assert (tmp_path / "app.py").read_bytes() == KEYED


@pytest.mark.parametrize(
    ("line", "wanted"),
    [
        ('credential = "chaind"', ["credential", "'chaind'", "did you mean 'chained'"]),
        ('cloud = "usgob"', ["cloud", "did you mean 'usgov'"]),
        ('jobs = "4"', ["jobs", "expected an integer", "'4'"]),
        ("jobs = true", ["jobs", "expected an integer"]),
        ('format = "jsn"', ["format", "did you mean 'json'"]),
    ],
)
def test_bad_config_values_name_the_file_and_the_key(tmp_path, line, wanted):
    tree(tmp_path, {"app.py": KEYED, "pyproject.toml": f"[tool.aoai-migrate]\n{line}\n".encode()})
    done = run("--check", ".", cwd=tmp_path)
    assert done.returncode == 2
    said = done.stderr.decode()
    assert str(tmp_path / "pyproject.toml") in said
    for part in wanted:
        assert part in said
    assert (tmp_path / "app.py").read_bytes() == KEYED


def test_good_config_values_are_taken(tmp_path):
    config = b'[tool.aoai-migrate]\njobs = 2\ncredential = "chained"\n'
    tree(tmp_path, {"app.py": KEYED, "pyproject.toml": config})
    done = run("--diff", "app.py", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert b"ChainedTokenCredential(" in done.stdout
