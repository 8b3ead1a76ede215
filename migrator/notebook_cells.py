"""The code cells migrated as one module: where the setup's imports go, names used before the
cell that binds them, and the module's lines and notices mapped back to cells."""

from __future__ import annotations

import ast
import dataclasses
import warnings
from dataclasses import dataclass
from functools import lru_cache

from codemods.findings import ClientRecord, Notice
from migrator.engine import describe_failure
from migrator.notebook_ipython import _lines, _Masked

RULE_CELL_SKIPPED = "notebook-cell-skipped"
RULE_ORDER = "notebook-cell-order"

# Calls that build the credential and token provider the codemod sets up.
SETUP_CALLS = frozenset(
    {
        "ManagedIdentityCredential",
        "DefaultAzureCredential",
        "ChainedTokenCredential",
        "AzureCliCredential",
        "get_bearer_token_provider",
    }
)


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


# -- where the imports go ------------------------------------------------------------------------


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


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return None


def _find_setup(
    cells: list[_Cell], segments: dict[int, str]
) -> tuple[_Cell, int, list[ast.stmt]] | None:
    """The cell and first line of the credential setup the codemod inserted, and its block:
    assignments of a credential or provider, or the functions that build them lazily."""
    for cell in cells:
        new_tree = _parse(segments[cell.index])
        old_bound = _bound_names(_parse(cell.masked.text))
        block: list[ast.stmt] = []
        for stmt in new_tree.body:
            is_setup = (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and stmt.targets[0].id not in old_bound
                and _call_name(stmt.value) in SETUP_CALLS
            ) or _is_setup_function(stmt, old_bound, block)
            if is_setup:
                block.append(stmt)
            elif block:
                break
        if block:
            first = block[0]
            decorators = getattr(first, "decorator_list", None)
            return cell, decorators[0].lineno if decorators else first.lineno, block
    return None


def _is_setup_function(stmt: ast.stmt, old_bound: dict[str, int], block: list[ast.stmt]) -> bool:
    """A new function that builds a credential or provider, or calls one the setup defines."""
    if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) or stmt.name in old_bound:
        return False
    defined = {s.name for s in block if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    called = {_call_name(n) for n in ast.walk(stmt)}
    return bool(called & (SETUP_CALLS | defined))


def _relocate_imports(prefix: str, cells: list[_Cell], segments: dict[int, str]) -> list[Notice]:
    """Move the imports the codemod put at the top of the module into the right cell.

    LibCST adds imports after the module's top import block, which in the joined module is
    before the first cell, and it does not see imports that cells further down already have.
    Imports that a cell running before the setup already has are dropped; the rest go into the
    first cell with imports that runs no later than the setup, else into the setup's own cell,
    just before the setup. Returns notices for names the migrated code uses before the cell
    that binds them (running the notebook top to bottom would fail).
    """
    statements = _parse(prefix).body if prefix.strip() else []
    if not all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in statements):
        raise NotebookError("internal error: unexpected code before the first cell; left as it is")
    setup = _find_setup(cells, segments)
    if setup is not None and _tidy_before(setup[0], setup[1], segments):
        setup = _find_setup(cells, segments)
    setup_cell = setup[0] if setup else None
    setup_line = setup[1] if setup else None
    imports = _still_needed(statements, _imports_before(cells, segments, setup_cell, setup_line))

    if imports:
        target: _Cell | None = None
        at = 0
        for cell in cells:
            body = _parse(segments[cell.index]).body
            first = next(
                (i for i, s in enumerate(body) if isinstance(s, (ast.Import, ast.ImportFrom))), None
            )
            if first is not None:
                last = first
                while last + 1 < len(body) and isinstance(
                    body[last + 1], (ast.Import, ast.ImportFrom)
                ):
                    last += 1
                end = body[last].end_lineno or body[last].lineno
                if cell is setup_cell and setup_line is not None and end >= setup_line:
                    break
                target, at = cell, end
                break
            if cell is setup_cell:
                break
        block = imports
        if target is None:
            target = setup_cell or cells[0]
            if setup_line is not None and target is setup_cell:
                at = setup_line - 1
                block = imports + ["\n"]
            else:
                at = 1 if target.masked.cell_magic is not None else 0
        lines = _lines(segments[target.index])
        if 0 < at <= len(lines) and not lines[at - 1].endswith(("\n", "\r")):
            lines[at - 1] += "\n"
            if at == len(lines):
                block = [*block[:-1], block[-1].rstrip("\n")]
        lines[at:at] = block
        segments[target.index] = "".join(lines)

    return _order_problems(cells, segments)


def _tidy_before(cell: _Cell, setup_line: int, segments: dict[int, str]) -> bool:
    """Drop the blank lines between the top of a cell (or its ``%%`` line) and the setup."""
    lines = _lines(segments[cell.index])
    top = 1 if cell.masked.cell_magic is not None else 0
    gap = lines[top : setup_line - 1]
    if not gap or any(line.strip() for line in gap):
        return False
    del lines[top : setup_line - 1]
    segments[cell.index] = "".join(lines)
    return True


def _imports_before(
    cells: list[_Cell], segments: dict[int, str], setup_cell: _Cell | None, setup_line: int | None
) -> set[tuple[str, str, str | None]]:
    """Module-level imports that have run by the time the setup runs: (module, name, alias)."""
    found: set[tuple[str, str, str | None]] = set()
    for cell in cells:
        for stmt in _parse(segments[cell.index]).body:
            if cell is setup_cell and setup_line is not None and stmt.lineno >= setup_line:
                break
            if isinstance(stmt, ast.Import):
                found.update(("", alias.name, alias.asname) for alias in stmt.names)
            elif isinstance(stmt, ast.ImportFrom) and not stmt.level and stmt.module:
                found.update((stmt.module, alias.name, alias.asname) for alias in stmt.names)
        if cell is setup_cell:
            break
    return found


def _still_needed(
    statements: list[ast.stmt], available: set[tuple[str, str, str | None]]
) -> list[str]:
    """The import lines of ``statements`` (as LibCST wrote them), minus what ``available`` has."""
    lines: list[str] = []
    for stmt in statements:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if ("", alias.name, alias.asname) not in available:
                    lines.append(
                        f"import {alias.name}{f' as {alias.asname}' if alias.asname else ''}\n"
                    )
        elif isinstance(stmt, ast.ImportFrom):
            names = [a for a in stmt.names if (stmt.module, a.name, a.asname) not in available]
            if names:
                spelled = ", ".join(
                    f"{a.name}{f' as {a.asname}' if a.asname else ''}" for a in names
                )
                lines.append(f"from {stmt.module} import {spelled}\n")
    return lines


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
