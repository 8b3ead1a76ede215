"""A literal key reaches no output in any spelling, and every spelling is reported by location."""

from __future__ import annotations

import pytest

from codemods.options import MigrationOptions
from migrator.engine import MODE_DIFF, mask_secrets
from migrator.files import process_file
from tests.untrusted_secrets import fragments, measure, plant, spellings

SPELLINGS = spellings()


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    return measure(tmp_path_factory.mktemp("untrusted-secrets"))


def test_no_output_shows_a_key_or_a_piece_of_it_in_any_spelling(figures):
    assert figures["problems"] == []
    assert figures["secrets_leaked"] == 0
    assert figures["literal_key_findings_missing"] == 0
    assert figures["spellings"] == len(SPELLINGS) >= 30
    # dry-run diff, the reports in four formats, roles, batch table, summaries, patch, commit
    assert figures["outputs_searched"] >= 14
    assert figures["files_corrupted"] == 0


@pytest.mark.parametrize(
    "spelling", [s for s in SPELLINGS if s.file.endswith(".py")], ids=lambda s: s.name
)
def test_each_spelling_is_masked_in_the_diff_and_reported_on_its_line(spelling, tmp_path):
    plant(tmp_path, [spelling])
    result = process_file(str(tmp_path / spelling.file), MigrationOptions(), MODE_DIFF)
    diff = result.diff or ""  # a client left as it is (config-dict-shared) changes nothing
    assert (result.status == "changed") == (spelling.name != "config-dict-shared"), result
    shown = [f for f in fragments(spelling) if f in diff]
    assert shown == [], diff
    lines = [n.line for n in result.notices if n.rule == "literal-key"]
    assert spelling.line in lines, result.notices
    assert spelling.key not in repr(result)


@pytest.mark.parametrize(
    "spelling", [s for s in SPELLINGS if s.file.endswith(".ipynb")], ids=lambda s: s.name
)
def test_each_spelling_is_masked_in_a_notebook_diff(spelling, tmp_path):
    plant(tmp_path, [spelling])
    result = process_file(str(tmp_path / spelling.file), MigrationOptions(), MODE_DIFF)
    assert result.diff is not None and "<masked, " in result.diff
    assert [f for f in fragments(spelling) if f in result.diff] == [], result.diff
    assert any(n.rule == "literal-key" and n.cell == 1 for n in result.notices)


def test_a_short_piece_is_masked_only_where_it_stands_in_quotes():
    diff = '-key = "abc1234" "0123456789ab" \\\n+x = abc1234 + "abc1234"\n'
    masked = mask_secrets(diff, ("abc1234", "0123456789ab"))
    assert masked == (
        '-key = "<masked, 7 characters>" "<masked, 12 characters>" \\\n'
        '+x = abc1234 + "<masked, 7 characters>"\n'
    )
    assert masked.count("\n") == diff.count("\n")


def test_a_literal_that_is_not_a_key_argument_is_left_alone(tmp_path):
    (tmp_path / "app.py").write_text(
        "from openai import AzureOpenAI\n"
        'DEPLOYMENT = "0123456789abcdef0123456789abcdef"\n'
        'client = AzureOpenAI(api_key="fedcba9876543210fedcba9876543210", azure_deployment=DEPLOYMENT)\n'
    )
    result = process_file(str(tmp_path / "app.py"), MigrationOptions(), MODE_DIFF)
    assert [n.line for n in result.notices if n.rule == "literal-key"] == [3]
    assert "0123456789abcdef0123456789abcdef" in (result.diff or "")


def test_a_client_left_as_it_is_still_reports_its_literal_key(tmp_path):
    # A config dict used elsewhere too is not rewritten (needs manual work): the key in it must
    # still be reported, so that someone rotates it.
    (tmp_path / "app.py").write_text(
        "from openai import AzureOpenAI\n"
        'CONFIG = {"api_key": "0123456789abcdef0123456789abcdef"}\n'
        "client = AzureOpenAI(**CONFIG)\n"
        "print(CONFIG)\n"
    )
    result = process_file(str(tmp_path / "app.py"), MigrationOptions(), MODE_DIFF)
    assert [c.outcome for c in result.clients] == ["manual"]
    assert [n.line for n in result.notices if n.rule == "literal-key"] == [2]
