"""``--quiet``: only what makes the run fail, that is error-level findings, and in a run that
exits 1 on changes (``--check``, ``--diff``) what would change. Colour: ``migrator.colour``."""

from __future__ import annotations

import sys

from codemods.findings import location
from migrator.colour import patch_for
from migrator.engine import CHANGED, MODE_CHECK, MODE_WRITE
from migrator.report import Report, one_line, printable


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
