"""The batch table as text that fits a width, or as a Markdown table (``--format markdown``).

Text: columns as wide as their widest cell while the table fits; when it does not, the widest
columns that can wrap (detail, roles, repository, branch) are narrowed, widest first, and their
cells (and titles) wrapped onto continuation lines, so no line is wider than the terminal unless
the columns of numbers alone are. Nothing is cut.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap

GAP = "  "
# Columns that may wrap, narrowed in stages (widest of a stage first) down to the stage's width:
# the long texts first, then the names, then the long texts again.
_STAGES = (
    (("detail", "roles"), 24),
    (("repository", "branch_or_patch"), 10),
    (("detail", "roles"), 10),
)


def terminal_width() -> int | None:
    """The width to fit: ``COLUMNS`` when set, else the terminal's; None when not a terminal."""
    if os.environ.get("COLUMNS", "").isdigit() or sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def render_text(
    columns: tuple[tuple[str, str], ...], rows: list[dict[str, str]], width: int | None
) -> str:
    headers = dict(columns)
    keys = [k for k, _ in columns]
    widths = {k: max([len(headers[k])] + [len(r[k]) for r in rows]) for k in keys}
    if width is not None:
        _narrow(widths, width)
    last = keys[-1]

    def lines(cells: dict[str, str]) -> list[str]:
        wrapped = {k: _wrap(cells[k], widths[k]) for k in keys}
        height = max(len(v) for v in wrapped.values())
        out = []
        for i in range(height):
            parts = []
            for k in keys:
                piece = wrapped[k][i] if i < len(wrapped[k]) else ""
                parts.append(piece if k == last else piece.ljust(widths[k]))
            out.append(GAP.join(parts).rstrip())
        return out

    out = lines(headers) + [GAP.join("-" * widths[k] for k in keys)]
    for r in rows:
        out += lines(r)
    return "\n".join(out) + "\n"


def _narrow(widths: dict[str, int], width: int) -> None:
    def excess() -> int:
        return sum(widths.values()) + len(GAP) * (len(widths) - 1) - width

    for group, floor in _STAGES:
        while excess() > 0:
            shrinkable = [k for k in group if k in widths and widths[k] > floor]
            if not shrinkable:
                break
            widest = max(shrinkable, key=lambda k: widths[k])
            widths[widest] = max(floor, widths[widest] - excess())
    # Still too wide: the columns of numbers alone are wider than the terminal.


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def render_markdown(columns: tuple[tuple[str, str], ...], rows: list[dict[str, str]]) -> str:
    keys = [k for k, _ in columns]
    out = [
        "| " + " | ".join(title for _, title in columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    for r in rows:
        out.append("| " + " | ".join(_cell(r[k]) for k in keys) + " |")
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")
