"""A run edits only the files it was given, unless told otherwise (``--edit-dependency-files``).

pre-commit names the staged files it wants checked; a dependency file it did not name (an
unstaged ``pyproject.toml``, a ``requirements.txt`` outside the commit) must come out of the hook
as it went in. A dependency file is *given* when it was named on the command line or lies under a
directory that was. For one that was not, the edit the run would have made becomes findings that
say exactly which line to add or change, so the user can make it (or run again with the flag).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from codemods.findings import Notice

RULE = "dependency-not-edited"
FLAG = "--edit-dependency-files"
# The notices that say an edit was made: replaced by the lines to write by hand.
_DONE_RULES = frozenset({"dependency-added", "dependency-raised"})


def is_given(path: Path, given: Iterable[Path]) -> bool:
    """``path`` (absolute) was named on the command line, or lies under a directory that was."""
    return any(g == path or (g.is_dir() and g in path.parents) for g in given)


def edits_as_findings(name: str, old: bytes, new: bytes, notices: Iterable[Notice]) -> list[Notice]:
    """The findings for an edit of ``name`` that is not made: the notices that do not claim an
    edit, and one finding per line to add or change (numbered as in the edited file)."""
    kept = [n for n in notices if n.rule not in _DONE_RULES]
    before = old.decode("utf-8", "replace").splitlines()
    after = new.decode("utf-8", "replace").splitlines()
    found: list[Notice] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        at = max(1, min(i1 + 1, len(before)))
        lines = after[j1:j2]
        if tag == "insert":
            where = f"after line {i1}" if i1 else "as the first line"
            what = f"add {_quoted(lines)} {where}"
        elif tag == "replace":
            span = f"line {i1 + 1}" if i2 - i1 == 1 else f"lines {i1 + 1}-{i2}"
            what = f"change {span} to {_quoted(lines)}"
        else:
            span = f"line {i1 + 1}" if i2 - i1 == 1 else f"lines {i1 + 1}-{i2}"
            what = f"remove {span}"
        message = (
            f"{name} was not given on the command line, so it was not edited: {what}; "
            f"or run again with {FLAG}"
        )
        found.append(Notice(at, 0, RULE, message, "warning"))
    return kept + found


def _quoted(lines: list[str]) -> str:
    return " then ".join(f"`{line}`" for line in lines) if lines else "``"
