"""The README's options table is the parser's: generated from it, and compared here."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from migrator import cli
from migrator.cli_help import options_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_options_table_is_the_migrate_command_s():
    text = README.read_text(encoding="utf-8")
    block = re.search(
        r"<!-- migrate-options:begin -->\n(.*?)<!-- migrate-options:end -->", text, re.S
    )
    assert block is not None
    assert block.group(1) == options_table(typer.main.get_command(cli.app).commands["migrate"])
    # Every option the parser has is a row (the table is not filtered down to nothing).
    for option in ("--check", "--exit-zero", "--select", "--diff", "--stdin-filename", "--roles"):
        assert f"`{option}`" in block.group(1)
