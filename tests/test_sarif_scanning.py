"""SARIF for code scanning: fingerprints that follow the code, help for every rule, no region on
a directory, and every rule id the tool can emit documented in the README."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import jsonschema
import pytest
from clitools import cli, write_tree

from codemods import sdks
from migrator import formats, sarif_extras

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json"
RULE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")

# Two clients on identical lines, so the fingerprints must tell equal lines apart.
TWINS = (
    "import os\n"
    "from openai import AzureOpenAI\n"
    "\n"
    'a = AzureOpenAI(azure_endpoint=os.environ["E"], api_key=os.environ["K"], api_version="1")\n'
    'a = AzureOpenAI(azure_endpoint=os.environ["E"], api_key=os.environ["K"], api_version="1")\n'
)
NOTEBOOK_CELL = (
    "import os\n"
    "from openai import AzureOpenAI\n"
    'nb = AzureOpenAI(azure_endpoint=os.environ["E"], api_key=os.environ["K"], api_version="1")\n'
)


def _notebook(cells: list[str]) -> str:
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": text.splitlines(keepends=True),
                }
                for text in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "app")
    (root / "twins.py").write_text(TWINS)
    (root / "nb.ipynb").write_text(_notebook([NOTEBOOK_CELL]))
    return root


def sarif(tree: Path) -> dict:
    out = cli(["migrate", ".", "--check", "--format", "sarif"], cwd=tree)
    log = json.loads(out.stdout)
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    return log


def _located(log: dict) -> dict[tuple[str, str, str], int | None]:
    """fingerprint -> (rule, file, start line or None), checking each fingerprint is unique."""
    out = {}
    for result in log["runs"][0]["results"]:
        physical = result["locations"][0]["physicalLocation"]
        (fingerprint,) = result["partialFingerprints"].values()
        assert fingerprint not in out, result
        out[fingerprint] = (
            result["ruleId"],
            physical["artifactLocation"]["uri"],
            physical.get("region", {}).get("startLine"),
        )
    return out


def test_fingerprints_are_equal_across_two_runs(tree):
    first, second = _located(sarif(tree)), _located(sarif(tree))
    assert first == second
    assert ("client-migrated", "twins.py", 4) in first.values()
    assert ("client-migrated", "twins.py", 5) in first.values()


def test_fingerprints_survive_lines_and_cells_inserted_above(tree):
    before = _located(sarif(tree))
    for path in tree.glob("*.py"):
        path.write_text("# a header added later\n\n\n" + path.read_text())
    (tree / "nb.ipynb").write_text(_notebook(["print('setup')\n", NOTEBOOK_CELL]))
    after = _located(sarif(tree))
    assert set(after) == set(before)
    moved = [fp for fp in before if before[fp][2] is not None and before[fp][0] != "file-failed"]
    assert moved
    for fp in moved:
        rule, uri, line = before[fp]
        assert after[fp][:2] == (rule, uri)
        if uri.endswith(".py"):
            assert after[fp][2] == line + 3, (rule, uri)
        else:
            assert after[fp][2] > line, (rule, uri)


def test_a_changed_flagged_line_gets_another_fingerprint(tree):
    before = _located(sarif(tree))
    path = tree / "manual.py"
    path.write_text(path.read_text().replace('os.environ["TOKEN"]', 'os.environ["OTHER_TOKEN"]'))
    after = _located(sarif(tree))
    manual = {fp for fp, (rule, uri, _) in before.items() if uri == "manual.py"}
    assert manual and not manual & set(after)


def test_every_rule_has_help_pointing_at_its_readme_row(tree):
    readme = README.read_text(encoding="utf-8")
    rules = sarif(tree)["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= set(formats.RULES)
    for rule in rules:
        assert rule["helpUri"].startswith(("https://", "http://"))
        fragment = rule["helpUri"].rsplit("#", 1)[1]
        assert f'<a id="{fragment}"></a>`{rule["id"]}`' in readme
        assert rule["help"]["text"] and rule["help"]["markdown"]


def test_a_directory_finding_has_no_region(tree):
    results = sarif(tree)["runs"][0]["results"]
    (missing,) = [r for r in results if r["ruleId"] == "no-dependency-file"]
    physical = missing["locations"][0]["physicalLocation"]
    assert "region" not in physical
    assert physical["artifactLocation"]["uri"].endswith("/")
    assert all("region" in r["locations"][0]["physicalLocation"] for r in results if r != missing)
    annotations = cli(["migrate", ".", "--check", "--format", "github"], cwd=tree).stdout
    (line,) = [a for a in annotations.splitlines() if "(no-dependency-file)" in a]
    assert "line=" not in line and "col=" not in line


def _reference() -> str:
    text = README.read_text(encoding="utf-8")
    block = re.search(
        r"<!-- rule-reference:begin -->\n(.*?)<!-- rule-reference:end -->", text, re.S
    )
    assert block is not None
    return block.group(1)


def _reference_ids() -> list[str]:
    return re.findall(r'<a id="rule-[^"]+"></a>`([^`]+)`', _reference())


def test_readme_rule_reference_is_generated_from_the_registry():
    sdk_of = {rule_id: sdk for rule_id, (_, sdk) in sdks.RULES.items()}
    assert _reference() == sarif_extras.rules_table(formats.RULES, sdk_of)


def _rule_ids_in_the_code() -> dict[str, str]:
    """Rule ids the source can emit: constants named *RULE* and literal Notice rule arguments."""
    found: dict[str, str] = {}
    for path in sorted([*ROOT.glob("codemods/**/*.py"), *ROOT.glob("migrator/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[ast.expr] = []
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and "RULE" in t.id for t in node.targets
            ):
                values.append(node.value)
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Notice":
                values += node.args[2:3] + [k.value for k in node.keywords if k.arg == "rule"]
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    if RULE_ID.fullmatch(value.value):
                        found.setdefault(value.value, str(path.relative_to(ROOT)))
    return found


def test_every_rule_id_the_code_can_emit_is_documented():
    emitted = _rule_ids_in_the_code()
    assert {"module-client-env", "settings-key-field", "no-dependency-file"} <= set(emitted)
    documented = set(_reference_ids())
    assert {r: where for r, where in emitted.items() if r not in documented} == {}
    assert {r: where for r, where in emitted.items() if r not in formats.RULES} == {}


def test_every_rule_id_a_run_emits_is_documented(tree):
    emitted = {r["ruleId"] for r in sarif(tree)["runs"][0]["results"]}
    assert len(emitted) >= 6
    assert emitted <= set(_reference_ids())
