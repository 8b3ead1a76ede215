"""The ``az`` role script, run by bash against a stand-in ``az`` on PATH that records its calls.

With a variable unset the script must stop before its first ``az`` call (no assignment to an
empty principal or scope); with them set it makes the role assignments and never turns key
authentication off (that is a separate step, commented out, for after ``aoai-migrate verify``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "roles_project"
BASH = shutil.which("bash")
VARIABLES = {
    "PRINCIPAL_ID": "11111111-1111-1111-1111-111111111111",
    "DEVELOPER_OBJECT_ID": "22222222-2222-2222-2222-222222222222",
    "AZURE_OPENAI_RESOURCE_ID": "/subscriptions/s/resourceGroups/g/providers/x/accounts/serving",
    "TRAINING_OPENAI_RESOURCE_ID": "/subscriptions/s/resourceGroups/g/providers/x/accounts/train",
}

pytestmark = pytest.mark.skipif(BASH is None, reason="the role script is a bash script")


@pytest.fixture(scope="module")
def script(tmp_path_factory) -> Path:
    """The script as a user gets it: ``aoai-migrate roles --roles-out``."""
    out = tmp_path_factory.mktemp("roles") / "roles.sh"
    subprocess.run(
        [sys.executable, "-m", "migrator", "roles", ".", "--roles-out", str(out)],
        cwd=FIXTURE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


def run_with_stub(script: Path, tmp_path: Path, variables: dict[str, str]):
    stubs = tmp_path / "bin"
    stubs.mkdir()
    calls = tmp_path / "az-calls"
    az = stubs / "az"
    # Each call: its arguments, one a line, then an empty line.
    az.write_text(f'#!{BASH}\nprintf "%s\\n" "$@" >> "{calls}"\necho >> "{calls}"\n')
    az.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(variables, PATH=f"{stubs}{os.pathsep}{env.get('PATH', '')}")
    result = subprocess.run(  # noqa: PLW1510 - the exit code is what is tested
        [BASH, str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    made = calls.read_text().split("\n\n") if calls.exists() else []
    return result, [call.split("\n") for call in made if call]


@pytest.mark.parametrize("unset", sorted(VARIABLES))
def test_an_unset_variable_stops_the_script_before_any_az_call(script, tmp_path, unset):
    variables = {k: v for k, v in VARIABLES.items() if k != unset}
    result, calls = run_with_stub(script, tmp_path, variables)
    assert result.returncode != 0
    assert calls == []
    assert f"set {unset}" in result.stderr


def test_an_empty_variable_stops_it_too(script, tmp_path):
    result, calls = run_with_stub(script, tmp_path, {**VARIABLES, "PRINCIPAL_ID": ""})
    assert result.returncode != 0 and calls == []


def test_with_the_variables_set_it_assigns_the_roles_and_leaves_keys_on(script, tmp_path):
    result, calls = run_with_stub(script, tmp_path, VARIABLES)
    assert result.returncode == 0, result.stderr
    assert all(call[:3] == ["role", "assignment", "create"] for call in calls), calls

    def option(call: list[str], name: str) -> str:
        return call[call.index(name) + 1]

    made = sorted(
        (
            option(c, "--assignee-object-id"),
            option(c, "--assignee-principal-type"),
            option(c, "--scope"),
        )
        for c in calls
    )
    serving, training = (
        VARIABLES["AZURE_OPENAI_RESOURCE_ID"],
        VARIABLES["TRAINING_OPENAI_RESOURCE_ID"],
    )
    workload, developer = VARIABLES["PRINCIPAL_ID"], VARIABLES["DEVELOPER_OBJECT_ID"]
    assert made == sorted(
        [
            (workload, "ServicePrincipal", serving),
            (workload, "ServicePrincipal", training),
            (developer, "User", serving),
            (developer, "User", training),
        ]
    )
    assert not any("disableLocalAuth" in arg for call in calls for arg in call)


def test_turning_keys_off_is_a_separate_commented_step_after_verify(script):
    text = script.read_text()
    lines = text.splitlines()
    off = [line for line in lines if "disableLocalAuth" in line]
    assert off and all(line.startswith("# az resource update") for line in off)
    step = text[: text.index(off[0])]
    assert "aoai-migrate verify` passes in production" in step
