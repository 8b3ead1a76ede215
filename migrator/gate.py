"""What decides a ``--check`` run's exit code besides the files that would change: the reported
findings (``--select``/``--ignore``) and whether one of them is an error (``--exit-zero``)."""

from __future__ import annotations

from dataclasses import replace

from migrator import formats, suppressions
from migrator.report import Report
from migrator.rule_selection import RuleSelection, selection, unknown_rule


def known_rules() -> set[str]:
    """Every rule id the registry knows (``migrator.formats.RULES``)."""
    return set(formats.RULES)


def rule_selection(values: dict[str, object]) -> RuleSelection:
    """The selection the options ask for; raises ValueError for an unknown rule id."""
    return selection(
        values.get("select"),  # type: ignore[arg-type]
        values.get("ignore"),  # type: ignore[arg-type]
        values.get("extend_select"),  # type: ignore[arg-type]
        values.get("extend_ignore"),  # type: ignore[arg-type]
        known_rules(),
    )


def settle(report: Report, rules: RuleSelection, exit_zero: bool) -> Report:
    """Apply the selection to ``report`` and note whether an error-level finding remains; name
    the unknown rule ids of suppression comments (the registry is only known here)."""
    known = known_rules()
    for i, result in enumerate(report.results):
        if any(n.rule == suppressions.RULE for n in result.notices):
            named = tuple(suppressions.name_unknown(n, known) for n in result.notices)
            report.results[i] = replace(result, notices=named)
    report.rules = rules
    report.exit_zero = exit_zero
    report.errors_left = any(f.level == formats.ERROR for f in formats.findings(report))
    return report


__all__ = ["known_rules", "rule_selection", "settle", "unknown_rule"]
