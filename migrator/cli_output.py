"""How the text output adapts to where it goes: colour on a terminal only, and ``--quiet``.

Colour follows the common conventions: ``FORCE_COLOR`` (set and not empty) turns it on even
into a pipe, ``NO_COLOR`` (set and not empty) turns it off, and otherwise only a terminal gets it.
``--quiet`` keeps only what makes the run fail: error-level findings, and in a run that exits 1
on changes (``--check``, ``--diff``) what would change.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from codemods.findings import location
from migrator.engine import CHANGED, MODE_CHECK, MODE_WRITE
from migrator.report import Report, one_line, printable

_RESET = "\x1b[0m"
_STYLES = (
    ("+++", "\x1b[1m"),
    ("---", "\x1b[1m"),
    ("@@", "\x1b[36m"),
    ("+", "\x1b[32m"),
    ("-", "\x1b[31m"),
)


def colour_wanted(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    if env.get("FORCE_COLOR"):
        return True
    if env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # a closed or odd stream: no colour
        return False


def colour_diff(patch: str) -> str:
    """A unified diff with its headers, hunk lines, additions and removals coloured (ANSI)."""
    out = []
    for line in patch.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        end = line[len(body) :]
        style = next((s for prefix, s in _STYLES if body.startswith(prefix)), None)
        out.append(f"{style}{body}{_RESET}{end}" if style and body else line)
    return "".join(out)


def patch_for(stream: TextIO, patch: str) -> str:
    return colour_diff(patch) if patch and colour_wanted(stream) else patch


def patch_of(report: Report) -> str:
    """Every changed file's diff, in file order, as ``--dry-run`` prints them."""
    from migrator.formats import diff_text

    ordered = sorted(report.results, key=lambda r: r.path)
    return "".join(printable(diff_text(r) or "") for r in ordered)


def failing_lines(report: Report) -> list[str]:
    """The findings that make the run fail, one line each, sorted by file and position."""
    from migrator.formats import ERROR, findings

    out: list[str] = []
    shown_changed: set[str] = set()
    exits_on_change = report.mode == MODE_CHECK or report.exit_on_change
    for f in findings(report):
        would = f.rule == "client-migrated" and f.level != ERROR and report.mode != MODE_WRITE
        if f.level != ERROR and not (would and exits_on_change):
            continue
        if would:
            shown_changed.add(f.path)
        where = location(f.line, f.column - 1, f.cell)
        out.append(f"{one_line(f.path)}:{where}: {f.rule}: {one_line(f.message)}")
    if exits_on_change and report.mode != MODE_WRITE:
        for r in sorted(report.results, key=lambda r: r.path):
            if r.status == CHANGED and r.kind == "source" and r.path not in shown_changed:
                out.append(f"{one_line(r.path)}: would migrate")
    return out


def emit_quiet(report: Report, patch: str = "") -> None:
    """``--quiet``: the patch (``--diff``) on stdout, then only what fails (stdout, or stderr
    after a patch); nothing at all when nothing fails."""
    lines = failing_lines(report)
    text = printable("".join(line + "\n" for line in lines))
    out, err = sys.stdout, sys.stderr
    if patch:
        out.write(patch_for(out, printable(patch)))
        out.flush()
        err.write(text)
    else:
        out.write(text)
    out.flush()
    err.flush()
