"""`aoai-migrate roles` and the --roles-format / --roles-out options, run as a user runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "roles_project"
EXPECTED = FIXTURE / "expected"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parent.parent
    env_path = str(root)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {env_path!r}); from migrator.cli import main; main()",
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    app = tmp_path / "project"
    shutil.copytree(FIXTURE, app, ignore=shutil.ignore_patterns("expected"))
    return app


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_roles_prints_each_format_and_rewrites_nothing(tmp_path):
    app = _copy(tmp_path)
    before = _snapshot(app)
    for fmt, golden in (("json", "roles.json"), ("bicep", "roles.bicep")):
        done = cli("roles", ".", "--roles-format", fmt, cwd=app)
        assert done.returncode == 0, done.stderr
        assert done.stdout == (EXPECTED / golden).read_text()
    assert _snapshot(app) == before


def test_roles_out_writes_the_file(tmp_path):
    app = _copy(tmp_path)
    out = tmp_path / "roles.tf"
    done = cli("roles", ".", "--roles-format", "terraform", "--roles-out", str(out), cwd=app)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert out.read_text() == (EXPECTED / "roles.tf").read_text()
    assert "wrote 2 role assignments (terraform)" in done.stderr


def test_roles_audits_code_that_is_already_keyless(tmp_path):
    (tmp_path / "app.py").write_text(
        "import os\n"
        "from azure.identity import DefaultAzureCredential, get_bearer_token_provider\n"
        "from openai import AzureOpenAI\n"
        "tp = get_bearer_token_provider(DefaultAzureCredential(), 'https://cognitiveservices.azure.com/.default')\n"
        "client = AzureOpenAI(azure_endpoint=os.environ['AZURE_OPENAI_ENDPOINT'], azure_ad_token_provider=tp)\n"
        "client.batches.create(input_file_id='f', endpoint='/chat/completions', completion_window='24h')\n"
    )
    done = cli("roles", "app.py", "--roles-format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    [resource] = doc["resources"]
    assert resource["resource"] == "env:AZURE_OPENAI_ENDPOINT"
    assert [a["role"] for a in resource["assignments"]] == ["Cognitive Services OpenAI Contributor"]
    assert doc["clients"][0]["outcome"] == "already-keyless"


def test_migrate_writes_roles_file_and_keeps_the_report_short(tmp_path):
    app = _copy(tmp_path)
    out = tmp_path / "roles.json"
    done = cli(".", "--roles-format", "json", "--roles-out", str(out), cwd=app)
    assert done.returncode == 0, done.stderr
    assert "1 file migrated" in done.stdout
    assert "az role assignment" not in done.stdout
    assert json.loads(out.read_text())["schema_version"] == 1
    assert "azure_ad_token_provider" in (app / "clients.py").read_text()


def test_migrate_report_uses_the_chosen_format(tmp_path):
    app = _copy(tmp_path)
    done = cli(".", "--check", "--roles", "--roles-format", "terraform", cwd=app)
    assert done.returncode == 1  # --check: something would change
    assert 'resource "azurerm_role_assignment" "training_openai_openai_contributor"' in done.stdout


def test_dry_run_refuses_to_write_a_roles_file(tmp_path):
    app = _copy(tmp_path)
    before = _snapshot(app)
    out = tmp_path / "roles.bicep"
    done = cli(".", "--dry-run", "--roles-out", str(out), cwd=app)
    assert done.returncode == 2
    assert "write nothing" in done.stderr
    assert not out.exists()
    assert _snapshot(app) == before


def test_unknown_format_is_a_usage_error(tmp_path):
    done = cli("roles", str(FIXTURE), "--roles-format", "yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "unknown --roles-format 'yaml'" in done.stderr
