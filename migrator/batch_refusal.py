"""Why a repository's commit hook refused the batch commit, said as hook, rule and file.

The commit runs the repository's own hooks. When one refuses, the table says which hook (the
pre-commit framework's ``- hook id:`` lines, else the git hook files the repository has), and the
first problem the hook printed in the shape linters use: ``file:line:col: CODE message`` (ruff's
concise output, flake8, pylint), ruff's full output (``CODE message`` then ``--> file:line:col``),
mypy's ``file:line: error: message  [code]``, or a hook that rewrote files (``Fixing file``).
Files the commit holds come first. The git output follows, as before, for what is not parsed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from migrator.gitrepo import Git

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_HOOK_ID = re.compile(r"^- hook id: (\S+)\s*$", re.M)
_CONCISE = re.compile(
    r"^(?P<file>[^\s:][^:\n]*):(?P<line>\d+):(?:(?P<col>\d+):)?\s+(?P<rule>[A-Z]{1,5}\d{1,5})\b"
    r"(?:\s+\[\*\])?\s*(?P<message>[^\n]*)$",
    re.M,
)
_FULL = re.compile(
    r"^(?P<rule>[A-Z]{1,5}\d{1,5})(?:\s+\[\*\])?\s+(?P<message>[^\n]*)\n\s*--> "
    r"(?P<file>[^\n:]+):(?P<line>\d+):(?P<col>\d+)",
    re.M,
)
_MYPY = re.compile(
    r"^(?P<file>[^\s:][^:\n]*):(?P<line>\d+):(?:(?P<col>\d+):)? error: (?P<message>.*?)"
    r"\s+\[(?P<rule>[a-z][a-z0-9-]*)\]\s*$",
    re.M,
)
_FIXING = re.compile(r"^Fixing (?P<file>\S[^\n]*)$", re.M)
# The git hooks that can refuse a commit, in the order git runs them.
_COMMIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg")


@dataclass(frozen=True)
class Problem:
    rule: str
    file: str
    line: str = ""
    message: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        message = " ".join(self.message.split())
        if len(message) > 80:
            message = message[:79] + "…"
        said = f" ({message})" if message else ""
        return f"{self.rule} in {where}{said}"


def problems(output: str) -> list[Problem]:
    """What the hooks printed, in the order printed."""
    text = _ANSI.sub("", output)
    found: list[tuple[int, Problem]] = []
    for pattern in (_CONCISE, _FULL, _MYPY):
        for m in pattern.finditer(text):
            found.append(
                (m.start(), Problem(m["rule"], m["file"].strip(), m["line"], m["message"]))
            )
    for m in _FIXING.finditer(text):
        found.append((m.start(), Problem("files modified by the hook", m["file"].strip())))
    return [p for _, p in sorted(found, key=lambda item: item[0])]


def hook_names(output: str, git: Git | None = None) -> list[str]:
    """The hooks that refused: pre-commit's hook ids, else the commit hooks the repository has."""
    ids = list(dict.fromkeys(_HOOK_ID.findall(_ANSI.sub("", output))))
    if ids:
        return [f"hook {hook_id} (pre-commit)" for hook_id in ids]
    if git is None:
        return []
    where = git.value("rev-parse", "--git-path", "hooks")
    if not where:
        return []
    folder = where if os.path.isabs(where) else os.path.join(git.cwd, where)
    present = [n for n in _COMMIT_HOOKS if os.access(os.path.join(folder, n), os.X_OK)]
    return [f"the {' or '.join(present)} hook"] if present else []


def refusal(output: str, files: tuple[str, ...], git: Git | None, failure: str) -> str:
    """The table's detail for a refused commit: hook, rule and file, then git's own words."""
    hooks = hook_names(output, git)
    found = problems(output)
    ours = [p for p in found if p.file in files]
    first = (ours or found or [None])[0]
    parts = []
    if hooks:
        parts.append(", ".join(hooks))
    if first is not None:
        more = len(found) - 1
        parts.append(f"{first}{f' and {more} more' if more else ''}")
    said = f" by {': '.join(parts)}" if parts else ""
    return f"the commit was refused{said}; {failure}"
