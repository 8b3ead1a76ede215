"""What a run says about each file: its status, and the mode the run was in. Shared by the
engine (Python modules) and the notebook path, neither of which imports the other for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codemods.findings import ClientRecord, Notice

if TYPE_CHECKING:
    from codemods.usage_graph import ModuleFacts

UNCHANGED = "unchanged"
CHANGED = "changed"
FAILED = "failed"
SKIPPED = "skipped"  # not looked at (a generated file); ``FileResult.reason`` says why

MODE_WRITE = "write"
MODE_DIFF = "diff"
MODE_CHECK = "check"


@dataclass(frozen=True)
class NotebookPositions:
    """Where each cell's source is in a notebook's JSON text, as the analysis read it: per cell
    number (from 1), each JSON string of its source as (line of the file where the string
    starts, from 1; column where it starts, from 0; its value). The report places notebook
    findings with it, so it never reads the file again (an in-place run has rewritten it)."""

    cells: tuple[tuple[int, tuple[tuple[int, int, str], ...]], ...] = ()


@dataclass(frozen=True)
class FileResult:
    path: str
    status: str
    clients: tuple[ClientRecord, ...] = ()
    notices: tuple[Notice, ...] = ()
    error: str | None = None
    error_line: int | None = None  # a failed file: the line the error is on, when one is known
    diff: str | None = None
    written: bool = False
    parsed: bool = False
    kind: str = "source"  # "source" (code, notebooks) or "project" (dependency and config files)
    # Usage facts, for the role analysis.
    facts: ModuleFacts | None = field(default=None, repr=False)
    reason: str | None = None  # why a file was skipped
    # Literal keys (and their pieces) found in a changed file, for masking a patch made from it
    # (``aoai-migrate batch --patch-dir``). Never printed: no format reads this field.
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)
    # Between the analysis and the write phase of a run: the bytes read (``data``) and, for a
    # changed file, the bytes to write (``new``). ``write_result`` drops both.
    data: bytes | None = field(default=None, repr=False, compare=False)
    new: bytes | None = field(default=None, repr=False, compare=False)
    # A notebook: where its cells' sources are in the file as read, for the report.
    positions: NotebookPositions | None = field(default=None, repr=False, compare=False)
    # A file whose clients were migrated: (the credential its setup builds, why that one).
    credential: tuple[str, str] | None = None
    # The lines the findings point at, as the analysis read them (literal keys masked): (line,
    # text). SARIF fingerprints hash them (``migrator.sarif_extras``); kept when ``data`` goes.
    flagged_lines: tuple[tuple[int, str], ...] = field(default=(), repr=False, compare=False)
