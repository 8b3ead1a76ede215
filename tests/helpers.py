"""Shared helpers for the codemod tests."""

from __future__ import annotations

import textwrap

from codemods.options import MigrationOptions
from migrator.engine import SourceResult, migrate_source


def run(source: str, **options: object) -> SourceResult:
    return migrate_source(textwrap.dedent(source).encode(), MigrationOptions(**options))  # type: ignore[arg-type]


def code(source: str, **options: object) -> str:
    return run(source, **options).new.decode()


def outcomes(source: str, **options: object) -> list[tuple[int, str, str]]:
    return [(c.line, c.cls, c.outcome) for c in run(source, **options).clients]
