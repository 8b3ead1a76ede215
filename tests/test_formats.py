"""--format text|json|sarif|github over a tree with every kind of finding."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from clitools import SECRET, cli, write_tree

from migrator.formats import FORMATS, Finding, escape_data, escape_property, github_annotation

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "app")


def run_json(tree: Path, *extra: str) -> dict:
    out = cli(["migrate", ".", "--check", "--format", "json", *extra], cwd=tree)
    assert out.exit_code == 3, out.stderr  # broken.py cannot be parsed
    return json.loads(out.stdout)


def test_json_document(tree):
    doc = run_json(tree)
    assert doc["schema_version"] == 1
    assert doc["tool"]["name"] == "aoai-migrate"
    assert doc["mode"] == "check" and doc["exit_code"] == 3
    assert doc["summary"] == {
        "files": 7,
        "changed": 2,
        "unchanged": 3,
        "failed": 1,
        "skipped": 1,
        # The tree declares no dependencies: reported on the tree itself, nothing to edit.
        "project_files": {"changed": 0, "unchanged": 1, "failed": 0},
        "text": "2 files would be migrated, 3 left unchanged, 1 failed, 1 skipped",
    }
    for finding in doc["findings"]:
        assert set(finding) >= {"rule", "level", "file", "line", "column", "message"}
        assert isinstance(finding["line"], int) and finding["line"] >= 1
        assert isinstance(finding["column"], int) and finding["column"] >= 1
        assert finding["level"] in ("error", "warning", "note")
    by_rule = {(f["file"], f["rule"]): f for f in doc["findings"]}
    manual = by_rule[("manual.py", "client-manual")]
    assert manual["level"] == "error" and (manual["line"], manual["column"]) == (4, 10)
    assert (
        manual["client"]["class"] == "openai.AzureOpenAI"
        and manual["client"]["outcome"] == "manual"
    )
    assert by_rule[("review.py", "client-review")]["level"] == "warning"
    assert by_rule[("broken.py", "file-failed")]["level"] == "error"
    migrated = by_rule[("migrate_me.py", "client-migrated")]
    assert migrated["level"] == "warning" and "would be migrated" in migrated["message"]
    assert migrated["client"]["calls"] == [{"call": "chat.completions.create", "line": 4}]
    literal = by_rule[("migrate_me.py", "literal-key")]
    assert literal["level"] == "error" and "<masked, 32 characters>" in literal["message"]
    files = {f["path"]: f for f in doc["files"] if f["kind"] == "source"}
    assert len(files) == 7
    assert files["service_pb2.py"]["status"] == "skipped"
    assert "generated" in files["service_pb2.py"]["reason"]
    assert files["broken.py"]["status"] == "failed" and files["broken.py"]["error"]
    assert files["plain.py"]["status"] == "unchanged"
    assert [a["role"]["name"] for a in doc["role_assignments"]] == [
        "Cognitive Services OpenAI User"
    ] * len(doc["role_assignments"])
    assert doc["findings"] == sorted(
        doc["findings"], key=lambda f: (f["file"], f["line"], f["column"], f["rule"])
    )


def test_json_in_write_mode_reports_migrated_clients_as_notes(tree):
    out = cli(["migrate", ".", "--format", "json"], cwd=tree)
    doc = json.loads(out.stdout)
    migrated = [f for f in doc["findings"] if f["rule"] == "client-migrated"]
    assert migrated and all(f["level"] == "note" for f in migrated)
    assert {f["path"] for f in doc["files"] if f["written"]} == {"migrate_me.py", "odd,name:1.py"}
    # The document is alone on stdout; the summary line goes to stderr.
    assert out.stderr.strip().splitlines()[-1] == doc["summary"]["text"]


def test_json_with_dry_run_carries_the_masked_diff(tree):
    out = cli(["migrate", ".", "--dry-run", "--format", "json"], cwd=tree)
    doc = json.loads(out.stdout)
    diff = {f["path"]: f["diff"] for f in doc["files"]}["migrate_me.py"]
    assert diff.startswith("--- a/") and "+client = AzureOpenAI(" in diff
    assert "<masked, 32 characters>" in diff


def test_sarif_validates_against_the_official_schema(tree):
    out = cli(["migrate", ".", "--check", "--format", "sarif"], cwd=tree)
    log = json.loads(out.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(log)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    doc = run_json(tree)
    assert len(results) == len(doc["findings"])
    for result, finding in zip(results, doc["findings"], strict=False):
        assert result["ruleId"] == finding["rule"] == rules[result["ruleIndex"]]["id"]
        assert result["level"] == finding["level"]
        assert result["message"]["text"] == finding["message"]
        location = result["locations"][0]["physicalLocation"]
        # A directory (no dependency file in it) has no lines: no region.
        assert location.get("region") == (
            None
            if finding["rule"] == "no-dependency-file"
            else {"startLine": finding["line"], "startColumn": finding["column"]}
        )
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "odd%2Cname%3A1.py" in uris  # a relative URI, percent-encoded
    assert run["invocations"][0] == {"executionSuccessful": False, "exitCode": 3}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")


def test_sarif_schema_check_is_not_a_formality(tree):
    """The vendored schema rejects a log that breaks SARIF's rules."""
    out = cli(["migrate", ".", "--check", "--format", "sarif"], cwd=tree)
    log = json.loads(out.stdout)
    log["runs"][0]["results"][0]["level"] = "fatal"
    validator = jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text()))
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(log)


ANNOTATION = re.compile(
    r"^::(error|warning|notice) file=([^,:\r\n]*)(?:,line=(\d+),col=(\d+))?,title=([^,:\r\n]*)::([^\r\n]*)$"
)


def test_github_annotations(tree):
    out = cli(["migrate", ".", "--check", "--format", "github"], cwd=tree)
    lines = out.stdout.splitlines()
    doc = run_json(tree)
    assert len(lines) == len(doc["findings"])
    for line, finding in zip(lines, doc["findings"], strict=False):
        match = ANNOTATION.match(line)
        assert match, line
        kind, file, row, col, title, message = match.groups()
        assert kind == {"error": "error", "warning": "warning", "note": "notice"}[finding["level"]]
        if finding["rule"] == "no-dependency-file":  # a directory: no line to point at
            assert row is None and col is None
        else:
            assert (int(row), int(col)) == (finding["line"], finding["column"])
        assert title == escape_property(f"aoai-migrate ({finding['rule']})")
        assert file == escape_property(finding["file"])
        assert message == escape_data(finding["message"])
    assert any(line.startswith("::warning file=odd%2Cname%3A1.py,line=3,col=10,") for line in lines)
    assert any(line.startswith("::error file=manual.py,line=4,col=10,") for line in lines)


def test_github_escaping():
    finding = Finding(
        "literal-key", "warning", "dir,1/a:b%.py", 3, 7, "100% sure\r\nsecond line: yes, really"
    )
    line = github_annotation(finding)
    assert line == (
        "::warning file=dir%2C1/a%3Ab%25.py,line=3,col=7,title=aoai-migrate (literal-key)"
        "::100%25 sure%0D%0Asecond line: yes, really"
    )
    assert escape_data("a%0A") == "a%250A"  # a literal percent sequence is not taken for an escape
    assert escape_property("k=v,x:y") == "k=v%2Cx%3Ay"


@pytest.mark.parametrize("mode", [[], ["--check"], ["--dry-run"]])
@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_ever_prints_the_key(tmp_path, fmt, mode):
    tree = write_tree(tmp_path / "app")
    out = cli(["migrate", ".", "--format", fmt, "--verbose", *mode], cwd=tree)
    assert out.exit_code == 3
    assert SECRET not in out.stdout and SECRET not in out.stderr
    assert "<masked, 32 characters>" in out.stdout + out.stderr


def test_text_verbose_lists_skipped_files(tree):
    quiet = cli(["migrate", ".", "--check"], cwd=tree)
    assert "service_pb2.py" not in quiet.stdout
    assert (
        quiet.stdout.splitlines()[-1]
        == "2 files would be migrated, 3 left unchanged, 1 failed, 1 skipped"
    )
    loud = cli(["migrate", ".", "--check", "-v"], cwd=tree)
    assert "service_pb2.py: skipped: generated file (DO NOT EDIT on line 1)" in loud.stdout


def test_include_generated_migrates_generated_files(tree):
    out = cli(["migrate", "service_pb2.py", "--include-generated"], cwd=tree)
    assert out.exit_code == 0, out.stdout + out.stderr
    assert "azure_ad_token_provider=token_provider" in (tree / "service_pb2.py").read_text()


def _notebook(*cells: str) -> str:
    body = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": cell.splitlines(keepends=True),
            }
            for cell in cells
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(body, indent=1) + "\n"


NOTEBOOK_CLIENT = (
    "import os\n"
    "from openai import AzureOpenAI\n"
    "\n"
    "client = AzureOpenAI(\n"
    '    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],\n'
    '    api_key=os.environ["AZURE_OPENAI_API_KEY"],  # 100% temporary\n'
    '    api_version="2024-10-21",\n'
    ")\n"
)


def test_notebook_findings_name_the_cell_and_point_at_the_json_line(tmp_path):
    tree = write_tree(
        tmp_path / "nb", {"explore.ipynb": _notebook("%pip install openai\n", NOTEBOOK_CLIENT)}
    )
    stored = (tree / "explore.ipynb").read_text().splitlines()

    doc = json.loads(cli(["migrate", ".", "--check", "--format", "json"], cwd=tree).stdout)
    migrated = next(f for f in doc["findings"] if f["rule"] == "client-migrated")
    assert (migrated["file"], migrated["cell"], migrated["line"], migrated["column"]) == (
        "explore.ipynb",
        2,
        4,
        10,
    )

    lines = cli(["migrate", ".", "--check", "--format", "github"], cwd=tree).stdout.splitlines()
    annotation = next(line for line in lines if "(client-migrated)" in line)
    kind, file, row, col, _title, message = ANNOTATION.match(annotation).groups()
    assert (kind, file) == ("warning", "explore.ipynb")
    assert stored[int(row) - 1][int(col) - 1 :].startswith(
        'AzureOpenAI(\\n"'
    )  # the JSON line, at the class
    assert message.startswith("cell 2, line 4: openai.AzureOpenAI")

    log = json.loads(cli(["migrate", ".", "--check", "--format", "sarif"], cwd=tree).stdout)
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "client-migrated")
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (int(row), int(col))
    assert result["properties"] == {"cell": 2, "cellLine": 4, "cellColumn": 10}


# -- file names that are not UTF-8, or hold control characters ------------------------------------


def test_shown_paths_are_one_line_of_utf8_and_uris_keep_the_bytes():
    import os
    from urllib.parse import unquote_to_bytes

    from migrator.formats import _path_uri
    from migrator.report import shown_path

    for raw, shown in [
        (b"./caf\xe9.py", "caf\\xe9.py"),
        (b"\xff\xfe.py", "\\xff\\xfe.py"),
        (b"a/two\nlines\r.py", "a/two\\nlines\\r.py"),
        ("sp\u2028lit.py".encode(), "sp\\u2028lit.py"),
        ("café/ok.py".encode(), "café/ok.py"),
    ]:
        name = os.fsdecode(raw)
        assert shown_path(name) == shown
        shown.encode("utf-8")
        assert unquote_to_bytes(_path_uri(name)) == raw.removeprefix(b"./")


def test_diff_names_are_quoted_as_git_quotes_them_only_when_needed():
    import os

    from migrator.engine import CHANGED, FileResult, unified_diff
    from migrator.formats import diff_text

    def diff_of(raw: bytes) -> str:
        name = os.fsdecode(raw)
        return diff_text(FileResult(name, CHANGED, diff=unified_diff(name, b"a\n", b"b\n")))

    assert diff_of(b"caf\xe9.py").startswith('--- "a/caf\\351.py"\n+++ "b/caf\\351.py"\n@@')
    assert diff_of(b'q"t\\b\t.py').startswith('--- "a/q\\"t\\\\b\\t.py"\n')
    assert diff_of("café.py".encode()).startswith("--- a/café.py\n+++ b/café.py\n")
    assert diff_of(b"plain.py").startswith("--- a/plain.py\n")


# -- the report renders what the analysis carried; it reads no file ------------------------------


@pytest.mark.parametrize("fmt", ["sarif", "github"])
@pytest.mark.parametrize("after", ["deleted", "overwritten"])
def test_notebook_positions_come_from_the_analysis_not_the_file(tmp_path, monkeypatch, fmt, after):
    from migrator import api, formats
    from migrator.results import MODE_CHECK

    tree = write_tree(
        tmp_path / "nb", {"explore.ipynb": _notebook("%pip install openai\n", NOTEBOOK_CLIENT)}
    )
    stored = (tree / "explore.ipynb").read_text().splitlines()
    monkeypatch.chdir(tree)
    report = api.run(["."], mode=MODE_CHECK, jobs=1)
    before = formats.render(report, fmt)

    notebook = tree / "explore.ipynb"
    if after == "deleted":
        notebook.unlink()
    else:  # another layout: every line of the JSON moves
        notebook.write_text(json.dumps(json.loads(notebook.read_text()), indent=4) + "\n")
    rendered = formats.render(report, fmt)
    assert rendered == before

    if fmt == "sarif":
        result = next(
            r
            for r in json.loads(rendered)["runs"][0]["results"]
            if r["ruleId"] == "client-migrated"
        )
        region = result["locations"][0]["physicalLocation"]["region"]
        row, col = region["startLine"], region["startColumn"]
    else:
        annotation = next(line for line in rendered.splitlines() if "(client-migrated)" in line)
        row, col = (int(n) for n in ANNOTATION.match(annotation).groups()[2:4])
    assert stored[row - 1][col - 1 :].startswith('AzureOpenAI(\\n"')


def test_a_failed_files_line_is_carried_not_parsed_from_its_message():
    from migrator import formats
    from migrator.report import Report
    from migrator.results import FAILED, MODE_CHECK, FileResult

    report = Report(MODE_CHECK)
    report.add(FileResult("broken.py", FAILED, error="cannot parse: bad indentation", error_line=7))
    report.add(FileResult("other.py", FAILED, error="cannot parse (line 3): no line carried"))
    log = json.loads(formats.render(report, "sarif"))
    regions = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["locations"][0][
            "physicalLocation"
        ]["region"]["startLine"]
        for r in log["runs"][0]["results"]
        if r["ruleId"] == "file-failed"
    }
    assert regions == {"broken.py": 7, "other.py": 1}
