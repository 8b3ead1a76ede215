"""Golden files of the framework SDK cases, byte for byte (same layout as the core cases:
``fixtures/<case>/input.py``, ``expected.py``, optional ``options.json`` and ``report.json``).

This runs only the cases listed in SDK_CASES; the core golden runner (tests/test_golden.py on
main) runs every fixture directory, these included, so once both are merged this file can go.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codemods.findings import MIGRATED
from codemods.options import MigrationOptions
from migrator.engine import migrate_source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SDK_CASES = (
    "haystack_litellm_pipeline",
    "langchain_lookalike_chat_openai",
    "langchain_rag_async",
    "llama_index_settings",
    "lookalike_github_models",
    "lookalike_module_client_vllm",
    "module_client_azure",
    "module_client_legacy_0x",
    "search_and_inference_clients",
    "sk_autogen_agents",
)
NOOP = ("lookalike", "module_client_legacy_0x")
CASES = [FIXTURES / name for name in SDK_CASES]


def _run(case: Path, name: str):  # type: ignore[no-untyped-def]
    options_path = case / "options.json"
    options = (
        MigrationOptions(**json.loads(options_path.read_text()))
        if options_path.is_file()
        else MigrationOptions()
    )
    path = case / name
    return migrate_source(path.read_bytes(), options, str(path))


@pytest.mark.parametrize("case", CASES, ids=SDK_CASES)
def test_output_matches_expected_bytes(case: Path):
    assert _run(case, "input.py").new == (case / "expected.py").read_bytes()


@pytest.mark.parametrize("case", CASES, ids=SDK_CASES)
def test_report_matches(case: Path):
    wanted = json.loads((case / "report.json").read_text(encoding="utf-8"))
    result = _run(case, "input.py")
    assert [{"line": c.line, "cls": c.cls, "outcome": c.outcome} for c in result.clients] == wanted[
        "clients"
    ]
    assert [n.rule for n in result.notices] == wanted["notices"]


@pytest.mark.parametrize("case", CASES, ids=SDK_CASES)
def test_second_run_changes_nothing(case: Path):
    expected = (case / "expected.py").read_bytes()
    again = _run(case, "expected.py")
    assert again.new == expected
    assert not [c for c in again.clients if c.outcome == MIGRATED]


@pytest.mark.parametrize("case", CASES, ids=SDK_CASES)
def test_expected_compiles(case: Path):
    compile((case / "expected.py").read_bytes(), str(case / "expected.py"), "exec")


@pytest.mark.parametrize(
    "case", [c for c in CASES if any(m in c.name for m in NOOP)], ids=lambda c: c.name
)
def test_noop_cases_are_byte_identical(case: Path):
    assert (case / "expected.py").read_bytes() == (case / "input.py").read_bytes()
