"""Keys planted in code, notebooks, .env and configuration never reach any output, and the tool
never runs the code it reads."""

from __future__ import annotations

from tests.reliability_corpus import KEYS, MARKER, leaks, secret_outputs


def test_no_output_of_any_format_holds_a_planted_key_and_nothing_is_executed(tmp_path):
    outputs = secret_outputs(tmp_path)
    labels = [label for label, _ in outputs]
    for needed in (
        "text (write)",
        "text --verbose",
        "--format json",
        "--format sarif",
        "--format github",
        "roles --roles-format az",
        "roles --roles-format bicep",
        "roles --roles-format terraform",
        "roles --roles-format json",
        "roles-out file",
        "--dry-run diff",
        "batch table",
        "batch --summary rollout.csv",
        "batch --summary rollout.json",
        "batch commit message",
    ):
        assert needed in labels, labels
    assert "Traceback" not in "".join(text for _, text in outputs)
    assert leaks(outputs) == []
    text = dict(outputs)
    # The outputs really talk about the keys: by location, masked (so the check above could fail).
    assert "<masked, 32 characters>" in text["--dry-run diff"]
    assert "<masked, 84 characters>" in text["--dry-run diff"]
    assert "literal-key" in text["--format json"]
    assert ".env" in text["text --verbose"] and "local.settings.json" in text["text --verbose"]
    assert (
        "api_key=" in text["--dry-run diff"] and "-client = AzureOpenAI(" in text["--dry-run diff"]
    )
    assert not list(tmp_path.rglob(MARKER)), "the tool imported or ran code it read"
    # the key files the migration made unneeded are reported, never changed
    assert KEYS[".env"] in (tmp_path / "write" / ".env").read_text()
