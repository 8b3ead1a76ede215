"""``--statistics``: the reported findings counted by rule, most frequent first, one rule a line
(``count<TAB>rule<TAB>level<TAB>description``), or a JSON list with ``--format json``."""

from __future__ import annotations

import json
from collections import Counter

from migrator import formats
from migrator.report import Report, printable


def counts(report: Report) -> list[tuple[str, str, int]]:
    """(rule, level, count) for every rule with at least one reported finding. A rule reported
    at more than one level (a client to migrate is a warning in ``--check``) shows the highest."""
    found = formats.findings(report)
    by_rule = Counter(f.rule for f in found)
    rank = {formats.ERROR: 0, formats.WARNING: 1, formats.NOTE: 2}
    levels: dict[str, str] = {}
    for f in found:
        if f.rule not in levels or rank.get(f.level, 3) < rank.get(levels[f.rule], 3):
            levels[f.rule] = f.level
    ordered = sorted(by_rule.items(), key=lambda item: (-item[1], item[0]))
    return [(rule, levels[rule], count) for rule, count in ordered]


def render(report: Report, fmt: str) -> str:
    rows = counts(report)
    if fmt == "json":
        items = [
            {"rule": rule, "level": level, "count": count, "description": _description(rule)}
            for rule, level, count in rows
        ]
        return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    if not rows:
        return ""
    count_width = max(len(str(count)) for _, _, count in rows)
    rule_width = max(len(rule) for rule, _, _ in rows)
    level_width = max(len(level) for _, level, _ in rows)
    lines = [
        f"{count:>{count_width}}\t{rule:<{rule_width}}\t{level:<{level_width}}\t"
        f"{_description(rule)}"
        for rule, level, count in rows
    ]
    return printable("\n".join(lines) + "\n")


def _description(rule: str) -> str:
    return formats.RULES.get(rule, (rule, formats.WARNING))[0]
