"""Per-line suppression comments: ``# aoai-migrate: ignore`` (optionally ``ignore[rule,...]``).

A comment suppresses the findings on its own line: every finding when bare, the named rules
otherwise. A client call with a comment on the line its finding points at (the first line of
the call, as ruff places ``noqa``) or on the line of its key argument is left byte-identical
(``codemods.suppressed``); its finding is suppressed when the comment is bare or names a
``client-*`` rule. A comment that suppresses nothing, a rule id in one that suppresses nothing
there, and an unknown rule id are reported as ``unused-suppression``, as ruff reports ``RUF100``.

A suppressed line never changes: if the migration of a file would change one (a key variable
it would remove, say), the whole file is left as it was and reported (``SuppressedLineChanged``).
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from codemods import suppressed
from codemods.findings import Notice

RULE = "unused-suppression"
RULES = {
    RULE: (
        "A suppression comment (or a rule id in one) that suppresses nothing, or names no rule",
        "warning",
    )
}
_MARK = b"aoai-migrate:"
_COMMENT = re.compile(r"#\s*aoai-migrate:\s*ignore\b(?:\[([^\]]*)\])?")
_CLIENT_PREFIX = "client-"


@dataclass(frozen=True)
class Suppression:
    line: int
    column: int  # 0-based, of the comment's ``#``
    rules: tuple[str, ...] | None  # None: every rule

    def covers(self, rule: str) -> bool:
        return self.rules is None or rule in self.rules

    def covers_clients(self) -> bool:
        return self.rules is None or any(r.startswith(_CLIENT_PREFIX) for r in self.rules)


class SuppressedLineChanged(Exception):
    """The migration would change a line that carries a suppression comment."""

    def __init__(self, line: int) -> None:
        super().__init__(
            f"the migration would change line {line}, which has an aoai-migrate suppression "
            "comment; the whole file is left as it was (move the comment, or migrate by hand)"
        )
        self.line = line


def parse(data: bytes) -> dict[int, Suppression]:
    """The suppression comments of a module's bytes, by line. Real comments only (tokenize); when
    the bytes do not tokenize, every line that holds the text counts, so none is missed."""
    if _MARK not in data:
        return {}
    found: dict[int, Suppression] = {}
    try:
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if token.type == tokenize.COMMENT:
                _add(found, token.string, token.start[0], token.start[1])
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, LookupError):
        found = {}
        text = data.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            position = line.find("#")
            while position != -1:
                if _add(found, line[position:], number, position):
                    break
                position = line.find("#", position + 1)
    return found


def _add(found: dict[int, Suppression], comment: str, line: int, column: int) -> bool:
    match = _COMMENT.match(comment)
    if match is None:
        return False
    listed = match.group(1)
    rules = None
    if listed is not None:
        rules = tuple(dict.fromkeys(r.strip() for r in listed.split(",") if r.strip()))
    found[line] = Suppression(line, column, rules)
    return True


def around(data: bytes, options: Any, migrate: Callable[[Any], Any]) -> Any:
    """``migrate(options)`` (an engine ``SourceResult`` of ``data``), told the module's suppressed
    lines, with the suppressions applied (see ``apply``)."""
    marks = parse(data)
    if not marks:
        return migrate(options)
    result = migrate(replace(options, suppressed_lines=tuple(sorted(marks))))
    return apply(data, result, marks)


def apply(data: bytes, result: Any, marks: dict[int, Suppression]) -> Any:
    """``result`` (an engine ``SourceResult`` of ``data``) with the suppressed findings removed and
    the unused suppressions reported. Raises SuppressedLineChanged when a suppressed line would
    change."""
    if result.new != data:
        _check_unchanged(data, result.new, marks)
    used: dict[int, set[str]] = {line: set() for line in marks}
    # The client calls a comment left as they are: the call's line -> the comment's line.
    left: dict[int, int] = {}
    notices: list[Notice] = []
    for n in result.notices:
        mark = marks.get(n.line)
        if n.rule == suppressed.USED:
            used[n.line].add(suppressed.USED)
            left[int(n.subject or n.line)] = n.line
        elif mark is not None and mark.covers(n.rule):
            used[n.line].add(n.rule)
        else:
            notices.append(n)
    clients = []
    for c in result.clients:
        line = left.get(c.line, c.line) if c.reason == suppressed.REASON else c.line
        mark = marks.get(line)
        if mark is not None and mark.covers_clients():
            used[line].add(_CLIENT_PREFIX)
        else:
            clients.append(c)  # a comment that names other rules still leaves the call as it is
    if result.parsed:  # only a file the run analysed shows that a comment suppresses nothing
        notices.extend(_unused(marks, used))
    return replace(result, clients=tuple(clients), notices=tuple(notices))


def _unused(marks: dict[int, Suppression], used: dict[int, set[str]]) -> list[Notice]:
    out = []
    for line, mark in sorted(marks.items()):
        hits = used[line]
        if mark.rules is None:
            if not hits:
                out.append(Notice(line, mark.column, RULE, "unused suppression comment"))
            continue
        for rule in mark.rules:
            if rule in hits or (rule.startswith(_CLIENT_PREFIX) and _CLIENT_PREFIX in hits):
                continue
            message = f"unused rule id {rule!r} in suppression comment"
            out.append(Notice(line, mark.column, RULE, message, subject=rule))
    return out


def name_unknown(notice: Notice, known: set[str]) -> Notice:
    """An unused rule id the registry does not know, said as such (with the closest known id).
    The registry is the report's (``migrator.formats``), so the run's parent process does this."""
    if notice.rule != RULE or not notice.subject or notice.subject in known:
        return notice
    close = difflib.get_close_matches(notice.subject, sorted(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    message = f"unknown rule id {notice.subject!r} in suppression comment{hint}"
    return replace(notice, message=message)


def _check_unchanged(old: bytes, new: bytes, marks: dict[int, Suppression]) -> None:
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        for line in marks:
            if i1 < line <= i2:  # line numbers are 1-based: line N is old_lines[N - 1]
                raise SuppressedLineChanged(line)
