"""The options that decide what a run reports and when ``--check`` fails (``--select``,
``--ignore``, their ``extend-`` forms, ``--exit-zero``, ``--statistics``), and the printing
they change. ``migrator.cli`` only declares them on the command."""

from __future__ import annotations

import sys

import typer

from migrator import formats, gate, statistics
from migrator.cli_common import fail
from migrator.engine import MODE_DIFF
from migrator.report import Report, printable
from migrator.rule_selection import rule_ids, unknown_rule

SelectOpt = typer.Option(
    None,
    "--select",
    metavar="RULE",
    help="Rule ids to report, or ALL (repeat or comma-separate; default: every rule).",
)
IgnoreOpt = typer.Option(
    None, "--ignore", metavar="RULE", help="Rule ids not to report (repeat or comma-separate)."
)
ExtendSelectOpt = typer.Option(
    None, "--extend-select", metavar="RULE", help="Rule ids to report besides the selected ones."
)
ExtendIgnoreOpt = typer.Option(
    None,
    "--extend-ignore",
    metavar="RULE",
    help="Rule ids not to report, besides the ignored ones.",
)
ExitZeroOpt = typer.Option(
    False,
    "--exit-zero",
    "-e",
    help="Exit 0 from --check even when files would change or error findings remain.",
)
StatisticsOpt = typer.Option(
    False, "--statistics", help="Print how many findings each rule has, instead of the findings."
)

_RULE_OPTIONS = ("select", "ignore", "extend_select", "extend_ignore")


def check_rules(ctx: typer.Context, values: dict[str, object], config_path: str | None) -> None:
    """Exit 2 on an unknown rule id, naming the option or the configuration file it came from."""
    known = gate.known_rules()
    for name in _RULE_OPTIONS:
        source = getattr(ctx.get_parameter_source(name), "name", None)
        flag = "--" + name.replace("_", "-")
        where = flag if source == "COMMANDLINE" or not config_path else f"{config_path}: {flag[2:]}"
        for rule in rule_ids(values.get(name)):  # type: ignore[arg-type]
            if rule != "ALL" and rule not in known:
                fail(f"{where}: {unknown_rule(rule, known)}")


def settle_options(report: Report, values: dict[str, object]) -> None:
    """The gate options of a run on ``report``: the rules reported, ``--exit-zero``, and whether
    ``--check`` was given (it gates with ``--dry-run`` too)."""
    report.check_gate = bool(values.get("check"))
    gate.settle(report, gate.rule_selection(values), bool(values.get("exit_zero")))


def finish(
    report: Report, values: dict[str, object], roles_format: str | None, quiet_patch: str = ""
) -> None:
    """Settle the report's exit code with the options, print it, and exit with that code."""
    settle_options(report, values)
    if values.get("statistics"):
        _emit_statistics(report, str(values["format"]))
    elif values.get("quiet") and values.get("format") == "text":
        from migrator import cli_output

        cli_output.emit_quiet(report, quiet_patch)
    else:
        formats.emit(report, str(values["format"]), bool(values.get("verbose")), roles_format)
    raise typer.Exit(report.return_code)


def _emit_statistics(report: Report, fmt: str) -> None:
    """The counts on stdout (with ``--dry-run`` the patch is on stdout and they go to stderr, as
    the report does); the summary line after them, or on stderr for JSON."""
    table = statistics.render(report, fmt)
    summary = printable(report.summary()) + "\n"
    if fmt == "json":
        out, err = table, summary
    elif report.mode == MODE_DIFF:
        patch = "".join(
            printable(formats.diff_text(r) or "")
            for r in sorted(report.results, key=lambda r: r.path)
        )
        out, err = patch, table + summary
    else:
        out, err = table + summary, ""
    sys.stdout.write(out)
    sys.stdout.flush()
    sys.stderr.write(err)
    sys.stderr.flush()
