"""The gate CI and pre-commit rely on, through the real command line: exit codes of ``--check``,
``--exit-zero`` and ``--dry-run`` with and without error-level findings, rule selection
(``--select``/``--ignore`` and the ``extend-`` keys of ``[tool.aoai-migrate]``), per-line
suppression comments and ``--statistics``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KEY = "f3c1e0a9b7d24c6e8a1b3c5d7e9f0a2b"

# A client the tool migrates.
TO_MIGRATE = (
    "import os\n"
    "from openai import AzureOpenAI\n"
    "\n"
    'client = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", '
    'api_key=os.environ["AZURE_OPENAI_API_KEY"], api_version="2024-10-21")\n'
)
# A client that needs manual work (client-manual, an error); nothing would change.
MANUAL = (
    "from openai import AzureOpenAI\n"
    "\n"
    'client = AzureOpenAI(**{**SETTINGS, "api_version": "2024-10-21"})\n'
)
# A client left for a static token (client-manual) with a key written in the call (literal-key).
LITERAL = (
    "import os\n"
    "from openai import AzureOpenAI\n"
    "\n"
    f'client = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", api_key="{KEY}", '
    'azure_ad_token=os.environ["TOKEN"], api_version="2024-10-21")\n'
)
KEYLESS = (
    "from openai import AzureOpenAI\n"
    "\n"
    "def make(provider):\n"
    '    return AzureOpenAI(azure_endpoint="https://x.openai.azure.com", '
    'azure_ad_token_provider=provider, api_version="2024-10-21")\n'
)
BROKEN = "from openai import AzureOpenAI\nclient = AzureOpenAI(api_key=\n"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(NO_COLOR="1", TERM="dumb", COLUMNS="200", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


def explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def tree(root: Path, **files: str) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    # A dependency file, so that no run reports a missing one.
    (root / "requirements.txt").write_text("openai>=1.106\nazure-identity>=1.15.0\n")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# -- exit codes ---------------------------------------------------------------------------------

MODES = {
    "check": ["--check"],
    "check-exit-zero": ["--check", "--exit-zero"],
    "dry-run": ["--dry-run"],
    "dry-run-exit-zero": ["--dry-run", "--exit-zero"],
    "check-dry-run": ["--check", "--dry-run"],
}

# tree -> expected exit code per mode, in the order of MODES (the table the README documents).
EXIT_TABLE = {
    "keyless": ({"app.py": KEYLESS}, (0, 0, 0, 0, 0)),
    "would-change": ({"app.py": TO_MIGRATE}, (1, 0, 0, 0, 1)),
    "manual-work": ({"app.py": MANUAL}, (1, 0, 0, 0, 1)),
    "literal-key": ({"app.py": LITERAL}, (1, 0, 0, 0, 1)),
    "failed-file": ({"app.py": KEYLESS, "broken.py": BROKEN}, (3, 3, 3, 3, 3)),
}


@pytest.mark.parametrize("case", sorted(EXIT_TABLE))
def test_exit_code_table(tmp_path, case):
    files, expected = EXIT_TABLE[case]
    root = tree(tmp_path, **files)
    before = snapshot(root)
    for (mode, args), code in zip(MODES.items(), expected, strict=True):
        result = run_cli(*args, ".", cwd=root)
        assert result.returncode == code, f"{case} {mode}: {explain(result)}"
        assert snapshot(root) == before, f"{case} {mode} wrote a file"


def test_in_place_run_is_not_a_gate(tmp_path):
    """Writing in place exits 0 with a client left for manual work: only --check is the gate."""
    root = tree(tmp_path, **{"app.py": MANUAL})
    result = run_cli(".", cwd=root)
    assert result.returncode == 0, explain(result)
    assert "needs manual work" in result.stdout


def test_github_errors_come_with_a_failing_exit_code(tmp_path):
    root = tree(tmp_path, **{"app.py": MANUAL})
    result = run_cli("--check", "--format", "github", ".", cwd=root)
    assert result.returncode == 1, explain(result)
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1 and "title=aoai-migrate (client-manual)" in errors[0]
    zero = run_cli("--check", "--exit-zero", "--format", "github", ".", cwd=root)
    assert zero.returncode == 0 and zero.stdout == result.stdout, explain(zero)


def test_json_and_sarif_carry_the_gate_exit_code(tmp_path):
    root = tree(tmp_path, **{"app.py": MANUAL})
    doc = json.loads(run_cli("--check", "--format", "json", ".", cwd=root).stdout)
    assert doc["exit_code"] == 1
    sarif = json.loads(run_cli("--check", "--exit-zero", "--format", "sarif", ".", cwd=root).stdout)
    assert sarif["runs"][0]["invocations"][0]["exitCode"] == 0


# -- rule selection -----------------------------------------------------------------------------


def test_ignore_and_select_choose_what_is_reported_and_what_fails(tmp_path):
    root = tree(tmp_path, **{"app.py": LITERAL})
    ignored = run_cli("--check", "--ignore", "client-manual", ".", cwd=root)
    assert ignored.returncode == 1, explain(ignored)  # the literal key is still an error
    assert "needs manual work" not in ignored.stdout and "literal-key" in ignored.stdout
    both = run_cli("--check", "--ignore", "client-manual,literal-key", ".", cwd=root)
    assert both.returncode == 0, explain(both)
    assert "literal-key" not in both.stdout and "needs manual work" not in both.stdout
    selected = run_cli("--check", "--select", "literal-key", "--format", "json", ".", cwd=root)
    doc = json.loads(selected.stdout)
    assert {f["rule"] for f in doc["findings"]} == {"literal-key"}
    assert selected.returncode == 1
    extended = run_cli(
        "--check", "--select", "client-keyless", "--extend-select", "client-manual", ".", cwd=root
    )
    assert extended.returncode == 1 and "needs manual work" in extended.stdout
    assert "literal-key" not in extended.stdout


def test_selection_does_not_change_what_is_rewritten(tmp_path):
    root = tree(tmp_path, **{"app.py": TO_MIGRATE})
    result = run_cli("--ignore", "ALL", ".", cwd=root)
    assert result.returncode == 0, explain(result)
    assert "azure_ad_token_provider" in (root / "app.py").read_text()
    assert "migrated:" not in result.stdout


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select", "--extend-ignore"])
def test_unknown_rule_id_is_a_usage_error_with_a_suggestion(tmp_path, option):
    root = tree(tmp_path, **{"app.py": TO_MIGRATE})
    before = snapshot(root)
    result = run_cli(option, "client-manul", ".", cwd=root)
    assert result.returncode == 2, explain(result)
    assert f"{option}: unknown rule id 'client-manul' (did you mean 'client-manual'?)" in (
        result.stderr
    )
    assert snapshot(root) == before


def test_extend_ignore_in_the_configuration_and_on_the_command_line(tmp_path):
    root = tree(tmp_path, **{"app.py": LITERAL})
    (root / "pyproject.toml").write_text('[tool.aoai-migrate]\nextend-ignore = ["client-manual"]\n')
    file_only = run_cli("--check", ".", cwd=root)
    assert file_only.returncode == 1 and "needs manual work" not in file_only.stdout
    # The command line's extend-ignore adds to the file's, as extend-exclude does.
    added = run_cli("--check", "--extend-ignore", "literal-key", ".", cwd=root)
    assert added.returncode == 0, explain(added)


def test_select_in_the_configuration_and_a_typo_there_names_the_file(tmp_path):
    root = tree(tmp_path, **{"app.py": LITERAL})
    config = root / "pyproject.toml"
    config.write_text('[tool.aoai-migrate]\nselect = ["client-keyless"]\n')
    result = run_cli("--check", ".", cwd=root)
    assert result.returncode == 0, explain(result)
    config.write_text('[tool.aoai-migrate]\nextend-select = ["literal-kye"]\n')
    typo = run_cli("--check", ".", cwd=root)
    assert typo.returncode == 2, explain(typo)
    assert "pyproject.toml: extend-select: unknown rule id 'literal-kye'" in typo.stderr
    assert "did you mean 'literal-key'?" in typo.stderr


def test_exit_zero_cannot_come_from_the_configuration(tmp_path):
    root = tree(tmp_path, **{"app.py": MANUAL})
    (root / "pyproject.toml").write_text("[tool.aoai-migrate]\nexit-zero = true\n")
    result = run_cli("--check", ".", cwd=root)
    assert result.returncode == 2 and "unknown key 'exit-zero'" in result.stderr, explain(result)


# -- suppression comments -----------------------------------------------------------------------

SUPPRESSED = (
    "import os\n"
    "from openai import AzureOpenAI\n"
    "\n"
    "legacy = AzureOpenAI(  # aoai-migrate: ignore\n"
    '    azure_endpoint="https://x.openai.azure.com",\n'
    '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n'
    '    api_version="2024-10-21",\n'
    ")\n"
    "keyed = AzureOpenAI(\n"
    '    azure_endpoint="https://x.openai.azure.com",\n'
    '    api_key=os.environ["AZURE_OPENAI_API_KEY"],  # aoai-migrate: ignore[client-migrated]\n'
    '    api_version="2024-10-21",\n'
    ")\n"
)


def test_suppressed_clients_stay_byte_identical_and_unreported(tmp_path):
    root = tree(tmp_path, **{"app.py": SUPPRESSED})
    before = snapshot(root)
    check = run_cli("--check", "--format", "json", ".", cwd=root)
    assert check.returncode == 0, explain(check)
    assert json.loads(check.stdout)["findings"] == []
    written = run_cli(".", cwd=root)
    assert written.returncode == 0, explain(written)
    assert snapshot(root) == before


def test_a_suppression_on_the_closing_line_does_not_count_as_ruff_noqa_does_not(tmp_path):
    source = (
        "import os\n"
        "from openai import AzureOpenAI\n"
        "\n"
        "client = AzureOpenAI(\n"
        '    azure_endpoint="https://x.openai.azure.com",\n'
        '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n'
        '    api_version="2024-10-21",\n'
        ")  # aoai-migrate: ignore\n"
    )
    root = tree(tmp_path, **{"app.py": source})
    result = run_cli("--check", ".", cwd=root)
    assert result.returncode == 1, explain(result)
    client = [line for line in result.stdout.splitlines() if "app.py:4:10:" in line]
    assert len(client) == 1 and "migrate" in client[0] and "manual" not in client[0]
    assert "app.py:8:4: warning: unused-suppression: unused suppression comment" in result.stdout


def test_a_suppression_in_a_string_is_not_a_comment(tmp_path):
    source = TO_MIGRATE.replace(
        'api_version="2024-10-21")', 'api_version="2024-10-21  # aoai-migrate: ignore")'
    )
    root = tree(tmp_path, **{"app.py": source})
    run_cli(".", cwd=root)
    assert "azure_ad_token_provider" in (root / "app.py").read_text()


def test_suppression_filters_findings_by_rule_and_reports_unused_ones(tmp_path):
    source = LITERAL.replace(
        '"2024-10-21")\n', '"2024-10-21")  # aoai-migrate: ignore[literal-key, client-manual]\n'
    ) + (
        "x = 1  # aoai-migrate: ignore\n"
        "y = 2  # aoai-migrate: ignore[literal-kye]\n"
        "z = 3  # aoai-migrate: ignore[key-read]\n"
    )
    root = tree(tmp_path, **{"app.py": source})
    before = snapshot(root)
    result = run_cli("--check", "--format", "json", ".", cwd=root)
    findings = [(f["rule"], f["line"], f["message"]) for f in json.loads(result.stdout)["findings"]]
    assert findings == [
        ("unused-suppression", 5, "unused suppression comment"),
        (
            "unused-suppression",
            6,
            "unknown rule id 'literal-kye' in suppression comment (did you mean 'literal-key'?)",
        ),
        ("unused-suppression", 7, "unused rule id 'key-read' in suppression comment"),
    ]
    assert result.returncode == 0, explain(result)  # an unused suppression is a warning
    assert snapshot(root) == before
    quiet = run_cli("--check", "--ignore", "unused-suppression", "--format", "json", ".", cwd=root)
    assert json.loads(quiet.stdout)["findings"] == []


def test_a_comment_naming_other_rules_still_leaves_the_client_and_reports_it(tmp_path):
    source = TO_MIGRATE.replace(
        '"2024-10-21")\n', '"2024-10-21")  # aoai-migrate: ignore[key-read]\n'
    )
    root = tree(tmp_path, **{"app.py": source})
    before = snapshot(root)
    result = run_cli("--check", ".", cwd=root)
    assert result.returncode == 1, explain(result)  # client-manual: an error
    assert "needs manual work" in result.stdout and "suppression comment" in result.stdout
    # The comment left the call, but its rule id suppressed nothing: said, as ruff does.
    assert "unused-suppression: unused rule id 'key-read' in suppression comment" in result.stdout
    run_cli(".", cwd=root)
    assert snapshot(root) == before


def test_a_migration_that_would_change_a_suppressed_line_leaves_the_file(tmp_path):
    source = (
        "import os\n"
        "from openai import AzureOpenAI\n"
        "\n"
        'KEY = os.environ["AZURE_OPENAI_API_KEY"]  # aoai-migrate: ignore\n'
        'client = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", api_key=KEY, '
        'api_version="2024-10-21")\n'
    )
    root = tree(tmp_path, **{"app.py": source})
    before = snapshot(root)
    result = run_cli(".", cwd=root)
    # The key variable would have been removed once the client no longer reads it.
    assert result.returncode == 3, explain(result)
    assert "app.py: error: the migration would change line 4" in result.stdout
    assert snapshot(root) == before


# -- statistics ---------------------------------------------------------------------------------


def test_statistics_count_findings_by_rule(tmp_path):
    root = tree(
        tmp_path,
        **{"a.py": TO_MIGRATE, "b.py": TO_MIGRATE, "c.py": MANUAL, "d.py": LITERAL},
    )
    result = run_cli("--check", "--statistics", ".", cwd=root)
    assert result.returncode == 1, explain(result)
    rows = [line.split("\t") for line in result.stdout.splitlines()[:-1]]
    assert [(r[0].strip(), r[1].strip(), r[2].strip()) for r in rows] == [
        ("2", "client-manual", "error"),
        ("2", "client-migrated", "warning"),
        ("1", "literal-key", "error"),
    ]
    assert result.stdout.splitlines()[-1] == "2 files would be migrated, 2 left unchanged"
    assert "Role assignments" not in result.stdout
    doc = json.loads(run_cli("--check", "--statistics", "--format", "json", ".", cwd=root).stdout)
    assert [(d["rule"], d["count"]) for d in doc] == [
        ("client-manual", 2),
        ("client-migrated", 2),
        ("literal-key", 1),
    ]
    ignored = run_cli("--check", "--statistics", "--ignore", "client-migrated", ".", cwd=root)
    assert "client-migrated" not in ignored.stdout
