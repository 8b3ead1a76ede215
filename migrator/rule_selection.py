"""Which rules a run reports: ``--select``/``--ignore`` and their ``extend-`` forms, as in ruff.

A rule id is one of the ids the tool can emit (the registry in ``migrator.formats``), or ``ALL``.
The rules reported are the selected ones (every rule when nothing is selected) plus the
extended selection, minus the ignored ones. Selecting or ignoring a rule changes what is reported
and what makes ``--check`` fail; it never changes what is rewritten (a line comment does that,
see ``migrator.suppressions``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from codemods.findings import KEYLESS, MANUAL, MIGRATED, REVIEW

ALL = "ALL"


@dataclass(frozen=True)
class RuleSelection:
    selected: frozenset[str] | None = None  # None: every rule
    ignored: frozenset[str] = frozenset()

    def shows(self, rule: str) -> bool:
        if rule in self.ignored or ALL in self.ignored:
            return False
        return self.selected is None or rule in self.selected


EVERY_RULE = RuleSelection()


def rule_ids(values: Iterable[str] | None) -> list[str]:
    """The ids of repeated and comma-separated values (``--ignore a,b --ignore c``)."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def selection(
    select: Iterable[str] | None,
    ignore: Iterable[str] | None,
    extend_select: Iterable[str] | None = None,
    extend_ignore: Iterable[str] | None = None,
    known: Iterable[str] = (),
) -> RuleSelection:
    """The selection, every id checked against ``known``; raises ValueError naming an unknown id
    (with the closest known one)."""
    known_ids = set(known)
    chosen = rule_ids(select)
    added = rule_ids(extend_select)
    dropped = rule_ids(ignore) + rule_ids(extend_ignore)
    for rule in chosen + added + dropped:
        if rule != ALL and rule not in known_ids:
            raise ValueError(unknown_rule(rule, known_ids))
    selected: frozenset[str] | None = None
    if chosen and ALL not in chosen:
        selected = frozenset(chosen + added)
    return RuleSelection(selected, frozenset(dropped))


def unknown_rule(rule: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(rule, sorted(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown rule id {rule!r}{hint}"


# The rule of a client's finding, by the client's outcome (codemods.findings).
CLIENT_RULES = {
    MIGRATED: "client-migrated",
    KEYLESS: "client-keyless",
    MANUAL: "client-manual",
    REVIEW: "client-review",
}


def client_rule(outcome: str) -> str:
    return CLIENT_RULES.get(outcome, f"client-{outcome}")
