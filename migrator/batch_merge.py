"""`aoai-migrate batch merge RESULTS...`: the results files of `batch --shard K/N` joined into one
rollout table (terminal, CSV, JSON, Markdown), with totals for the whole list.

A merge refuses what would give a wrong table: a shard missing or given twice, shards of different
lists (or different N), a file of another schema version.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from migrator import batch_table
from migrator.batch_report import COLUMNS
from migrator.batch_results import (
    DIRTY,
    DONE,
    FAILED,
    INTERRUPTED,
    MANUAL_ONLY,
    MIGRATED_STATUS,
    NOTHING,
    PATCHED,
)
from migrator.batch_shard import RESULTS_SCHEMA_VERSION

MERGE_FORMATS = ("text", "csv", "json", "markdown")
_RULE = re.compile(r":\d+ ([A-Za-z0-9_.-]+): ")


class MergeError(Exception):
    """The results files do not make one whole list."""


@dataclass
class Merged:
    rows: list[dict] = field(default_factory=list)
    list_id: str = ""
    shards: int = 0


def _load(name: str) -> dict:
    try:
        document = json.loads(Path(name).read_text(encoding="utf-8"))
    except OSError as exc:
        raise MergeError(f"cannot read {name}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise MergeError(f"{name} is not JSON: {exc}") from exc
    if not isinstance(document, dict) or "shard" not in document or "list" not in document:
        raise MergeError(f"{name} is not a results file of `batch --summary FILE.json`")
    version = document.get("schema_version")
    if version != RESULTS_SCHEMA_VERSION:
        raise MergeError(
            f"{name} has schema_version {version!r}; this aoai-migrate reads "
            f"{RESULTS_SCHEMA_VERSION}: merge with the version that wrote it"
        )
    return document


def merge(names: list[str]) -> Merged:
    documents = [(name, _load(name)) for name in names]
    if not documents:
        raise MergeError("no results files given")
    first_name, first = documents[0]
    list_id, count = first["list"]["id"], first["shard"]["count"]
    seen: dict[int, str] = {}
    for name, doc in documents:
        if doc["list"]["id"] != list_id:
            raise MergeError(
                f"{name} is a shard of another repository list than {first_name} "
                f"({doc['list']['id']} vs {list_id}): every shard must run on the same list"
            )
        if doc["shard"]["count"] != count:
            raise MergeError(
                f"{name} is one of {doc['shard']['count']} shards, {first_name} of {count}"
            )
        k = doc["shard"]["index"]
        if k in seen:
            raise MergeError(f"shard {k}/{count} given twice: {seen[k]} and {name}")
        seen[k] = name
    missing = [k for k in range(1, count + 1) if k not in seen]
    if missing:
        raise MergeError(
            f"shard(s) {', '.join(f'{k}/{count}' for k in missing)} missing: "
            f"got {len(seen)} of {count}"
        )
    rows = [row for _, doc in documents for row in doc["repositories"]]
    rows.sort(key=lambda r: (r.get("position") is None, r.get("position") or 0))
    total = first["list"]["repositories"]
    if len(rows) != total:
        raise MergeError(
            f"the shards hold {len(rows)} repositories, the list {total}: "
            "a shard was interrupted or its file was cut short"
        )
    return Merged(rows, list_id, count)


# -- totals ----------------------------------------------------------------------------------

GROUPS = (
    ("migrated", (MIGRATED_STATUS, PATCHED, DONE)),
    ("already keyless", (NOTHING,)),
    ("needing manual work", (MANUAL_ONLY,)),
    ("failed", (FAILED, DIRTY, INTERRUPTED)),
)


def totals(rows: list[dict]) -> dict:
    groups = {name: sum(r["status"] in statuses for r in rows) for name, statuses in GROUPS}
    groups["with manual follow-ups"] = sum(
        r["status"] not in (MANUAL_ONLY,) and r.get("clients_manual", 0) > 0 for r in rows
    )
    rules: dict[str, int] = {}
    for r in rows:
        if r.get("clients_manual"):
            rules["client needs manual change"] = (
                rules.get("client needs manual change", 0) + r["clients_manual"]
            )
        for line in r.get("follow_ups", []):
            m = _RULE.search(line)
            if m:
                rules[m.group(1)] = rules.get(m.group(1), 0) + 1
    assignments: dict[tuple[str, str], int] = {}
    for r in rows:
        for a in r.get("role_assignments", []):
            key = (a["resource"], a["role"])
            assignments[key] = assignments.get(key, 0) + 1
    pushes: dict[str, int] = {}
    for r in rows:
        if "push" in r:
            pushes[r["push"]["status"]] = pushes.get(r["push"]["status"], 0) + 1
    return {
        "repositories": len(rows),
        "by_outcome": groups,
        "key_sites_left_by_rule": dict(sorted(rules.items())),
        "role_assignments": [
            {"resource": res, "role": role, "repositories": n}
            for (res, role), n in sorted(assignments.items())
        ],
        "pushes": pushes,
    }


# -- rendering -------------------------------------------------------------------------------


def _cells(row: dict) -> dict[str, str]:
    return {k: str(row.get(k, "")) for k, _ in COLUMNS}


def to_csv(merged: Merged) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[k for k, _ in COLUMNS], lineterminator="\n")
    writer.writeheader()
    for row in merged.rows:
        writer.writerow({k: row.get(k, "") for k, _ in COLUMNS})
    return buffer.getvalue()


def to_json(merged: Merged) -> str:
    rows = [{k: v for k, v in r.items() if k != "position"} for r in merged.rows]
    document = {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "list": {"id": merged.list_id, "repositories": len(rows)},
        "shards": merged.shards,
        "totals": totals(merged.rows),
        "repositories": rows,
    }
    return json.dumps(document, indent=2) + "\n"


def _totals_lines(merged: Merged, bullet: str) -> list[str]:
    t = totals(merged.rows)
    out = [
        f"{t['repositories']} repositories from {merged.shards} shard(s): "
        + ", ".join(f"{n} {name}" for name, n in t["by_outcome"].items())
    ]
    if t["key_sites_left_by_rule"]:
        out.append("Key sites left, by rule:")
        out += [f"{bullet}{rule}: {n}" for rule, n in t["key_sites_left_by_rule"].items()]
    if t["role_assignments"]:
        out.append("Role assignments to make, per resource:")
        out += [
            f"{bullet}{a['role']} on {a['resource']}: {a['repositories']} repositories"
            for a in t["role_assignments"]
        ]
    if t["pushes"]:
        out.append("Pushes: " + ", ".join(f"{n} {s}" for s, n in sorted(t["pushes"].items())))
    return out


def to_text(merged: Merged) -> str:
    """The rows as ``batch`` prints them (whole lines: a merge's output goes to a log or a file),
    then the totals."""
    table = batch_table.render_text(COLUMNS, [_cells(r) for r in merged.rows], None)
    return table + "\n".join([""] + _totals_lines(merged, "  ")) + "\n"


def to_markdown(merged: Merged) -> str:
    """A GitHub-flavoured table, for a job summary or a tracking issue."""
    out = ["## aoai-migrate rollout", ""]
    for line in _totals_lines(merged, "  - "):
        out.append(line if line.startswith("  - ") else f"- {line}")
    out.append("")
    return (
        "\n".join(out)
        + "\n"
        + batch_table.render_markdown(COLUMNS, [_cells(r) for r in merged.rows])
    )


RENDER = {"text": to_text, "csv": to_csv, "json": to_json, "markdown": to_markdown}
