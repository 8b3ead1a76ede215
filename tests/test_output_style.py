"""The migrated code looks as if the project wrote it: real ruff, before and after.

Every golden fixture, the demo app and the example repository are migrated, and ruff's linter
(``E,F,I,W``: pycodestyle, pyflakes, import sorting) and formatter are run on each changed file
as it was and as the migration left it. The migration may not add a finding the original did not
have (compared by rule code and count), and a file ruff format accepted must stay accepted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from codemods.options import MigrationOptions
from migrator.engine import migrate_source

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RUFF = Path(sys.executable).with_name("ruff")
SELECT = "E,F,I,W"
PROJECTS = ("demo", "repo_project")

pytestmark = pytest.mark.skipif(not RUFF.is_file(), reason="ruff is installed with the test extras")


def ruff_findings(path: Path, config: Path | None) -> Counter[str]:
    settings = ["--config", str(config)] if config else ["--isolated"]
    run = subprocess.run(
        [str(RUFF), "check", *settings, "--no-cache", "--select", SELECT]
        + ["--output-format", "json", "--exit-zero", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return Counter(finding["code"] for finding in json.loads(run.stdout))


def ruff_formatted(path: Path, config: Path | None) -> bool:
    settings = ["--config", str(config)] if config else ["--isolated"]
    run = subprocess.run(
        [str(RUFF), "format", *settings, "--no-cache", "--check", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # 2: ruff cannot read the file (it reads UTF-8 only): not formatted as far as it can tell.
    assert run.returncode in (0, 1, 2), run.stderr
    return run.returncode == 0


def assert_no_new_findings(
    before: Path, after: Path, configs: tuple[Path | None, Path | None] = (None, None)
) -> None:
    """``configs``: the ruff settings of the original and of the migrated copy."""
    old, new = ruff_findings(before, configs[0]), ruff_findings(after, configs[1])
    # W191 counts every tab-indented line: in a module indented with tabs, the lines the migration
    # adds are indented as the module is (mixing in spaces would be E101).
    added = {
        code: n - old[code]
        for code, n in new.items()
        if n > old[code] and not (code == "W191" and old[code])
    }
    assert not added, (after.read_text(encoding="utf-8", errors="replace"), old, new)
    if ruff_formatted(before, configs[0]):
        assert ruff_formatted(after, configs[1]), after.read_text(
            encoding="utf-8", errors="replace"
        )


def golden_cases() -> list[Path]:
    return sorted(
        d
        for d in FIXTURES.iterdir()
        if (d / "input.py").is_file() and (d / "expected.py").is_file()
    )


@pytest.mark.parametrize("case", golden_cases(), ids=lambda p: p.name)
def test_a_migrated_golden_fixture_adds_no_ruff_finding(case: Path, tmp_path: Path):
    options_file = case / "options.json"
    options = json.loads(options_file.read_text(encoding="utf-8")) if options_file.is_file() else {}
    data = (case / "input.py").read_bytes()
    before = tmp_path / "before" / "module.py"
    after = tmp_path / "after" / "module.py"
    before.parent.mkdir()
    after.parent.mkdir()
    before.write_bytes(data)
    # Migrated where no project settings apply: ruff then uses its defaults, as the tool does.
    after.write_bytes(migrate_source(data, MigrationOptions(**options), str(after)).new)
    assert_no_new_findings(before, after)


@pytest.mark.parametrize("project", PROJECTS)
def test_a_migrated_project_adds_no_ruff_finding(project: str, tmp_path: Path):
    original = tmp_path / "before" / project  # a copy, so that both see the same neighbours
    migrated = tmp_path / "after" / project
    shutil.copytree(FIXTURES / project, original)
    shutil.copytree(FIXTURES / project, migrated)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "migrator", "."],
        cwd=migrated,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    changed = [
        p.relative_to(migrated)
        for p in sorted(migrated.rglob("*"))
        if p.suffix in (".py", ".ipynb")
        and p.read_bytes() != (original / p.relative_to(migrated)).read_bytes()
    ]
    assert changed  # the project has code to migrate
    for path in changed:
        configs = (original / "pyproject.toml", migrated / "pyproject.toml")
        has_config = configs[0].is_file()
        assert_no_new_findings(
            original / path, migrated / path, configs if has_config else (None, None)
        )
