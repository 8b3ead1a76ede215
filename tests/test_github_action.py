"""The GitHub Actions integration: ``action.yml`` (a composite action) and the example workflow
that uses it.

Their structure is checked from the parsed YAML, and the action's shell steps are run here as the
runner runs them (``bash -e``, the step's ``env:`` with its ``${{ }}`` expressions filled in): the
real install into a virtual environment, then the check, whose SARIF file is validated against
the SARIF 2.1.0 schema, then the step that fails the job.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml
from test_precommit import KEYED

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / "examples" / "github-workflow.yml"
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-2.1.0-rtm.5.json"
PACKAGE_FILES = ("pyproject.toml", "README.md", "migrator", "codemods")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def steps_by_name() -> dict[str, dict]:
    return {step["name"]: step for step in action()["runs"]["steps"]}


def test_the_workflow_runs_the_action_with_what_code_scanning_needs():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"push", "pull_request"}
    assert workflow["permissions"] == {"contents": "read", "security-events": "write"}
    [job] = workflow["jobs"].values()
    checkout, check = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@")
    assert re.fullmatch(r"[^/]+/aoai-migrate@v\d+\.\d+\.\d+", check["uses"])
    assert set(check["with"]) <= set(action()["inputs"])


def test_the_action_checks_uploads_the_sarif_even_on_failure_then_fails():
    spec = action()
    assert spec["runs"]["using"] == "composite"
    names = [step["name"] for step in spec["runs"]["steps"]]
    assert names == [
        "Install aoai-migrate",
        "Check for API keys",
        "Upload to code scanning",
        "Fail when keys remain",
    ]
    steps = steps_by_name()
    check = steps["Check for API keys"]
    assert check["id"] == "check"
    assert '"$AOAI_MIGRATE" migrate --check --format sarif' in check["run"]
    upload = steps["Upload to code scanning"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert "always()" in upload["if"]  # the report is uploaded when the check fails too
    assert spec["outputs"]["exit-code"]["value"] == "${{ steps.check.outputs.exit-code }}"


class Runner:
    """Runs the action's shell steps as a GitHub runner does, in ``workspace``."""

    def __init__(self, tmp: Path, package: Path) -> None:
        self.temp = tmp / "runner-temp"
        self.temp.mkdir()
        self.package = package
        self.outputs: dict[str, str] = {}

    def expand(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("inputs."):
                return str(action()["inputs"][expression.removeprefix("inputs.")]["default"])
            if expression == "runner.temp":
                return str(self.temp)
            if expression == "github.action_path":
                return str(self.package)
            if expression.startswith("steps.check.outputs."):
                return self.outputs[expression.removeprefix("steps.check.outputs.")]
            raise AssertionError(f"an expression the test does not know: {expression}")

        return EXPRESSION.sub(value, text)

    def run(self, step: dict, workspace: Path) -> subprocess.CompletedProcess[str]:
        assert step["shell"] == "bash"
        output = self.temp / "github-output"
        output.write_text("")
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.temp),
            "GITHUB_OUTPUT": str(output),
            **{name: self.expand(str(v)) for name, v in step.get("env", {}).items()},
        }
        result = subprocess.run(  # noqa: PLW1510 - the exit code is what is tested
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        for line in output.read_text().splitlines():
            name, _, v = line.partition("=")
            self.outputs[name] = v
        return result


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Runner:
    """The install step, run for real: a virtual environment and ``pip install`` of the action's
    directory (a snapshot of this working tree)."""
    if shutil.which("python3") is None:
        pytest.skip("the action installs with python3")
    package = tmp_path_factory.mktemp("action")
    for name in PACKAGE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, package / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, package / name)
    runner = Runner(tmp_path_factory.mktemp("runner"), package)
    installed = runner.run(steps_by_name()["Install aoai-migrate"], package)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return runner


def test_the_check_step_writes_schema_valid_sarif_and_the_job_fails_on_keys(runner, tmp_path):
    (tmp_path / "app.py").write_text(KEYED)
    check = runner.run(steps_by_name()["Check for API keys"], tmp_path)
    assert check.returncode == 0, check.stderr  # the step records the code; a later one fails
    assert runner.outputs["exit-code"] == "1"
    sarif = json.loads((tmp_path / "aoai-migrate.sarif").read_text())
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    [run] = sarif["runs"]
    assert any(
        loc["physicalLocation"]["artifactLocation"]["uri"].endswith("app.py")
        for result in run["results"]
        for loc in result["locations"]
    )
    assert (tmp_path / "app.py").read_text() == KEYED  # a check writes nothing
    fail = runner.run(steps_by_name()["Fail when keys remain"], tmp_path)
    assert fail.returncode == 1
    assert "::error::aoai-migrate --check exited with 1" in fail.stdout


def test_a_clean_tree_passes(runner, tmp_path):
    (tmp_path / "plain.py").write_text("print('hello')\n")
    check = runner.run(steps_by_name()["Check for API keys"], tmp_path)
    assert check.returncode == 0, check.stderr
    assert runner.outputs["exit-code"] == "0"
    assert json.loads((tmp_path / "aoai-migrate.sarif").read_text())["runs"][0]["results"] == []
    assert runner.run(steps_by_name()["Fail when keys remain"], tmp_path).returncode == 0
