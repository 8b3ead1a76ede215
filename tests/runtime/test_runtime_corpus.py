"""The runtime corpus: every program, run before and after migration (see README.md here).

One test per program. A failing test names each run that failed ((a) keyless, (b) keyless with
the old key variables still set, (c) the client id only in .env) and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .corpus import BY_NAME, PROGRAMS
from .harness import make_tls, run_program_corpus

pytestmark = pytest.mark.runtime


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return make_tls(tmp_path_factory.mktemp("certs"))


PARAMS = [
    pytest.param(
        program,
        id=program.name,
        marks=[getattr(pytest.mark, program.marker)] if program.marker else [],
    )
    for program in PROGRAMS
]


@pytest.mark.parametrize("program", PARAMS)
def test_program(program, tmp_path, tls):
    if program.marker == "llama_index":
        pytest.importorskip("llama_index.llms.azure_openai")
    result = run_program_corpus(program, tmp_path, tls)
    if result.original.status != "pass":
        pytest.fail("the original program must run with its key:\n" + result.explain())
    if result.failures:
        pytest.fail(result.explain(), pytrace=False)


def _put_back_key_read(folder: Path) -> None:
    """Sabotage a migrated copy: a module-level key read like the ones the issue lists."""
    main = folder / "main.py"
    text = main.read_text(encoding="utf-8")
    assert "import os\n" in text and "AZURE_OPENAI_API_KEY" not in text
    sabotaged = text.replace(
        "import os\n", 'import os\n\nKEY = os.environ["AZURE_OPENAI_API_KEY"]\n', 1
    )
    main.write_text(sabotaged, encoding="utf-8")


def test_sabotage_a_leftover_key_read_fails_run_a(tmp_path, tls):
    """The corpus can fail: a key read put back into a migrated program fails run (a)."""
    program = BY_NAME["openai_quickstart"]
    result = run_program_corpus(
        program, tmp_path, tls, after_migration=_put_back_key_read, runs=("a",)
    )
    assert result.original.status == "pass" and result.migration.status == "pass"
    run_a = result.runs["a"]
    assert run_a.status == "FAIL", result.explain()
    assert any("KeyError: 'AZURE_OPENAI_API_KEY'" in reason for reason in run_a.reasons), (
        run_a.reasons
    )
    assert not result.runs.keys() - {"a"}


def _leave_one_subscript(folder: Path) -> None:
    """Sabotage a migrated 0.x program: one response read put back the 0.x way."""
    main = folder / "main.py"
    text = main.read_text(encoding="utf-8")
    read = "response.choices[0].message.content"
    assert text.count(read) == 1 and "openai.ChatCompletion" not in text
    main.write_text(text.replace(read, 'response.choices[0].message["content"]'), encoding="utf-8")


@pytest.mark.openai_v0
def test_sabotage_an_unconverted_response_subscript_fails_run_a(tmp_path, tls):
    """The 0.x programs can fail: one subscript left as 0.x wrote it fails the migrated run."""
    program = BY_NAME["v0_chat"]
    result = run_program_corpus(
        program, tmp_path, tls, after_migration=_leave_one_subscript, runs=("a",)
    )
    assert result.original.status == "pass" and result.migration.status == "pass"
    run_a = result.runs["a"]
    assert run_a.status == "FAIL", result.explain()
    assert any("object is not subscriptable" in reason for reason in run_a.reasons), run_a.reasons
