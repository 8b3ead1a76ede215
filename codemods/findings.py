"""Small, frozen, picklable records that the codemods produce and the reports consume."""

from __future__ import annotations

from dataclasses import dataclass, field

# Outcomes of one client construction.
MIGRATED = "migrated"
KEYLESS = "already-keyless"
MANUAL = "manual"  # key-based (or maybe key-based) and left as it is: a person must look
REVIEW = "review"  # not clearly an Azure client: left as it is


@dataclass(frozen=True)
class CallUse:
    """One call made on a client: ``chat.completions.create`` at a line."""

    chain: str
    line: int
    cell: int | None = None  # notebooks: the 1-based cell the line is in
    path: str | None = None  # the file of the call when it is not the client's own file


@dataclass(frozen=True)
class ClientRecord:
    """One place where a client of an Azure service is constructed."""

    line: int
    column: int
    sdk: str
    cls: str
    outcome: str
    reason: str
    service: str = "openai"
    is_async: bool = False
    endpoint: str | None = None  # source text of the endpoint expression, for grouping
    binding: str | None = None  # what the client is bound to (``client``, ``self.llm``)
    calls: tuple[CallUse, ...] = ()
    usage_known: bool = False
    usage_note: str = ""
    cell: int | None = None  # notebooks: the 1-based cell ``line`` is in


@dataclass(frozen=True)
class Notice:
    """Anything else worth telling: a literal key, a per-request key override, a follow-up."""

    line: int
    column: int
    rule: str
    message: str
    severity: str = "warning"  # "warning" | "info"
    cell: int | None = None  # notebooks: the 1-based cell ``line`` is in
    # The name a finding is about, for a later phase of the run (``key-variable-removed``: the
    # module-level variable removed, which ``migrator.key_importers`` checks no module imports).
    subject: str | None = field(default=None, compare=False)


def location(line: int, column: int, cell: int | None = None) -> str:
    """``12:5``, or ``cell 3:2:5`` in a notebook (the form ruff uses for notebooks)."""
    where = f"{line}:{column + 1}"
    return where if cell is None else f"cell {cell}:{where}"


@dataclass
class ModuleOutcome:
    """What the transform of one module found; mutable while the transform runs."""

    clients: list[ClientRecord] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    # Usage facts (codemods.usage_graph.ModuleFacts) for the cross-module role analysis.
    facts: object = None
    # Literal key values found in the code. Kept only long enough to mask them in diffs:
    # never put into a result that leaves the engine.
    secrets: list[str] = field(default_factory=list)
