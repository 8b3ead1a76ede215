"""Jupyter notebooks (``.ipynb``): the code cells migrated as one module, written back in place.

How a notebook runs decides how it is migrated:

* Its code cells run top to bottom in one namespace, so they are joined into one module (one
  credential and token provider for the whole notebook, names resolved across cells). Each cell
  starts with a marker statement (``pass`` with the cell's index in a comment), so the setup the
  codemod inserts before the first statement
  that needs it lands in that statement's cell. The transform is told where each cell starts, so
  the imports it adds go into the first cell that has imports (or just before the setup, in its
  cell) and are defined before the first client cell runs.
* IPython syntax is not Python: line magics (``%pip install``), shell escapes (``!az login``,
  ``files = !ls``), help (``client?``) and the first line of a cell magic (``%%time``) are each
  replaced by a placeholder statement, one line for one line, and put back afterwards. A cell
  magic whose body is not Python (``%%bash``) leaves its cell out; ``%%writefile x.py`` writes
  its body to a separate module, so that body is migrated as a module of its own.
* The JSON is never re-serialized: only the ``source`` value of a changed cell is replaced, laid
  out as the notebook lays it out (indentation, separators, escaping, unchanged lines keep their
  exact JSON text), so outputs, metadata, key order and the final newline stay byte for byte.

Records name the cell: ``notebook.ipynb:cell 3:2:5`` (cells counted from 1, markdown cells
included, as ruff counts them). A ``--dry-run`` diff is of the ``.ipynb`` file's own bytes, so
the patch applies with ``git apply``.

This module reads a notebook and puts it back together; the pieces are their own modules:
``notebook_json`` (where each source is in the JSON text, and writing one back),
``notebook_ipython`` (masking IPython syntax) and ``notebook_cells`` (the cells as one module:
imports, cell order, line numbers).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codemods.findings import MANUAL, MIGRATED, ClientRecord, Notice
from codemods.options import MigrationOptions
from migrator.credential_context import credential_written, for_path
from migrator.engine import (
    describe_error,
    describe_failure,
    mask_secrets,
    mentions_client_or_key,
    might_need_migration,
    migrate_source,
    unified_diff,
    write_result,
)
from migrator.notebook_cells import (
    RULE_ORDER,
    NotebookError,
    _Cell,
    _cell_notice,
    _describe_in_cells,
    _map_client,
    _map_notice,
    _notice,
    _order_problems,
)
from migrator.notebook_ipython import (
    PYTHON_BODY_CELL_MAGICS,
    WRITEFILE_MAGICS,
    _InternalError,
    _lines,
    _mask,
    _restore,
)
from migrator.notebook_json import (
    _encode_source,
    _ensure_ascii_style,
    _read_notebook,
    _source_positions,
)
from migrator.notebook_names import read_cell
from migrator.results import (
    CHANGED,
    FAILED,
    MODE_DIFF,
    MODE_WRITE,
    UNCHANGED,
    FileResult,
    NotebookPositions,
)

NOTEBOOK_SUFFIX = ".ipynb"
RULE_SKIPPED = "notebook-skipped"


def is_notebook(path: str) -> bool:
    return path.endswith(NOTEBOOK_SUFFIX)


# ================================================================================================
# Migrating the code cells
# ================================================================================================


@dataclass
class NotebookOutcome:
    new: bytes
    clients: list[ClientRecord] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    changed_cells: list[tuple[int, str, str]] = field(
        default_factory=list
    )  # (cell number, old, new)
    parsed: bool = False
    positions: NotebookPositions | None = None  # where the cells' sources are in the file


def _source_text(cell: dict[str, Any]) -> str | None:
    source = cell.get("source", "")
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    return None


def _kernel_language(notebook: dict[str, Any]) -> str | None:
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return None
    for holder, key in (("kernelspec", "language"), ("language_info", "name")):
        value = metadata.get(holder)
        if isinstance(value, dict) and isinstance(value.get(key), str):
            return value[key]
    return None


def _cell_language(cell: dict[str, Any]) -> str | None:
    """VS Code records a cell's language when it differs from the kernel's."""
    metadata = cell.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("vscode"), dict):
        language = metadata["vscode"].get("languageId")
        return language if isinstance(language, str) else None
    return None


def _nonce(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    for start in range(0, len(digest) - 10):
        nonce = digest[start : start + 10]
        if f"_aoai_m_{nonce}".encode() not in data and f"_aoai_c_{nonce}".encode() not in data:
            return nonce
    raise NotebookError("cannot choose placeholder names that the notebook does not already use")


def migrate_notebook(
    data: bytes, options: MigrationOptions, filename: str | None = None
) -> NotebookOutcome:
    """Migrate a notebook's bytes. Raises NotebookError (or a decode error) when it cannot."""
    outcome = NotebookOutcome(data)
    if not mentions_client_or_key(data):
        return outcome
    text = data.decode("utf-8")
    offset = 1 if text.startswith("\ufeff") else 0
    try:
        notebook, raw_cells = _read_notebook(text, offset)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"not valid notebook JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    outcome.positions = _source_positions(text, raw_cells)
    if (
        "worksheets" in notebook
        or not isinstance(notebook.get("nbformat"), int)
        or notebook["nbformat"] < 4
    ):
        version = notebook.get("nbformat", "unknown")
        outcome.notices.append(
            _notice(
                RULE_SKIPPED,
                f"nbformat {version} notebook (before version 4): left as it is; convert it with "
                "`jupyter nbconvert --to notebook --nbformat 4` and run again",
            )
        )
        return outcome
    language = _kernel_language(notebook)
    if language is not None and language.lower() not in ("python", "python3"):
        outcome.notices.append(
            _notice(
                RULE_SKIPPED,
                f"the notebook's kernel language is {language}, not Python: left as it is",
                "info",
            )
        )
        return outcome

    marker = _nonce(data)
    counter = [0]
    cells: list[_Cell] = []
    writefiles: list[_Cell] = []
    for raw in raw_cells:
        if not isinstance(raw.data, dict) or raw.data.get("cell_type") != "code":
            continue
        source = _source_text(raw.data)
        cell_language = _cell_language(raw.data)
        if source is None or (raw.span is None and source):
            outcome.notices.append(
                _cell_notice(raw.index, "its source is not a list of strings: left as it is")
            )
            continue
        if cell_language is not None and cell_language != "python":
            if might_need_migration(source.encode()):
                outcome.notices.append(
                    _cell_notice(raw.index, f"a {cell_language} cell: left as it is", "info")
                )
            continue
        masked = _mask(source, f"_aoai_m_{marker}_", counter)
        cell = _Cell(raw.index, source, masked)
        if masked.cell_magic is not None and masked.cell_magic not in PYTHON_BODY_CELL_MAGICS:
            if masked.cell_magic in WRITEFILE_MAGICS:
                writefiles.append(cell)
            elif might_need_migration(source.encode()):
                outcome.notices.append(
                    _cell_notice(
                        raw.index,
                        f"%%{masked.cell_magic} cell: its body is not Python; left as it is",
                    )
                )
            continue
        try:
            read_cell(masked.text)
        except (SyntaxError, ValueError, RecursionError) as exc:
            where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
            outcome.notices.append(
                _cell_notice(
                    raw.index,
                    f"not valid Python{where}: left as it is; names it defines are not followed",
                )
            )
            continue
        cells.append(cell)
    if not cells and not writefiles:
        if not any(
            isinstance(c.data, dict) and c.data.get("cell_type") == "code" for c in raw_cells
        ):
            outcome.notices.append(_notice(RULE_SKIPPED, "the notebook has no code cells", "info"))
        return outcome

    new_texts: dict[int, str] = {}
    if cells:
        new_texts.update(_migrate_cells(cells, marker, options, filename, outcome))
        if any(n.rule == RULE_ORDER for n in outcome.notices):
            _leave_alone(outcome)
            return outcome
    for cell in writefiles:
        new = _migrate_writefile(cell, options, filename, outcome)
        if new is not None:
            new_texts[cell.index] = new

    by_index = {raw.index: raw for raw in raw_cells}
    replacements: list[tuple[int, int, str]] = []
    ensure_ascii = _ensure_ascii_style(text)
    for cell in sorted([*cells, *writefiles], key=lambda c: c.index):
        new = new_texts.get(cell.index, cell.text)
        if new == cell.text:
            continue
        span = by_index[cell.index].span
        assert span is not None  # a cell with code has a source value
        replacements.append((span.start, span.end, _encode_source(new, span, text, ensure_ascii)))
        outcome.changed_cells.append((cell.number, cell.text, new))
    if not replacements:
        return outcome
    pieces: list[str] = []
    last = 0
    for start, end, value in replacements:
        pieces.append(text[last:start])
        pieces.append(value)
        last = end
    pieces.append(text[last:])
    outcome.new = "".join(pieces).encode("utf-8")
    return outcome


def _migrate_cells(
    cells: list[_Cell],
    marker: str,
    options: MigrationOptions,
    filename: str | None,
    outcome: NotebookOutcome,
) -> dict[int, str]:
    """Migrate the code cells as one module; the new text of each cell by index."""
    cell_marker = f"_aoai_c_{marker}"
    parts: list[str] = []
    line_map: list[tuple[int, int] | None] = []  # module line - 1 -> (cell index, line in cell)
    # Where each cell starts, and the last line of its header (the marker; a cell magic's line):
    # the transform puts the imports it adds into a cell, never above the first one.
    starts: list[tuple[int, int]] = []
    for cell in cells:
        marker_line = len(line_map) + 1
        starts.append((marker_line, marker_line + (cell.masked.cell_magic is not None)))
        parts.append(f"pass  # {cell_marker}_{cell.index}\n")
        line_map.append(None)
        body = cell.masked.text
        if body and not body.endswith(("\n", "\r")):
            body += "\n"
            cell.added_newline = True
        parts.append(body)
        line_map.extend((cell.index, n) for n in range(1, len(_lines(body)) + 1))
    module = "".join(parts)
    try:
        result = migrate_source(module.encode("utf-8"), options, filename, cells=tuple(starts))
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - reported as this notebook's failure
        raise NotebookError(*_describe_in_cells(exc, line_map)) from None
    outcome.parsed = result.parsed
    outcome.secrets.extend(result.secrets)
    outcome.clients.extend(_map_client(c, line_map) for c in result.clients)
    outcome.notices.extend(_map_notice(n, line_map) for n in result.notices)
    if result.new == module.encode("utf-8"):
        return {}

    new_module = result.new.decode("utf-8")
    pattern = re.compile(
        rf"^pass  # {re.escape(cell_marker)}_(\d+)[ \t]*(?:\r\n|\r|\n)", re.MULTILINE
    )
    found = list(pattern.finditer(new_module))
    if [int(m.group(1)) for m in found] != [c.index for c in cells]:
        raise NotebookError(
            "internal error: the cells could not be told apart after migrating; left as it is"
        )
    if new_module[: found[0].start()]:
        raise NotebookError("internal error: code added above the first cell; left as it is")
    segments: dict[int, str] = {}
    for cell, match, following in zip(cells, found, [*found[1:], None], strict=False):
        segment = new_module[match.end() : following.start() if following else len(new_module)]
        if cell.added_newline and segment.endswith("\n"):
            segment = segment[:-1]
        if not cell.masked.text[:1].isspace():
            segment = _strip_leading_blank_lines(segment)
        segments[cell.index] = segment

    outcome.notices.extend(_order_problems(cells, segments))
    try:
        return {
            cell.index: _match_newlines(
                _restore(segments[cell.index], cell.masked.originals), cell.text
            )
            for cell in cells
        }
    except _InternalError as exc:
        raise NotebookError(f"internal error: {exc}; left as it is") from None


def _leave_alone(outcome: NotebookOutcome) -> None:
    """The migrated notebook would not run top to bottom: keep it as it is, and say why.

    The codemod reuses a token provider the code already defines, and in a notebook that
    definition can sit in a cell that runs after the first client. Moving the user's own
    definition up could change what the cells between compute, and a second credential next to
    the notebook's own would silently authenticate differently from the rest of it; so the
    notebook is left byte for byte, its clients reported as needing a person, and the cell order
    problem as an error that says what to move."""
    order = [n for n in outcome.notices if n.rule == RULE_ORDER]
    outcome.notices = [
        n for n in outcome.notices if n.rule not in _EDIT_NOTICES and n.rule != RULE_ORDER
    ]
    outcome.notices.extend(
        dataclasses.replace(
            n, severity="error", message=n.message.replace(_ORDER_ADVICE, _LEFT_ADVICE)
        )
        for n in order
    )
    outcome.clients = [
        dataclasses.replace(
            c,
            outcome=MANUAL,
            reason="left as it is: the migrated notebook would not run top to bottom "
            f"({RULE_ORDER})",
        )
        if c.outcome == MIGRATED
        else c
        for c in outcome.clients
    ]
    outcome.changed_cells.clear()
    outcome.secrets.clear()


# Notices that describe an edit: not true of a notebook left as it is.
_EDIT_NOTICES = frozenset({"comment-dropped"})
_ORDER_ADVICE = "running the notebook top to bottom raises NameError; move that definition up"
_LEFT_ADVICE = (
    "running it top to bottom would raise NameError, so the notebook is left as it is; "
    "move that definition above this cell and run again"
)


def _match_newlines(new: str, old: str) -> str:
    """The lines the migration added end the way the cell's own lines all end (a CRLF cell
    stays CRLF); a cell that mixes line endings gets ``\\n``, as Python writes it."""
    endings = set(re.findall(r"\r\n|\r|\n", old))
    if len(endings) != 1 or endings == {"\n"}:
        return new
    return re.sub(r"(?<!\r)\n", endings.pop(), new)


def _strip_leading_blank_lines(text: str) -> str:
    lines = _lines(text)
    while lines and not lines[0].strip():
        lines.pop(0)
    return "".join(lines)


def _migrate_writefile(
    cell: _Cell, options: MigrationOptions, filename: str | None, outcome: NotebookOutcome
) -> str | None:
    """``%%writefile app.py`` writes a module of its own: its body is migrated as one."""
    lines = _lines(cell.text)
    first = lines[0]
    args = first.split()[1:]
    target = next((a for a in args if not a.startswith("-")), "")
    if "-a" in args or "--append" in args or not target.endswith(".py"):
        if might_need_migration(cell.text.encode()):
            outcome.notices.append(
                _cell_notice(
                    cell.index,
                    f"{first.strip()}: the written file is not a whole Python module; "
                    "left as it is",
                )
            )
        return None
    body = "".join(lines[1:])
    try:
        result = migrate_source(
            body.encode("utf-8"), options, f"{filename}:{target}" if filename else target
        )
    except (Exception, RecursionError) as exc:  # noqa: BLE001
        outcome.notices.append(
            _cell_notice(cell.index, f"the body written to {target}: {describe_error(exc)}")
        )
        return None
    line_map: list[tuple[int, int] | None] = [
        (cell.index, n) for n in range(2, len(lines) + 1)
    ]  # body line 1 = cell line 2
    outcome.parsed = outcome.parsed or result.parsed
    outcome.secrets.extend(result.secrets)
    outcome.clients.extend(_map_client(c, line_map) for c in result.clients)
    outcome.notices.extend(_map_notice(n, line_map) for n in result.notices)
    return first + result.new.decode("utf-8")


# ================================================================================================
# One notebook file in, one result out
# ================================================================================================


def process_notebook(path: str, options: MigrationOptions, mode: str = MODE_WRITE) -> FileResult:
    """Migrate one notebook file. Never raises for a problem with the file itself."""
    return write_result(analyse_notebook(path, options, mode), mode)


def analyse_notebook(path: str, options: MigrationOptions, mode: str = MODE_WRITE) -> FileResult:
    """Read one notebook and migrate it in memory; nothing is written (see ``write_result``)."""
    options = for_path(options, path)  # a notebook's credential (its default, overrides)
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        return FileResult(path, FAILED, error=f"cannot read: {exc.strerror or exc}")
    try:
        outcome = migrate_notebook(data, options, path)
    except NotebookError as exc:
        return FileResult(path, FAILED, error=str(exc), error_line=exc.line)
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - any failure is this file's alone
        message, line = describe_failure(exc)
        return FileResult(path, FAILED, error=message, error_line=line)
    clients = tuple(outcome.clients)
    notices = tuple(outcome.notices)
    if outcome.new == data:
        return FileResult(
            path,
            UNCHANGED,
            clients,
            notices,
            parsed=outcome.parsed,
            positions=outcome.positions,
        )
    diff = None
    if mode == MODE_DIFF:
        diff = mask_secrets(unified_diff(path, data, outcome.new), _in_json(outcome.secrets))
    return FileResult(
        path,
        CHANGED,
        clients,
        notices,
        diff=diff,
        parsed=True,
        secrets=tuple(outcome.secrets),
        data=data,
        new=outcome.new,
        positions=outcome.positions,
        credential=credential_written(clients, options),
    )


def _in_json(secrets: Sequence[str]) -> tuple[str, ...]:
    """The diff of a notebook is a diff of its JSON (so that ``git apply`` takes it): each key
    is masked as written there too (escaped as a JSON string)."""
    return tuple({*secrets, *(json.dumps(s)[1:-1] for s in secrets)})
