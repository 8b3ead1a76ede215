"""The precision corpus (tests/precision/): look-alike files that must come out byte-identical.

The command line runs once over a copy of the whole corpus (once per set of ``options`` the
manifest names); each file is then checked on its own: same bytes, and exactly the report lines
its manifest entry expects.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from clitools import cli

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CORPUS = Path(__file__).parent / "precision"
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["file"]
SOURCES = (".py", ".ipynb")


def _param(entry: dict) -> object:
    marks = []
    if "known_issue" in entry:
        marks.append(pytest.mark.xfail(reason=entry["known_issue"], strict=True))
    return pytest.param(entry, id=entry["path"], marks=marks)


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory) -> dict[tuple[str, ...], tuple[Path, dict[str, list[dict]]]]:
    """options -> (the copy the command ran in, findings by corpus path)."""
    runs = {}
    for options in sorted({tuple(e.get("options", ())) for e in MANIFEST}):
        copy = tmp_path_factory.mktemp("corpus") / "precision"
        shutil.copytree(CORPUS, copy, ignore=shutil.ignore_patterns("manifest.toml", "*.md"))
        wanted = {e["path"] for e in MANIFEST if tuple(e.get("options", ())) == options}
        for path in sorted(p for p in copy.rglob("*") if p.is_file()):
            if path.relative_to(copy).as_posix() not in wanted:
                path.unlink()
        outcome = cli(["migrate", ".", "--format", "json", "-j", "1", *options], cwd=copy)
        assert outcome.exit_code in (0, 3), outcome.stderr
        report = json.loads(outcome.stdout)
        found: dict[str, list[dict]] = {}
        for finding in report["findings"]:
            found.setdefault(finding["file"].removeprefix("./"), []).append(finding)
        runs[options] = (copy, found)
    return runs


@pytest.mark.parametrize("entry", [_param(e) for e in MANIFEST])
def test_left_byte_identical_with_its_report_lines(entry, corpus_run):
    copy, found = corpus_run[tuple(entry.get("options", ()))]
    path = entry["path"]
    assert (copy / path).read_bytes() == (CORPUS / path).read_bytes(), f"{path} was changed"
    unmatched = list(found.get(path, []))
    missing = []
    for want in entry["expect"]:
        match = next(
            (
                f
                for f in unmatched
                if f["rule"] == want["rule"]
                and want["contains"] in f["message"]
                and want.get("line", f["line"]) == f["line"]
            ),
            None,
        )
        if match is None:
            missing.append(want)
        else:
            unmatched.remove(match)
    shown = [(f["rule"], f["line"], f["message"]) for f in unmatched]
    assert (missing, shown) == ([], []), f"{path}: expected but not reported / reported too"


def test_the_manifest_lists_every_corpus_file_once():
    listed = Counter(e["path"] for e in MANIFEST)
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.suffix in SOURCES}
    assert [p for p, n in listed.items() if n > 1] == []
    assert set(listed) == on_disk


def test_the_readme_counts_match_the_manifest():
    # README.md has one table row per kind: | `kind` | count | ... |
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (\d+) \|", readme, re.MULTILINE))
    counts = Counter(e["kind"] for e in MANIFEST)
    assert {k: int(v) for k, v in rows.items()} == dict(counts)
    assert sum(counts.values()) >= 60
