"""Jupyter notebooks (``.ipynb``): the code cells migrated as one module, written back in place.

How a notebook runs decides how it is migrated:

* Its code cells run top to bottom in one namespace, so they are joined into one module (one
  credential and token provider for the whole notebook, names resolved across cells). Each cell
  starts with a marker statement (``pass`` with the cell's index in a comment), so the setup the
  codemod inserts before the first statement
  that needs it lands in that statement's cell; new imports go into the first cell that has
  imports (or just before the setup), so they are defined before the first client cell runs.
* IPython syntax is not Python: line magics (``%pip install``), shell escapes (``!az login``,
  ``files = !ls``), help (``client?``) and the first line of a cell magic (``%%time``) are each
  replaced by a placeholder statement, one line for one line, and put back afterwards. A cell
  magic whose body is not Python (``%%bash``) leaves its cell out; ``%%writefile x.py`` writes
  its body to a separate module, so that body is migrated as a module of its own.
* The JSON is never re-serialized: only the ``source`` value of a changed cell is replaced, laid
  out as the notebook lays it out (indentation, separators, escaping, unchanged lines keep their
  exact JSON text), so outputs, metadata, key order and the final newline stay byte for byte.

Records and diffs name the cell: ``notebook.ipynb:cell 3:2:5`` (cells counted from 1, markdown
cells included, as ruff counts them).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from json.decoder import scanstring
from pathlib import Path
from typing import Any, Iterator

from codemods.findings import MANUAL, MIGRATED, ClientRecord, Notice
from codemods.options import MigrationOptions
from migrator.engine import (
    CHANGED,
    FAILED,
    MODE_DIFF,
    MODE_WRITE,
    UNCHANGED,
    FileResult,
    describe_error,
    mask_secrets,
    mentions_client_or_key,
    might_need_migration,
    migrate_source,
    unified_diff,
    write_result,
)

NOTEBOOK_SUFFIX = ".ipynb"
RULE_SKIPPED = "notebook-skipped"
RULE_CELL_SKIPPED = "notebook-cell-skipped"
RULE_ORDER = "notebook-cell-order"

# Cell magics whose body is Python run in the notebook's own namespace.
PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
# Cell magics that write their body to a file.
WRITEFILE_MAGICS = frozenset({"writefile", "file"})
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

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_NEWLINE = re.compile(r"(\r\n|\r|\n)\Z")
_CELL_MAGIC = re.compile(r"%%(\w+)")
_ASSIGN_MAGIC = re.compile(r"[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!]")
_HELP_AFTER = re.compile(r"%{0,2}[A-Za-z_*][\w*]*(\.[A-Za-z_*][\w*]*|\[\d+\])*\s*\?{1,2}")
_HELP_BEFORE = re.compile(r"\?{1,2}\s*%{0,2}[A-Za-z_*][\w*]*(\.[A-Za-z_*][\w*]*)*")
_NON_ASCII_ESCAPE = re.compile(
    r"\\u(00[89a-fA-F][0-9a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-fA-F][0-9a-fA-F]{3})"
)


def is_notebook(path: str) -> bool:
    return path.endswith(NOTEBOOK_SUFFIX)


def _lines(text: str) -> list[str]:
    """Lines with their endings, split the way Python's tokenizer splits them."""
    return _LINE.findall(text)


# ================================================================================================
# Where each code cell's ``source`` is in the JSON text
# ================================================================================================


@dataclass
class _Span:
    start: int  # the whole ``source`` value
    end: int
    items: list[tuple[int, int]] | None  # the JSON string tokens of a list value; None: one string


@dataclass
class _RawCell:
    index: int
    data: dict[str, Any]
    span: _Span | None


_WS = " \t\n\r"


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _expect(text: str, i: int, char: str) -> None:
    if i >= len(text) or text[i] != char:
        raise json.JSONDecodeError(f"Expecting '{char}'", text, i)


def _members(
    text: str, i: int, decoder: json.JSONDecoder
) -> tuple[list[tuple[str, int, int, Any]], int]:
    """[(key, value start, value end, value)] of the JSON object at ``text[i]``, and its end."""
    _expect(text, i, "{")
    members: list[tuple[str, int, int, Any]] = []
    i = _skip_ws(text, i + 1)
    if i < len(text) and text[i] == "}":
        return members, i + 1
    while True:
        _expect(text, i, '"')
        key, i = scanstring(text, i + 1)
        i = _skip_ws(text, i)
        _expect(text, i, ":")
        start = _skip_ws(text, i + 1)
        value, end = decoder.raw_decode(text, start)
        members.append((key, start, end, value))
        i = _skip_ws(text, end)
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
            continue
        _expect(text, i, "}")
        return members, i + 1


def _elements(text: str, i: int, decoder: json.JSONDecoder) -> Iterator[tuple[int, int]]:
    """(start, end) of each element of the JSON array at ``text[i]``."""
    _expect(text, i, "[")
    i = _skip_ws(text, i + 1)
    if i < len(text) and text[i] == "]":
        return
    while True:
        _, end = decoder.raw_decode(text, i)
        yield i, end
        i = _skip_ws(text, end)
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
            continue
        _expect(text, i, "]")
        return


def _read_notebook(text: str, offset: int) -> tuple[dict[str, Any], list[_RawCell]]:
    """The notebook as data, and where each cell's ``source`` is. Raises JSONDecodeError."""
    decoder = json.JSONDecoder()
    start = _skip_ws(text, offset)
    if start >= len(text) or text[start] != "{":
        raise json.JSONDecodeError("a notebook is a JSON object", text, start)
    notebook: dict[str, Any] = {}
    cells: list[_RawCell] = []
    members, end = _members(text, start, decoder)
    if _skip_ws(text, end) != len(text):
        raise json.JSONDecodeError("Extra data", text, _skip_ws(text, end))
    for key, vstart, _, value in members:
        notebook[key] = value
        if key == "cells" and isinstance(value, list):
            cells = []
            for index, (cstart, _) in enumerate(_elements(text, vstart, decoder)):
                cell_value = value[index]
                span = None
                if isinstance(cell_value, dict):
                    for ckey, sstart, send, svalue in _members(text, cstart, decoder)[0]:
                        if ckey == "source":
                            items = (
                                list(_elements(text, sstart, decoder))
                                if isinstance(svalue, list)
                                else None
                            )
                            span = _Span(sstart, send, items)
                cells.append(_RawCell(index, cell_value, span))
    return notebook, cells


# ================================================================================================
# IPython syntax: masked with placeholder statements, restored afterwards
# ================================================================================================


class _Scanner:
    """Tracks, line by line, whether the next line starts a new logical line of Python."""

    def __init__(self) -> None:
        self.depth = 0
        self.string: str | None = None  # the open triple quote
        self.continued = False

    @property
    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.string is None and not self.continued

    def feed(self, line: str) -> None:
        body = line.rstrip("\r\n")
        comment = False
        i, n = 0, len(body)
        while i < n:
            if self.string is not None:
                if body[i] == "\\":
                    i += 2
                    continue
                if body.startswith(self.string, i):
                    i += 3
                    self.string = None
                    continue
                i += 1
                continue
            ch = body[i]
            if ch == "#":
                comment = True
                break
            if ch in "([{":
                self.depth += 1
            elif ch in ")]}":
                self.depth = max(0, self.depth - 1)
            elif ch in "'\"":
                if body.startswith(ch * 3, i):
                    self.string = ch * 3
                    i += 3
                    continue
                i += 1
                while i < n and body[i] != ch:
                    i += 2 if body[i] == "\\" else 1
            i += 1
        self.continued = self.string is None and not comment and body.endswith("\\")


def _is_ipython_line(line: str) -> bool:
    """A logical line IPython rewrites before Python sees it."""
    stripped = line.strip()
    if not stripped:
        return False
    if stripped[0] in "%!/,;":  # magic, shell escape, autocall
        return True
    if stripped[0] == "?":
        return bool(_HELP_BEFORE.fullmatch(stripped))
    if stripped.endswith("?"):
        return bool(_HELP_AFTER.fullmatch(stripped))
    return bool(_ASSIGN_MAGIC.match(stripped))


@dataclass
class _Masked:
    text: str
    originals: dict[str, str]  # placeholder marker -> the original line, with its ending
    cell_magic: str | None = None


def _mask(text: str, marker: str, counter: list[int]) -> _Masked:
    """``text`` with every IPython line replaced by ``pass  # <marker><n>``, indentation kept."""
    lines = _lines(text)
    out: list[str] = []
    originals: dict[str, str] = {}
    scanner = _Scanner()
    cell_magic = None
    masking_indent: str | None = None  # inside a magic continued with a trailing backslash

    def placeholder(line: str, indent: str) -> str:
        counter[0] += 1
        key = f"{marker}{counter[0]}"
        originals[key] = line
        ending = _NEWLINE.search(line)
        return f"{indent}pass  # {key}{ending.group(1) if ending else ''}"

    for number, line in enumerate(lines):
        body = line.rstrip("\r\n")
        if masking_indent is not None:
            out.append(placeholder(line, masking_indent))
            masking_indent = masking_indent if body.endswith("\\") else None
            continue
        if number == 0 and line.startswith("%%"):
            match = _CELL_MAGIC.match(line)
            cell_magic = match.group(1) if match else ""
            out.append(placeholder(line, ""))
            continue
        if scanner.at_statement_start and _is_ipython_line(body):
            indent = body[: len(body) - len(body.lstrip())]
            out.append(placeholder(line, indent))
            if body.endswith("\\"):
                masking_indent = indent
            continue
        out.append(line)
        scanner.feed(line)
    return _Masked("".join(out), originals, cell_magic)


def _restore(text: str, originals: dict[str, str]) -> str:
    """Put the original IPython lines back in place of their placeholders."""
    out: list[str] = []
    seen: set[str] = set()
    for line in _lines(text):
        key = _placeholder_key(line)
        if key is None:
            out.append(line)
            continue
        if key not in originals or key in seen:
            raise _InternalError("an IPython line was duplicated while migrating")
        seen.add(key)
        out.append(originals[key])
    if seen != set(originals):
        raise _InternalError("an IPython line was lost while migrating")
    return "".join(out)


_PLACEHOLDER = re.compile(r"^[ \t]*pass  # (_aoai_m_[0-9a-f]+_\d+)[ \t]*(\r\n|\r|\n)?\Z")


def _placeholder_key(line: str) -> str | None:
    match = _PLACEHOLDER.match(line)
    return match.group(1) if match else None


class _InternalError(Exception):
    pass


# ================================================================================================
# Migrating the code cells
# ================================================================================================


@dataclass
class _Cell:
    index: int  # position among all cells, from 0
    text: str  # the source, as the notebook has it
    masked: _Masked
    added_newline: bool = False

    @property
    def number(self) -> int:
        return self.index + 1


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


class NotebookError(Exception):
    """The notebook cannot be processed at all; the message says why."""


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
            _parse(masked.text)
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
    for cell in cells:
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
        result = migrate_source(module.encode("utf-8"), options, filename)
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - reported as this notebook's failure
        raise NotebookError(_describe_in_cells(exc, line_map)) from None
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
    prefix = new_module[: found[0].start()]
    segments: dict[int, str] = {}
    for cell, match, following in zip(cells, found, [*found[1:], None]):
        segment = new_module[match.end() : following.start() if following else len(new_module)]
        if cell.added_newline and segment.endswith("\n"):
            segment = segment[:-1]
        if not cell.masked.text[:1].isspace():
            segment = _strip_leading_blank_lines(segment)
        segments[cell.index] = segment

    outcome.notices.extend(_relocate_imports(prefix, cells, segments))
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
_EDIT_NOTICES = frozenset({"comment-dropped", "close-async-credential"})
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
                    f"{first.strip()}: the written file is not a whole Python module; left as it is",
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


# -- where the imports go ---------------------------------------------------------------------------


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
) -> tuple[_Cell, ast.Assign, list[ast.stmt]] | None:
    """The cell and first statement of the credential setup the codemod inserted, and its block."""
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
            )
            if is_setup:
                block.append(stmt)
            elif block:
                break
        if block:
            return cell, block[0], block  # type: ignore[return-value]
    return None


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
    if setup is not None and _tidy_before(setup[0], setup[1].lineno, segments):
        setup = _find_setup(cells, segments)
    setup_cell = setup[0] if setup else None
    setup_line = setup[1].lineno if setup else None
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
                        f"the migrated code here uses `{name}`, which only cell {later} defines: running the "
                        "notebook top to bottom raises NameError; move that definition up",
                        cell=cell.number,
                    )
                )
        earlier.update(bound[cell.index])
    return problems


# -- line numbers: module lines back to cells -------------------------------------------------------


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


def _describe_in_cells(exc: BaseException, line_map: list[tuple[int, int] | None]) -> str:
    message = describe_error(exc)
    line = getattr(exc, "raw_line", None)
    if isinstance(line, int):
        in_cell, cell = _map_line(line, line_map)
        if cell is not None:
            return message.replace(f"(line {line})", f"(cell {cell}, line {in_cell})")
    return message


def _notice(rule: str, message: str, severity: str = "warning") -> Notice:
    return Notice(1, 0, rule, message, severity)


def _cell_notice(index: int, message: str, severity: str = "warning") -> Notice:
    return Notice(1, 0, RULE_CELL_SKIPPED, message, severity, cell=index + 1)


# ================================================================================================
# Writing a cell's source back in the notebook's own layout
# ================================================================================================


def _ensure_ascii_style(text: str) -> bool:
    """True when the notebook escapes non-ASCII characters (``\\u00e9``) rather than writing them."""
    if not text.isascii():
        return False
    return bool(_NON_ASCII_ESCAPE.search(text))


def _source_items(new: str, old_items: list[str]) -> list[str]:
    """A cell's source as list items, split the way the cell's own items are split.

    Jupyter's front ends and VS Code end an item only after ``\\n``; Python's nbformat uses
    ``str.splitlines``, which also splits after ``\\r``, ``\\x0b``, ``\\x0c``, ``\\x1c``-``\\x1e``,
    ``\\x85``, U+2028 and U+2029. An item before the last that does not end with ``\\n`` shows
    the second; otherwise (and for a cell with no such character, where both agree) ``\\n``."""
    if any(not item.endswith("\n") for item in old_items[:-1]):
        return new.splitlines(True)
    lines = [line + "\n" for line in new.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _encode_source(new: str, span: _Span, text: str, ensure_ascii: bool) -> str:
    if span.items is None:
        return json.dumps(new, ensure_ascii=ensure_ascii)
    raw_items = [text[start:end] for start, end in span.items]
    values = [json.loads(raw) for raw in raw_items]
    known: dict[str, str] = {}
    for value, raw in zip(values, raw_items):
        known.setdefault(value, raw)
    tokens = [
        known.get(line) or json.dumps(line, ensure_ascii=ensure_ascii)
        for line in _source_items(new, values)
    ]
    if not raw_items:
        return "[" + ", ".join(tokens) + "]"
    opening = text[span.start + 1 : span.items[0][0]]
    closing = text[span.items[-1][1] : span.end - 1]
    if len(raw_items) > 1:
        separator = text[span.items[0][1] : span.items[1][0]]
    else:
        separator = "," + opening if "\n" in opening else ", "
    return "[" + opening + separator.join(tokens) + closing + "]"


# ================================================================================================
# One notebook file in, one result out
# ================================================================================================


def process_notebook(path: str, options: MigrationOptions, mode: str = MODE_WRITE) -> FileResult:
    """Migrate one notebook file. Never raises for a problem with the file itself."""
    return write_result(analyse_notebook(path, options, mode), mode)


def analyse_notebook(path: str, options: MigrationOptions, mode: str = MODE_WRITE) -> FileResult:
    """Read one notebook and migrate it in memory; nothing is written (see ``write_result``)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        return FileResult(path, FAILED, error=f"cannot read: {exc.strerror or exc}")
    try:
        outcome = migrate_notebook(data, options, path)
    except NotebookError as exc:
        return FileResult(path, FAILED, error=str(exc))
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - any failure is this file's alone
        return FileResult(path, FAILED, error=describe_error(exc))
    clients = tuple(outcome.clients)
    notices = tuple(outcome.notices)
    if outcome.new == data:
        return FileResult(path, UNCHANGED, clients, notices, parsed=outcome.parsed)
    diff = None
    if mode == MODE_DIFF:
        diff = mask_secrets(cell_diff(path, outcome.changed_cells), tuple(outcome.secrets))
    return FileResult(
        path, CHANGED, clients, notices, diff=diff, parsed=True, secrets=tuple(outcome.secrets), data=data,
        new=outcome.new,
    )


def cell_diff(path: str, changed_cells: list[tuple[int, str, str]]) -> str:
    """One unified diff per changed cell, labelled ``a/<path>:cell N`` as ruff labels them."""
    return "".join(
        unified_diff(f"{path}:cell {number}", old.encode("utf-8"), new.encode("utf-8"))
        for number, old, new in changed_cells
    )
