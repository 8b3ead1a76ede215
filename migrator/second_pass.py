"""What the steps after the analysis share when they edit a module again (a settings class, a
config schema): the module's bytes as the run read them and as it will write them, and the file
result that carries a new text."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from codemods.findings import Notice
from migrator.engine import CHANGED, MODE_DIFF, UNCHANGED, FileResult, mask_secrets, unified_diff


def bytes_read(result: FileResult) -> bytes:
    """The bytes the analysis read. It keeps none of an unchanged module: that one is read once
    here (the write phase writes a file only if it still holds the bytes read)."""
    return result.data if result.data is not None else Path(result.path).read_bytes()


def module_bytes(result: FileResult) -> tuple[bytes, bytes] | None:
    """(the bytes read, the bytes the run will write) of a Python module the analysis settled,
    or None for anything else."""
    if not result.path.endswith(".py") or result.status not in (CHANGED, UNCHANGED):
        return None
    read = bytes_read(result)
    return read, result.new or read


def with_text(
    result: FileResult, read: bytes, new: bytes, notices: tuple[Notice, ...], mode: str
) -> FileResult:
    """``result`` changed to write ``new`` (read as ``read``), its diff masked as the engine's."""
    diff = result.diff
    if mode == MODE_DIFF:
        diff = mask_secrets(unified_diff(result.path, read, new), result.secrets)
    return replace(
        result, status=CHANGED, notices=notices, parsed=True, data=read, new=new, diff=diff
    )
