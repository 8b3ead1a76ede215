"""The code cells migrated as one module: names used before the cell that binds them, and the
module's lines and notices mapped back to cells (where the setup's imports go is decided by the
transform, told where each cell starts: ``codemods.import_placement``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from codemods.findings import ClientRecord, Notice
from migrator.engine import describe_failure
from migrator.notebook_ipython import _Masked
from migrator.notebook_names import read_cell

RULE_CELL_SKIPPED = "notebook-cell-skipped"
RULE_ORDER = "notebook-cell-order"


@dataclass
class _Cell:
    index: int  # position among all cells, from 0
    text: str  # the source, as the notebook has it
    masked: _Masked
    added_newline: bool = False

    @property
    def number(self) -> int:
        return self.index + 1


class NotebookError(Exception):
    """The notebook cannot be processed at all; the message says why. ``line``: the line of
    the file the report points at, when one is known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


# -- names used before the cell that binds them ----------------------------------------------------


def _order_problems(cells: list[_Cell], segments: dict[int, str]) -> list[Notice]:
    """Names the migration introduced into a cell that only a later cell binds.

    Running the notebook top to bottom would raise NameError there: for instance when the
    codemod reuses a token provider that the notebook defines further down.
    """
    reads = {cell.index: read_cell(segments[cell.index]) for cell in cells}
    problems: list[Notice] = []
    earlier: set[str] = set()
    for position, cell in enumerate(cells):
        old = read_cell(cell.masked.text).names
        new_loads: dict[str, tuple[int, int]] = {}
        for name, line, column in reads[cell.index].loads:
            if name not in old:
                new_loads.setdefault(name, (line, column))
        for name, (line, column) in sorted(new_loads.items(), key=lambda item: item[1][0]):
            if name in earlier or name in reads[cell.index].bound:
                continue
            later = next(
                (c.number for c in cells[position + 1 :] if name in reads[c.index].bound), None
            )
            if later is not None:
                problems.append(
                    Notice(
                        line,
                        column,
                        RULE_ORDER,
                        f"the migrated code here uses `{name}`, which only cell {later} defines: "
                        "running the notebook top to bottom raises NameError; move that "
                        "definition up",
                        cell=cell.number,
                    )
                )
        earlier.update(reads[cell.index].bound)
    return problems


# -- line numbers: module lines back to cells ----------------------------------------------------


def _map_line(line: int, line_map: list[tuple[int, int] | None]) -> tuple[int, int | None]:
    if 1 <= line <= len(line_map) and line_map[line - 1] is not None:
        index, in_cell = line_map[line - 1]  # type: ignore[misc]
        return in_cell, index + 1
    return line, None


def _map_client(client: ClientRecord, line_map: list[tuple[int, int] | None]) -> ClientRecord:
    line, cell = _map_line(client.line, line_map)
    calls = []
    for call in client.calls:
        call_line, call_cell = _map_line(call.line, line_map)
        calls.append(dataclasses.replace(call, line=call_line, cell=call_cell))
    return dataclasses.replace(client, line=line, cell=cell, calls=tuple(calls))


def _map_notice(notice: Notice, line_map: list[tuple[int, int] | None]) -> Notice:
    line, cell = _map_line(notice.line, line_map)
    return dataclasses.replace(notice, line=line, cell=cell)


def _describe_in_cells(
    exc: BaseException, line_map: list[tuple[int, int] | None]
) -> tuple[str, int | None]:
    """The message for a failure of the cells' module, and the line the report points at: a
    line named by cell is not a line of the file (the report then points at line 1)."""
    message, error_line = describe_failure(exc)
    line = getattr(exc, "raw_line", None)
    if isinstance(line, int):
        in_cell, cell = _map_line(line, line_map)
        if cell is not None and f"(line {line})" in message:
            return message.replace(f"(line {line})", f"(cell {cell}, line {in_cell})"), None
    return message, error_line


def _notice(rule: str, message: str, severity: str = "warning") -> Notice:
    return Notice(1, 0, rule, message, severity)


def _cell_notice(index: int, message: str, severity: str = "warning") -> Notice:
    return Notice(1, 0, RULE_CELL_SKIPPED, message, severity, cell=index + 1)
