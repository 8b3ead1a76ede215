"""Diffs coloured on a terminal only.

The common conventions: ``FORCE_COLOR`` (set and not empty) turns colour on even into a pipe,
``NO_COLOR`` (set and not empty) turns it off, and otherwise only a terminal gets it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

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
