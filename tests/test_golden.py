"""Golden files: whole-file fidelity of the migration, byte for byte.

Every ``fixtures/<case>/input.py`` that has an ``expected.py`` next to it is a case
(``fixtures/demo`` is the README's demo app, not a golden case). Optional files:

* ``options.json``: keyword arguments of ``MigrationOptions`` for the case;
* ``report.json``: what the run must report, as
  ``{"clients": [{"line": .., "cls": .., "outcome": ..}, ...], "notices": [rule, ...]}``
  (both lists in the order the tool reports them) and, optionally, ``"notice_mentions"``:
  strings each of which must appear in the message of some notice.

Files are read and compared as bytes, so line endings, encodings and BOMs are part of the
contract (``fixtures/.gitattributes`` keeps git from converting them).

Each aspect is its own parametrized test so that an expected failure of one aspect of a case
(marked in ``XFAIL``) never hides a regression in another.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codemods.findings import MIGRATED
from codemods.options import MigrationOptions
from migrator.engine import migrate_source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SKIP = {"demo"}
# Cases whose expected output is their input (look-alikes that must not be touched).
NOOP_PREFIXES = ("lookalike_", "already_")

# (case, aspect) -> why the tool's current output is known to be wrong. strict: a fix must
# remove the entry.
XFAIL: dict[tuple[str, str], str] = {}


def _cases() -> list[Path]:
    return sorted(
        d
        for d in FIXTURES.iterdir()
        if d.is_dir()
        and d.name not in SKIP
        and (d / "input.py").is_file()
        and (d / "expected.py").is_file()
    )


CASES = _cases()


def _params(aspect: str) -> list:
    params = []
    for case in CASES:
        reason = XFAIL.get((case.name, aspect))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


def _options(case: Path) -> MigrationOptions:
    path = case / "options.json"
    if not path.is_file():
        return MigrationOptions()
    return MigrationOptions(**json.loads(path.read_text(encoding="utf-8")))


def _run(case: Path, name: str):  # type: ignore[no-untyped-def]
    path = case / name
    # Named as no file on disk: the fixture is migrated as a file outside any project (ruff's
    # defaults), not under this repository's own pyproject.toml, as the CLI tests copy it.
    return migrate_source(path.read_bytes(), _options(case), f"{case.name}/{name}")


def test_there_are_golden_cases():
    assert len(CASES) >= 14, [c.name for c in CASES]


@pytest.mark.parametrize("case", _params("output"))
def test_output_matches_expected_bytes(case: Path):
    expected = (case / "expected.py").read_bytes()
    actual = _run(case, "input.py").new
    if actual != expected:
        # Show the difference with line endings and non-ASCII bytes visible.
        assert actual.decode("latin-1").splitlines(keepends=True) == expected.decode(
            "latin-1"
        ).splitlines(keepends=True)
    assert actual == expected


@pytest.mark.parametrize("case", _params("report"))
def test_report_matches(case: Path):
    path = case / "report.json"
    if not path.is_file():
        pytest.skip("no report.json")
    wanted = json.loads(path.read_text(encoding="utf-8"))
    result = _run(case, "input.py")
    clients = [{"line": c.line, "cls": c.cls, "outcome": c.outcome} for c in result.clients]
    assert clients == wanted.get("clients", [])
    assert [n.rule for n in result.notices] == wanted.get("notices", [])
    for text in wanted.get("notice_mentions", []):
        assert any(text in n.message for n in result.notices), (text, result.notices)


@pytest.mark.parametrize("case", _params("idempotent"))
def test_second_run_changes_nothing(case: Path):
    expected = (case / "expected.py").read_bytes()
    again = _run(case, "expected.py")
    assert again.new == expected
    assert not [c for c in again.clients if c.outcome == MIGRATED]


@pytest.mark.parametrize("case", _params("compiles"))
def test_expected_compiles(case: Path):
    path = case / "expected.py"
    compile(path.read_bytes(), str(path), "exec")


@pytest.mark.parametrize(
    "case", [p for p in _params("noop") if p.values[0].name.startswith(NOOP_PREFIXES)]
)
def test_noop_cases_are_byte_identical(case: Path):
    """Look-alikes and already-keyless code: expected.py is input.py, byte for byte."""
    assert (case / "expected.py").read_bytes() == (case / "input.py").read_bytes()
