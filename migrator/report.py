"""The run's report: what was found per file, the role assignments, a summary and the exit code."""

from __future__ import annotations

from dataclasses import dataclass, field

from codemods.findings import KEYLESS, MANUAL, MIGRATED, REVIEW, ClientRecord, location
from migrator import roles
from migrator.engine import CHANGED, FAILED, MODE_CHECK, MODE_DIFF, SKIPPED, FileResult
from migrator.rule_selection import EVERY_RULE, RuleSelection, client_rule
from migrator.shown import one_line, printable, raw_path, shown_path  # noqa: F401 - re-exported

EXIT_OK = 0
EXIT_CHANGES = 1  # --check: something would change, or an error-level finding remains
EXIT_USAGE = 2  # bad command line or configuration
EXIT_FAILED = 3  # at least one file could not be processed
EXIT_INTERNAL = 4  # a bug in aoai-migrate (an exception nothing expected), never "would change"
EXIT_INTERRUPTED = 130  # Ctrl-C

_OUTCOME_WORDS = {
    MIGRATED: "migrated",
    KEYLESS: "already keyless",
    MANUAL: "needs manual work",
    REVIEW: "needs review",
}


@dataclass
class Report:
    mode: str
    results: list[FileResult] = field(default_factory=list)
    interrupted: bool = False
    roots: tuple[str, ...] = ()  # the paths the run was given: module names are relative to them
    exit_on_change: bool = False  # --diff, --check --dry-run: exit 1 as --check does
    check_gate: bool = False  # --check given (also with --dry-run): error findings fail it too
    _linked: list[tuple[str, ClientRecord]] | None = field(default=None, repr=False)
    rules: RuleSelection = EVERY_RULE  # the rules reported (--select, --ignore)
    exit_zero: bool = False  # --exit-zero: --check does not fail on changes or findings
    errors_left: bool = False  # an error-level finding among the reported ones (migrator.gate)

    def add(self, result: FileResult) -> None:
        self.results.append(result)
        self._linked = None

    @property
    def changed(self) -> int:
        return sum(r.status == CHANGED for r in self.results)

    @property
    def failed(self) -> int:
        return sum(r.status == FAILED for r in self.results)

    @property
    def skipped(self) -> int:
        return sum(r.status == SKIPPED for r in self.results)

    @property
    def unchanged(self) -> int:
        return len(self.results) - self.changed - self.failed - self.skipped

    @property
    def return_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.failed:
            return EXIT_FAILED
        if self.exit_zero:
            return EXIT_OK
        # --check (with or without --dry-run) is the gate: changes or error findings fail it;
        # --diff fails on changes only, as ruff's does.
        if (self.mode == MODE_CHECK or self.check_gate) and (self.changed or self.errors_left):
            return EXIT_CHANGES
        if self.exit_on_change and self.changed:
            return EXIT_CHANGES
        return EXIT_OK

    def clients(self) -> list[tuple[str, ClientRecord]]:
        """Every client of the run, with its calls followed across the run's modules."""
        if self._linked is None:
            from migrator.linking import linked_clients

            self._linked = linked_clients(self.results, self.roots or (".",))
        return self._linked

    def assignments(self) -> list[roles.Assignment]:
        return roles.assignments(self.clients())

    def render_roles(self, fmt: str = "az") -> str:
        from migrator.role_formats import render

        return render(fmt, self.assignments(), self.clients())

    def summary(self) -> str:
        would = self.mode in (MODE_CHECK, MODE_DIFF)
        verb = "would be migrated" if would else "migrated"
        sources = [r for r in self.results if r.kind == "source"]
        changed = sum(r.status == CHANGED for r in sources)
        failed = sum(r.status == FAILED for r in sources)
        skipped = sum(r.status == SKIPPED for r in sources)
        parts = [
            f"{_n(changed)} {verb}",
            f"{len(sources) - changed - failed - skipped} left unchanged",
        ]
        if failed:
            parts.append(f"{failed} failed")
        if skipped:
            parts.append(f"{skipped} skipped")
        project = [r for r in self.results if r.kind != "source"]
        updated = sum(r.status == CHANGED for r in project)
        if updated:
            parts.append(
                f"{updated} dependency file{'s' if updated != 1 else ''} "
                f"{'would be ' if would else ''}updated"
            )
        if any(r.status == FAILED for r in project):
            parts.append(f"{sum(r.status == FAILED for r in project)} dependency file(s) failed")
        line = ", ".join(parts)
        if self.interrupted:
            line = "interrupted: " + line
        return line

    def render_text(self, roles_format: str | None = "az", verbose: bool = False) -> str:
        """The report; ``roles_format`` None leaves the role assignments out (written elsewhere)."""
        out: list[str] = []
        linked: dict[str, list[ClientRecord]] = {}
        for path, c in self.clients():
            linked.setdefault(path, []).append(c)
        for result in sorted(self.results, key=lambda r: r.path):
            shown = one_line(result.path)
            if result.status == SKIPPED and verbose:
                out.append(f"{shown}: skipped: {one_line(result.reason or '')}")
            if result.status == FAILED and self.rules.shows("file-failed"):
                out.append(f"{shown}: error: {one_line(result.error or '')}; left as it was")
            if result.credential is not None:
                kind, why = result.credential
                out.append(f"{shown}: credential: {kind}{f' ({one_line(why)})' if why else ''}")
            for c in linked.get(result.path, ()):
                if not self.rules.shows(client_rule(c.outcome)):
                    continue
                tags = ", ".join(
                    f"{role.name}{' (assumed)' if assumed else ''}"
                    f"{' (unverified)' if unverified else ''}"
                    for role, assumed, unverified in roles.client_roles(c)
                )
                word = _OUTCOME_WORDS.get(c.outcome, c.outcome)
                if c.outcome == MIGRATED and self.mode in (MODE_CHECK, MODE_DIFF):
                    word = "would migrate"  # nothing was written
                out.append(
                    f"{shown}:{location(c.line, c.column, c.cell)}: "
                    f"{word}: "
                    f"{c.cls}: {one_line(c.reason)}{f' [role: {tags}]' if tags else ''}"
                )
            for n in result.notices:
                if not self.rules.shows(n.rule):
                    continue
                message = one_line(n.message)  # it may name other files: one finding, one line
                where = location(n.line, n.column, n.cell)
                out.append(f"{shown}:{where}: {n.severity}: {n.rule}: {message}")
        if roles_format is not None and self.assignments():
            out.append("")
            out.append("Role assignments the keyless code needs:")
            out.append(self.render_roles(roles_format).rstrip("\n"))
            out.append("")
        out.append(self.summary())
        return printable("\n".join(out) + "\n")


def _n(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"
