"""File names and text as the reports show them: valid UTF-8, one line; and the exact bytes back."""

from __future__ import annotations

import os
import re

# A control character, or a line or paragraph separator: in a shown file name it could start a
# forged line of a report or of a generated script.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """``text`` as it can always be written as UTF-8: each byte of a file name that is not UTF-8
    (Python keeps it as a lone surrogate: ``os.fsdecode``'s ``surrogateescape``) becomes
    ``\\xNN``."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no byte stands for
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def shown_path(path: str) -> str:
    """A path for people and line-based tools: ``/`` separators, no leading ``./``, bytes that are
    not UTF-8 as ``\\xNN`` and control characters as ``\\xNN`` / ``\\uNNNN``, so it is valid UTF-8
    on one line. ``raw_path`` gives back the exact name."""
    shown = path.replace(os.sep, "/")
    while shown.startswith("./"):
        shown = shown[2:]
    return one_line(shown)


def one_line(text: str) -> str:
    """``text`` (a file name as it was given) as valid UTF-8 on one line: see shown_path."""
    return _CONTROL.sub(_escaped, printable(text))


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def raw_path(path: str) -> bytes:
    """The file name's bytes, as the file system has them."""
    try:
        return os.fsencode(path)
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogatepass")
