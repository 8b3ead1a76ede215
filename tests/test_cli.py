"""The real command line: ``python -m migrator`` in a separate process, on copies of fixtures.

Every test works in ``tmp_path`` and checks what the user sees (exit code, stdout, stderr)
and what is on disk afterwards (bytes, permission bits, mtimes, stray temporary files).
"""

from __future__ import annotations

import difflib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

# A fixed, old mtime: any write during a run would move it.
OLD_MTIME_NS = 1_000_000_000 * 10**9

LITERAL_KEY = "8f1c2b3a4d5e6f708192a3b4c5d6e7f8"


def run_cli(*args: str | os.PathLike, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    # The checkout first, so the run never depends on how (or whether) it was pip-installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(NO_COLOR="1", TERM="dumb", COLUMNS="200", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "migrator", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=120,
    )


def fixture_copy(case: str, dest: Path, which: str = "input.py") -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / case / which, dest)
    return dest


def expected_of(case: str) -> bytes:
    return (FIXTURES / case / "expected.py").read_bytes()


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def age(path: Path) -> None:
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))


def leftovers(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.name.startswith(".aoai-migrate-"))


def explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


# -- writing in place ---------------------------------------------------------------------


def test_in_place_rewrites_keeps_permissions_and_leaves_no_temp_files(tmp_path):
    app = fixture_copy("env_key_trailing_comma", tmp_path / "app" / "summarize.py")
    app.chmod(0o640)
    result = run_cli("app", cwd=tmp_path)
    assert result.returncode == 0, explain(result)
    assert app.read_bytes() == expected_of("env_key_trailing_comma")
    assert stat.S_IMODE(app.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []
    assert "1 file migrated, 0 left unchanged" in result.stdout
    assert "summarize.py:9:10: migrated: openai.AzureOpenAI" in result.stdout


# Cases the tool currently gets wrong (see tests/test_golden.py XFAIL).
_KNOWN_WRONG_OUTPUT = {"implicit_env_key_comment_on_last_arg"}


def test_in_place_over_every_default_options_fixture_writes_the_golden_bytes(tmp_path):
    """The write path (several files, worker processes, atomic rename) keeps CRLF, BOM, latin-1."""
    cases = sorted(
        d.name
        for d in FIXTURES.iterdir()
        if d.is_dir()
        and d.name != "demo"
        and (d / "expected.py").is_file()
        and not (d / "options.json").exists()
        and d.name not in _KNOWN_WRONG_OUTPUT
    )
    assert len(cases) >= 10
    for case in cases:
        fixture_copy(case, tmp_path / "tree" / f"{case}.py")
    result = run_cli("tree", "--jobs", "4", cwd=tmp_path)
    assert result.returncode == 0, explain(result)
    for case in cases:
        assert (tmp_path / "tree" / f"{case}.py").read_bytes() == expected_of(case), case
    assert leftovers(tmp_path) == []


# -- writing nothing ----------------------------------------------------------------------


def test_dry_run_prints_the_diff_on_stdout_the_report_on_stderr_and_writes_nothing(tmp_path):
    app = fixture_copy("env_key_trailing_comma", tmp_path / "summarize.py")
    age(app)
    before = snapshot(app)
    result = run_cli("--dry-run", "summarize.py", cwd=tmp_path)
    assert result.returncode == 0, explain(result)
    assert snapshot(app) == before
    assert leftovers(tmp_path) == []

    # stdout is exactly a patch: the changed lines are those from input.py to expected.py.
    old = (
        (FIXTURES / "env_key_trailing_comma" / "input.py")
        .read_text(encoding="utf-8")
        .splitlines(True)
    )
    new = expected_of("env_key_trailing_comma").decode("utf-8").splitlines(True)
    wanted = [
        line
        for line in difflib.unified_diff(old, new)
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    lines = result.stdout.splitlines(True)
    assert lines[0] == "--- a/summarize.py\n"
    assert lines[1] == "+++ b/summarize.py\n"
    assert [line for line in lines[2:] if line.startswith(("+", "-"))] == wanted
    assert all(line.startswith(("@@", " ", "+", "-", "\\")) for line in lines[2:]), result.stdout

    # The report goes to stderr only.
    assert "1 file would be migrated, 0 left unchanged" in result.stderr
    assert "would migrate: openai.AzureOpenAI" in result.stderr
    assert "would be migrated" not in result.stdout
    assert "role assignment" not in result.stdout


def test_check_exits_1_when_something_would_change_and_writes_nothing(tmp_path):
    app = fixture_copy("env_key_trailing_comma", tmp_path / "summarize.py")
    age(app)
    before = snapshot(app)
    result = run_cli("--check", "summarize.py", cwd=tmp_path)
    assert result.returncode == 1, explain(result)
    assert snapshot(app) == before
    assert leftovers(tmp_path) == []
    assert "1 file would be migrated, 0 left unchanged" in result.stdout
    assert "+++" not in result.stdout  # --check reports, it does not print a patch


@pytest.mark.parametrize(
    "case", ["env_key_trailing_comma", "already_keyless", "lookalike_local_vllm"]
)
def test_check_exits_0_on_code_that_needs_nothing(tmp_path, case):
    app = fixture_copy(case, tmp_path / "app.py", which="expected.py")
    age(app)
    before = snapshot(app)
    result = run_cli("--check", "app.py", cwd=tmp_path)
    assert result.returncode == 0, explain(result)
    assert snapshot(app) == before
    assert "0 files would be migrated, 1 left unchanged" in result.stdout


# -- files that cannot be processed -------------------------------------------------------

BROKEN = {
    "syntax_error.py": b'from openai import AzureOpenAI\n\nclient = AzureOpenAI(\n    api_key="k",\n',
    "python2.py": b'from openai import AzureOpenAI\n\nprint "migrating"\nclient = AzureOpenAI(api_key="k")\n',
    "bad_utf8.py": b'from openai import AzureOpenAI\n# caf\xe9 \xff\nclient = AzureOpenAI(api_key="k")\n',
}


def test_unprocessable_files_are_reported_left_alone_and_the_rest_is_migrated(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name, data in BROKEN.items():
        (src / name).write_bytes(data)
        age(src / name)
    good = fixture_copy("env_key_trailing_comma", src / "good.py")
    other = fixture_copy("async_service_class", src / "service.py")
    before = {name: snapshot(src / name) for name in BROKEN}

    result = run_cli("src", cwd=tmp_path)

    assert result.returncode == 3, explain(result)
    for name in BROKEN:
        assert snapshot(src / name) == before[name], name
    lines = result.stdout.splitlines()
    for name, reason in [
        ("syntax_error.py", "cannot parse"),
        ("python2.py", "cannot parse"),
        ("bad_utf8.py", "cannot decode"),
    ]:
        mine = [line for line in lines if line.startswith(str(Path("src") / name) + ": error: ")]
        assert len(mine) == 1, explain(result)
        assert reason in mine[0], mine[0]
        assert mine[0].endswith("left as it was"), mine[0]
    assert good.read_bytes() == expected_of("env_key_trailing_comma")
    assert b"azure_ad_token_provider=async_token_provider" in other.read_bytes()
    assert "2 files migrated, 0 left unchanged, 3 failed" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("flag", [[], ["--check"], ["--dry-run"]])
def test_unprocessable_file_fails_the_run_in_every_mode(tmp_path, flag):
    (tmp_path / "python2.py").write_bytes(BROKEN["python2.py"])
    result = run_cli(*flag, "python2.py", cwd=tmp_path)
    assert result.returncode == 3, explain(result)
    assert (tmp_path / "python2.py").read_bytes() == BROKEN["python2.py"]
    assert "python2.py: error: cannot parse" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("source", "line"),
    [
        (
            b'from openai import AzureOpenAI\n\nprint "migrating"\nclient = AzureOpenAI(api_key="k")\n',
            3,
        ),
        (b"import os\n\ndef load(:\n    pass\n\nfrom openai import AzureOpenAI\nx = 1\n", 3),
    ],
    ids=["python2-print", "bad-def"],
)
def test_syntax_error_names_the_line_python_names(tmp_path, source, line):
    (tmp_path / "broken.py").write_bytes(source)
    with pytest.raises(SyntaxError) as python:
        compile(source, "broken.py", "exec")
    assert python.value.lineno == line
    result = run_cli("--check", "broken.py", cwd=tmp_path)
    assert result.returncode == 3, explain(result)
    assert f"broken.py: error: cannot parse (line {line})" in result.stdout, result.stdout


def test_nonexistent_path_is_a_usage_error(tmp_path):
    fixture_copy("env_key_trailing_comma", tmp_path / "real.py")
    age(tmp_path / "real.py")
    before = snapshot(tmp_path / "real.py")
    result = run_cli("real.py", "no/such/dir", cwd=tmp_path)
    assert result.returncode == 2, explain(result)
    assert "no such file or directory: no/such/dir" in result.stderr
    assert "Traceback" not in result.stderr
    # A usage error stops the run before anything is touched.
    assert snapshot(tmp_path / "real.py") == before


# -- secrets ------------------------------------------------------------------------------

INLINE_KEY = f'''\
"""Prototype written in a hurry: the key is pasted into the code."""
from openai import AzureOpenAI

client = AzureOpenAI(
    azure_endpoint="https://contoso-eastus.openai.azure.com/",
    api_key="{LITERAL_KEY}",
    api_version="2024-10-21",
)
print(client.models.list())
'''

KEY_IN_VARIABLE = f'''\
import openai

AZURE_OPENAI_KEY = "{LITERAL_KEY}"
ENDPOINT = "https://contoso-eastus.openai.azure.com/"

client = openai.AzureOpenAI(api_key=AZURE_OPENAI_KEY, azure_endpoint=ENDPOINT, api_version="2024-10-21")
print(client.models.list())
'''


@pytest.mark.parametrize("source", [INLINE_KEY, KEY_IN_VARIABLE], ids=["inline", "variable"])
def test_literal_key_is_reported_masked_and_never_printed(tmp_path, source):
    app = tmp_path / "prototype.py"
    app.write_text(source, encoding="utf-8")
    outputs = {}
    for mode in (["--check"], ["--dry-run"], []):
        result = run_cli(*mode, "prototype.py", cwd=tmp_path)
        assert result.returncode == (1 if mode == ["--check"] else 0), explain(result)
        outputs[" ".join(mode) or "write"] = result
    for mode, result in outputs.items():
        assert LITERAL_KEY not in result.stdout, mode
        assert LITERAL_KEY not in result.stderr, mode
        report = result.stderr if mode == "--dry-run" else result.stdout
        assert "literal-key" in report, mode
        assert "<masked, 32 characters>" in report, mode
    # The patch still shows the change around the key, masked.
    assert (
        "+" in outputs["--dry-run"].stdout
        and "<masked, 32 characters>" in outputs["--dry-run"].stdout
    )
    migrated = app.read_text(encoding="utf-8")
    assert "api_key=" not in migrated
    assert "azure_ad_token_provider=token_provider" in migrated


# -- options reach the generated code -----------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "present", "absent"),
    [
        (
            ["--credential", "default"],
            ["credential = DefaultAzureCredential()\n"],
            ["ManagedIdentityCredential"],
        ),
        (
            ["--credential", "chained"],
            [
                "ChainedTokenCredential(",
                "AzureCliCredential()",
                'client_id=os.getenv("AZURE_CLIENT_ID")',
            ],
            ["DefaultAzureCredential"],
        ),
        (
            ["--system-assigned"],
            ["credential = ManagedIdentityCredential()\n"],
            ["AZURE_CLIENT_ID", "client_id="],
        ),
        (
            ["--client-id-env", "X"],
            ['credential = ManagedIdentityCredential(client_id=os.getenv("X"))\n'],
            ["AZURE_CLIENT_ID"],
        ),
        (
            ["--cloud", "china"],
            ['"https://cognitiveservices.azure.cn/.default"'],
            ["cognitiveservices.azure.com/.default"],
        ),
        (
            ["--cloud", "usgov", "--credential", "default"],
            ['"https://cognitiveservices.azure.us/.default"', "DefaultAzureCredential()"],
            ["cognitiveservices.azure.com/.default"],
        ),
    ],
    ids=["default", "chained", "system-assigned", "client-id-env", "china", "usgov-default"],
)
def test_options_reach_the_generated_code(tmp_path, flags, present, absent):
    app = fixture_copy("env_key_trailing_comma", tmp_path / "app.py")
    result = run_cli(*flags, "app.py", cwd=tmp_path)
    assert result.returncode == 0, explain(result)
    code = app.read_bytes()
    compile(code, str(app), "exec")
    text = code.decode("utf-8")
    for needle in present:
        assert needle in text, (needle, text)
    for needle in absent:
        assert needle not in text, (needle, text)
    assert "api_key" not in text


@pytest.mark.parametrize(
    "case",
    [
        "single_line_call",
        "from_import_alias_chained",
        "async_service_class",
        "factory_local_import",
        "lib_azure_import_usgov",
    ],
)
def test_cli_flags_give_the_same_bytes_as_the_golden_options(tmp_path, case):
    import json

    options = json.loads((FIXTURES / case / "options.json").read_text(encoding="utf-8"))
    flags: list[str] = []
    if "credential" in options:
        flags += ["--credential", options["credential"]]
    if options.get("system_assigned"):
        flags.append("--system-assigned")
    if "client_id_env" in options:
        flags += ["--client-id-env", options["client_id_env"]]
    if "cloud" in options:
        flags += ["--cloud", options["cloud"]]
    app = fixture_copy(case, tmp_path / "app.py")
    result = run_cli(*flags, "app.py", cwd=tmp_path)
    assert result.returncode == 0, explain(result)
    assert app.read_bytes() == expected_of(case)


def test_bad_option_value_is_a_usage_error(tmp_path):
    app = fixture_copy("env_key_trailing_comma", tmp_path / "app.py")
    before = app.read_bytes()
    result = run_cli("--cloud", "mars", "app.py", cwd=tmp_path)
    assert result.returncode == 2, explain(result)
    assert "mars" in result.stderr
    assert app.read_bytes() == before


# -- running twice ------------------------------------------------------------------------


def test_second_run_over_migrated_output_changes_nothing(tmp_path):
    project = tmp_path / "project"
    for case in (
        "env_key_trailing_comma",
        "sync_and_async_clients",
        "crlf_line_endings",
        "v1_openai_base_url",
    ):
        fixture_copy(case, project / f"{case}.py")
    first = run_cli("project", cwd=tmp_path)
    assert first.returncode == 0, explain(first)
    assert "4 files migrated, 0 left unchanged" in first.stdout
    files = sorted(project.glob("*.py"))
    for path in files:
        age(path)
    before = {path: snapshot(path) for path in files}

    second = run_cli("project", cwd=tmp_path)
    assert second.returncode == 0, explain(second)
    assert {path: snapshot(path) for path in files} == before
    assert "0 files migrated, 4 left unchanged" in second.stdout
    assert ": migrated:" not in second.stdout

    check = run_cli("--check", "project", cwd=tmp_path)
    assert check.returncode == 0, explain(check)


# -- help ---------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["migrate", "--help"], ["roles", "--help"]])
def test_help(tmp_path, args):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 0, explain(result)
    assert "Usage" in result.stdout
    assert "Traceback" not in result.stderr
    if args == ["migrate", "--help"]:
        for flag in (
            "--dry-run",
            "--check",
            "--credential",
            "--system-assigned",
            "--client-id-env",
            "--cloud",
        ):
            assert flag in result.stdout, flag


# -- a bug in aoai-migrate has its own exit code ------------------------------------------------


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -c code`` with this checkout of the tool importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_patched(patch: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line with one function of the tool replaced by ``patch`` (a statement)."""
    return run_python(f"{patch}\nfrom migrator.cli import main\nmain({list(args)!r})\n", cwd)


@pytest.mark.parametrize(
    "patch",
    [
        # A formatter that fails while the report is rendered.
        "import migrator.formats as f\n"
        "def boom(report): raise UnicodeEncodeError('utf-8', 'x', 0, 1, 'surrogates not allowed')\n"
        "f.to_sarif = boom",
        # Anything else that fails inside a command.
        "import migrator.api as a\n"
        "def boom(*args, **kwargs): raise RuntimeError('unexpected')\n"
        "a.run = boom",
    ],
    ids=["formatter", "command"],
)
def test_an_internal_error_under_check_exits_4_not_1(tmp_path, patch):
    fixture_copy("env_key_trailing_comma", tmp_path / "app.py")  # --check would exit 1 on it
    result = run_patched(patch, "app.py", "--check", "--format", "sarif", cwd=tmp_path)
    assert result.returncode == 4, explain(result)
    assert "Traceback" not in result.stderr and "╭" not in result.stderr
    assert result.stderr.startswith("aoai-migrate: internal error")
    assert result.stderr.count("\n") == 1 and "please report it" in result.stderr
    assert result.stdout == ""  # nothing half made


def test_an_internal_error_in_the_console_scripts_quick_path_exits_4_not_1(tmp_path):
    # A file that needs no parse is settled by the quick path; a bug there must not surface as a
    # traceback with exit 1 (read as "would change" under --check).
    (tmp_path / "plain.py").write_text("print('no client here')\n")
    code = (
        "import migrator.api as a\n"
        "def boom(*args, **kwargs): raise RuntimeError('unexpected')\n"
        "a.settle = boom\n"
        "a.run = boom\n"
        "from migrator.quick import main\n"
        "main(['plain.py', '--check'])\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 4, explain(result)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("aoai-migrate: internal error")


def test_after_the_run_a_late_ctrl_c_cannot_replace_its_exit_code(tmp_path):
    # While the interpreter shuts down, Python puts the default SIGINT action back: a Ctrl-C
    # arriving then would kill the finished run (exit -2 instead of its own code). The entry
    # points leave SIGINT ignored once the run is over, which Python keeps through shutdown.
    (tmp_path / "plain.py").write_text("print('no client here')\n")
    code = (
        "import signal, sys\n"
        "from migrator.quick import entry\n"
        "sys.argv = ['aoai-migrate', 'plain.py', '--check']\n"
        "try:\n"
        "    entry()\n"
        "except SystemExit as done:\n"
        "    print('exit', done.code, signal.getsignal(signal.SIGINT) == signal.SIG_IGN)\n"
    )
    result = run_python(code, tmp_path)
    assert result.stdout.splitlines()[-1] == "exit 0 True", explain(result)
