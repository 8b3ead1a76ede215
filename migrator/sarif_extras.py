"""What code scanning needs of a SARIF log beyond the findings themselves.

* ``partialFingerprints``: an alert must follow its code across commits. The fingerprint hashes the
  rule id, the file and the flagged line as the analysis read it, with its white space collapsed
  and literal keys masked, never the line number: lines added or removed above it leave it as it
  was. Identical flagged lines of one rule in one file are told apart by their order. A finding
  with no line to hash (a file that could not be read, a dependency file) hashes its message with
  its digits blurred, so a line number in the text does not move it either.
* ``help`` and ``helpUri`` for every rule: the README's rule reference, one anchor a rule.
* Directory-level findings (``no-dependency-file``): a directory has no lines, so no region.

The README's rule reference is generated here too (``rules_table``), from the rule registry.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the report and its findings are duck-typed: formats and engine import this
    from migrator.results import FileResult, NotebookPositions

# Where the README is published: PyPI shows the README as the project's description.
DOCS_URL = "https://pypi.org/project/aoai-migrate/"
FINGERPRINT_KEY = "aoaiMigrateLineHash/v1"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DIGITS = re.compile(r"\d+")


def anchor(rule: str) -> str:
    return f"rule-{rule}"


def help_uri(rule: str) -> str:
    return f"{DOCS_URL}#{anchor(rule)}"


def rule_help(rule: str, description: str) -> dict[str, str]:
    uri = help_uri(rule)
    return {
        "text": f"{description}. See the rule reference: {uri}",
        "markdown": f"{description}. See [`{rule}` in the rule reference]({uri}).",
    }


def rules_table(rules: dict[str, tuple[str, str]], sdk_of: dict[str, str]) -> str:
    """The README's rule reference: every rule id the tool can emit, one anchored row each."""
    lines = ["| rule | level | from | meaning |", "| --- | --- | --- | --- |"]
    for rule_id, (description, level) in sorted(rules.items()):
        where = sdk_of.get(rule_id, "aoai-migrate")
        lines.append(
            f'| <a id="{anchor(rule_id)}"></a>`{rule_id}` | {level} | {where} | {description} |'
        )
    return "\n".join(lines) + "\n"


def normalise(text: str) -> str:
    return " ".join(text.split())


def flagged_lines(result: FileResult) -> tuple[tuple[int, str], ...]:
    """The lines of ``result.data`` its findings point at (outside notebook cells), normalised,
    literal keys masked. Called while the bytes read are still there (``write_result``)."""
    if result.data is None:
        return result.flagged_lines
    wanted = {c.line for c in result.clients if c.cell is None}
    wanted |= {n.line for n in result.notices if n.cell is None}
    if result.error_line:
        wanted.add(result.error_line)
    if not wanted:
        return result.flagged_lines
    lines = _LINE_BREAK.split(result.data.decode("utf-8", errors="replace"))
    out = []
    for number in sorted(wanted):
        if 1 <= number <= len(lines):
            out.append((number, _masked(normalise(lines[number - 1]), result.secrets)))
    return tuple(out)


def _masked(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "<key>")
    return text


def _cell_line(positions: NotebookPositions | None, cell: int, line: int) -> str | None:
    if positions is None:
        return None
    values = dict(positions.cells).get(cell)
    if values is None:
        return None
    lines = _LINE_BREAK.split("".join(value for _, _, value in values))
    return normalise(lines[line - 1]) if 1 <= line <= len(lines) else None


def fingerprints(
    found: list[Any], report: Any, uri_of: Callable[[str], str]
) -> list[dict[str, str]]:
    """One ``partialFingerprints`` object per finding, in the order of ``found``."""
    results = {r.path: r for r in report.results}
    seen: dict[str, int] = {}
    out = []
    for f in found:
        result = results.get(f.path)
        text = None
        if result is not None and f.cell is not None:
            text = _cell_line(result.positions, f.cell, f.line)
            if text is not None:
                text = _masked(text, result.secrets)
        elif result is not None:
            text = dict(result.flagged_lines).get(f.line)
        if text is None:
            text = "message:" + _DIGITS.sub("#", normalise(f.message))
        elif f.cell is not None:
            text = f"cell:{text}"
        key = "\0".join((f.rule, uri_of(f.path), text))
        digest = hashlib.sha256(key.encode("utf-8", errors="surrogateescape")).hexdigest()[:32]
        seen[digest] = seen.get(digest, 0) + 1
        out.append({FINGERPRINT_KEY: f"{digest}:{seen[digest]}"})
    return out


def is_directory(path: str) -> bool:
    """A finding about a directory (``no-dependency-file``): it has no line to point at."""
    return os.path.isdir(path)
