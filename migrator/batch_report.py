"""The rollout table of a batch run (terminal, CSV, JSON) and its role assignments, together."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from migrator import batch_table, role_formats, roles
from migrator.batch_results import DONE, MANUAL_ONLY, MIGRATED_STATUS, PATCHED, RepoResult
from migrator.report import printable, shown_path

TABLE_FORMATS = ("text", "markdown")
COLUMNS = (
    ("repository", "Repository"),
    ("branch_or_patch", "Branch / patch"),
    ("files_changed", "Files"),
    ("clients_migrated", "Migrated"),
    ("clients_manual", "Manual"),
    ("roles", "Identities and roles to assign"),
    ("dependency_files_updated", "Deps"),
    ("status", "Status"),
    ("detail", "Detail"),
)


def role_label(a: roles.Assignment, short: bool = False) -> str:
    name = a.role.name.removeprefix("Cognitive Services ") if short else a.role.name
    notes = (["assumed"] if a.assumed else []) + (["unverified"] if a.unverified else [])
    suffix = f" ({', '.join(notes)})" if notes else ""
    kind, _, value = a.resource.partition(":")
    return f"{name} on {value if kind in ('env', 'host') else a.resource}{suffix}"


def roles_cell(result: RepoResult, short: bool = False) -> str:
    if not result.assignments:
        return ""
    who = " + ".join(result.identities)
    return f"{who}: " + "; ".join(role_label(a, short) for a in result.assignments)


def row(result: RepoResult, short: bool = False) -> dict[str, object]:
    """One table row: the fields shared by the terminal, CSV and JSON forms."""
    return {
        "repository": result.repo,
        "branch_or_patch": result.patch if result.status == PATCHED else (result.branch or ""),
        "files_changed": len(result.files),
        "clients_migrated": len(result.migrated),
        "clients_manual": len(result.manual),
        "roles": roles_cell(result, short),
        "dependency_files_updated": len(result.dependency_files),
        "status": result.status,
        "detail": result.detail,
    }


def render_table(results: list[RepoResult], width: int | None = None) -> str:
    """The table as text; with ``width``, wrapped to fit it (``migrator.batch_table``)."""
    rows = [{k: str(v) for k, v in row(r, short=True).items()} for r in results]
    return batch_table.render_text(COLUMNS, rows, width)


def render_markdown(results: list[RepoResult]) -> str:
    rows = [{k: str(v) for k, v in row(r, short=True).items()} for r in results]
    return batch_table.render_markdown(
        COLUMNS, [{k: printable(v) for k, v in r.items()} for r in rows]
    )


def summary(results: list[RepoResult], interrupted: bool = False) -> str:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    parts = ", ".join(f"{n} {status}" for status, n in counts.items())
    noun = "repository" if len(results) == 1 else "repositories"
    line = f"{len(results)} {noun}" + (f": {parts}" if parts else "")
    failed_files = sum(r.failed_files for r in results)
    if failed_files:
        line += f"; {failed_files} file(s) could not be processed"
    return ("interrupted: " if interrupted else "") + line


def to_csv(results: list[RepoResult]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[k for k, _ in COLUMNS], lineterminator="\n")
    writer.writeheader()
    for r in results:
        writer.writerow(row(r))
    return buffer.getvalue()


def to_json(results: list[RepoResult]) -> str:
    items = []
    for r in results:
        item = row(r)
        item.update(
            commit=r.commit,
            files=[shown_path(p) for p in r.files],
            migrated=[printable(m) for m in r.migrated],
            manual=[printable(m) for m in r.manual],
            follow_ups=[printable(m) for m in r.follow_ups],
            files_failed=r.failed_files,
            identities=list(r.identities),
            role_assignments=[
                {
                    "role": a.role.name,
                    "role_id": a.role.id,
                    "resource": a.resource,
                    "scope_variable": roles.resource_variable(a.resource),
                    "assumed": a.assumed,
                    "unverified": a.unverified,
                }
                for a in r.assignments
            ],
            dependency_files=[shown_path(p) for p in r.dependency_files],
        )
        items.append(item)
    return json.dumps({"repositories": items}, indent=2) + "\n"


SUMMARY_FORMATS: dict[str, Callable[[list[RepoResult]], str]] = {".csv": to_csv, ".json": to_json}


def summary_format(path: str) -> Callable[[list[RepoResult]], str] | None:
    return SUMMARY_FORMATS.get(Path(path).suffix.lower())


# -- role assignments of every repository, in one output ---------------------------------------
# One block per repository: each app has its own identity, and two repositories naming the same
# environment variable usually mean two different resources, so nothing is merged across them.
# A new format is one function from [(repository, identities, assignments)] to text.

RepoAssignments = tuple[str, tuple[str, ...], tuple[roles.Assignment, ...]]


def _az(blocks: list[RepoAssignments]) -> str:
    out: list[str] = []
    for repo, who, assignments in blocks:
        out.append(f"# ===== {repo}")
        out.append(
            f"# for {' and '.join(who)}: "
            "set PRINCIPAL_ID and each *_RESOURCE_ID for this repository first"
        )
        out.append(role_formats.render_az(list(assignments)).rstrip("\n"))
        out.append("")
    return "\n".join(out)


def _json(blocks: list[RepoAssignments]) -> str:
    documents = [
        {
            "repository": repo,
            "identities": list(who),
            "roles": json.loads(role_formats.render_json(list(assignments))),
        }
        for repo, who, assignments in blocks
    ]
    return json.dumps({"schema_version": 1, "repositories": documents}, indent=2) + "\n"


# Bicep and Terraform describe one deployment each, so a fleet's repositories are not joined in one
# file of either: run `aoai-migrate roles` in a repository for those.
ROLE_FORMATS: dict[str, Callable[[list[RepoAssignments]], str]] = {"az": _az, "json": _json}


# Repositories whose code is (or, for manual-only, must become) keyless: their roles are due.
ROLE_STATUSES = (MIGRATED_STATUS, PATCHED, DONE, MANUAL_ONLY)


def render_roles(results: list[RepoResult], fmt: str) -> str:
    blocks = [
        (r.repo, r.identities, r.assignments)
        for r in results
        if r.assignments and r.status in ROLE_STATUSES
    ]
    if not blocks:
        return ""
    return ROLE_FORMATS[fmt](blocks)
