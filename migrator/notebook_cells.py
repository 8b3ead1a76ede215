"""The code cells migrated as one module: names used before the cell that binds them, and the
module's lines and notices mapped back to cells (where the setup's imports go is decided by the
transform, told where each cell starts: ``codemods.import_placement``)."""

from __future__ import annotations

import ast
import dataclasses
import warnings
from dataclasses import dataclass
from functools import lru_cache

from codemods.findings import ClientRecord, Notice
from migrator.engine import describe_failure
from migrator.notebook_ipython import _Masked

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


@lru_cache(maxsize=128)
def _parse(text: str) -> ast.Module:
    """``ast.parse`` without the SyntaxWarnings a user's code may trigger (they are not ours)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def _bound_names(tree: ast.AST) -> dict[str, int]:
    """Module-level names a cell binds, with the first line that binds each."""
    bound: dict[str, int] = {}

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.setdefault(node.name, node.lineno)
            return
        if isinstance(
            node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
        ):
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                bound.setdefault(name, node.lineno)
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.setdefault(node.id, node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return bound


def _order_problems(cells: list[_Cell], segments: dict[int, str]) -> list[Notice]:
    """Names the migration introduced into a cell that only a later cell binds.

    Running the notebook top to bottom would raise NameError there: for instance when the
    codemod reuses a token provider that the notebook defines further down.
    """
    trees = {cell.index: _parse(segments[cell.index]) for cell in cells}
    bound = {cell.index: _bound_names(trees[cell.index]) for cell in cells}
    problems: list[Notice] = []
    earlier: set[str] = set()
    for position, cell in enumerate(cells):
        old = {n.id for n in ast.walk(_parse(cell.masked.text)) if isinstance(n, ast.Name)}
        new_loads: dict[str, ast.Name] = {}
        for node in ast.walk(trees[cell.index]):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in old:
                new_loads.setdefault(node.id, node)
        for name, node in sorted(new_loads.items(), key=lambda item: item[1].lineno):
            if name in earlier or name in bound[cell.index]:
                continue
            later = next((c.number for c in cells[position + 1 :] if name in bound[c.index]), None)
            if later is not None:
                problems.append(
                    Notice(
                        node.lineno,
                        node.col_offset,
                        RULE_ORDER,
                        f"the migrated code here uses `{name}`, which only cell {later} defines: "
                        "running the notebook top to bottom raises NameError; move that "
                        "definition up",
                        cell=cell.number,
                    )
                )
        earlier.update(bound[cell.index])
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
