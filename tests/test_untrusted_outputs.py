"""File names that are not UTF-8 and hostile notebooks, through the real command line
(builders in ``tests/untrusted_outputs.py``, shared with the reliability bench)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest

from tests.untrusted_outputs import (
    EXIT_CHANGES,
    JSON_FORMATS,
    ODD_NAMES,
    ROLES_FORMATS,
    TEXT_FORMATS,
    Tally,
    _patch_applies,
    check_notebooks,
    migrated_reference,
    notebook_cases,
    odd_name_tree,
    output_problems,
    run_cli,
    tree_bytes,
)


@pytest.mark.parametrize("fmt", [*TEXT_FORMATS, *JSON_FORMATS])
def test_check_with_names_that_are_not_utf8_in_every_format(tmp_path: Path, fmt: str):
    original = odd_name_tree(tmp_path)
    run = run_cli(".", "--check", "--format", fmt, cwd=tmp_path)
    assert output_problems(run, fmt) == []
    assert run.returncode == EXIT_CHANGES
    assert tree_bytes(tmp_path) == original
    out = run.stdout.decode("utf-8")
    if fmt == "json":
        doc = json.loads(out)
        # The shown path is readable; the URI gives back the exact bytes of the name.
        files = {
            f["path"]: unquote_to_bytes(f["uri"]) for f in doc["files"] if f["kind"] == "source"
        }
        assert files == {
            "caf\\xe9.py": b"caf\xe9.py",
            "\\xff\\xfe.py": b"\xff\xfe.py",
            "two\\nlines.py": b"two\nlines.py",
        }
        assert {unquote_to_bytes(f["file_uri"]) for f in doc["findings"]} >= set(ODD_NAMES)
    elif fmt == "sarif":
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out)["runs"][0]["results"]
        }
        assert {"caf%E9.py", "%FF%FE.py", "two%0Alines.py"} <= uris
    else:
        # One finding per line: a line break in a name cannot forge a line of its own.
        assert "caf\\xe9.py:4:10: " in out or "file=caf\\xe9.py," in out
        assert not any(line.startswith("lines.py") for line in out.splitlines())


def test_the_dry_run_patch_names_the_files_as_git_does_and_applies(tmp_path: Path):
    work = tmp_path / "tree"
    original = odd_name_tree(work)
    run = run_cli(".", "--dry-run", cwd=work)
    assert output_problems(run) == [] and run.returncode == 0
    assert tree_bytes(work) == original
    assert b'--- "a/caf\\351.py"\n+++ "b/caf\\351.py"\n' in run.stdout
    assert b'--- "a/two\\nlines.py"\n' in run.stdout
    assert _patch_applies(run.stdout, work, original, migrated_reference(tmp_path)) == []


@pytest.mark.parametrize("fmt", ROLES_FORMATS)
def test_roles_outputs_with_names_that_are_not_utf8(tmp_path: Path, fmt: str):
    odd_name_tree(tmp_path)
    run = run_cli("roles", ".", "--roles-format", fmt, cwd=tmp_path)
    assert output_problems(run, "json" if fmt == "json" else "text") == []
    assert run.returncode == 0
    out = run.stdout.decode("utf-8")
    if fmt == "json":
        paths = {c["path"] for c in json.loads(out)["clients"]}
        assert paths == {"caf\\xe9.py", "\\xff\\xfe.py", "two\\nlines.py"}
    else:
        assert "caf\\xe9.py:4" in out and "two\\nlines.py:4" in out


def test_a_file_named_with_bytes_that_are_not_utf8_is_migrated(tmp_path: Path):
    odd_name_tree(tmp_path)
    (tmp_path / "plain").mkdir()
    with open(os.path.join(os.fsencode(tmp_path), b"plain", b"plain.py"), "wb") as handle:
        handle.write(tree_bytes(tmp_path)[b"caf\xe9.py"])
    run = run_cli(".", cwd=tmp_path)
    assert output_problems(run) == [] and run.returncode == 0
    after = tree_bytes(tmp_path)
    reference = (tmp_path / "plain" / "plain.py").read_bytes()
    assert b"azure_ad_token_provider=token_provider" in reference
    assert [after[name] for name in ODD_NAMES] == [reference] * len(ODD_NAMES)


def test_hostile_notebooks_migrate_and_run_top_to_bottom(tmp_path: Path):
    tally = Tally("outputs")
    check_notebooks(tmp_path, tally)
    figures = tally.figures()
    assert figures["problems"] == []
    assert figures["tried"] == figures["as_expected"] == len(notebook_cases())
    assert figures["notebooks_that_fail_top_to_bottom"] == figures["files_corrupted"] == 0
