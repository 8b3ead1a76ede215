"""One file in, one result out: read the bytes, parse once, run the codemods, maybe write.

Nothing here prints. Results are small frozen dataclasses, safe to send between processes.
"""

from __future__ import annotations

import ast
import difflib
import io
import os
import re
import tokenize
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from codemods.findings import ClientRecord, Notice
from codemods.key_names import mentions_key_name
from codemods.options import MigrationOptions
from codemods.sdks import ANCHORS
from codemods.targets import SPECS, TRIGGER_WORDS
from migrator import suppressions
from migrator.credential_context import credential_written, for_path
from migrator.results import (  # re-exported: importers of the engine's names keep working
    CHANGED,
    FAILED,
    MODE_CHECK,  # noqa: F401
    MODE_DIFF,
    MODE_WRITE,
    SKIPPED,  # noqa: F401
    UNCHANGED,
    FileResult,
)
from migrator.sarif_extras import flagged_lines

if TYPE_CHECKING:
    from codemods.usage_graph import ModuleFacts


@dataclass(frozen=True)
class SourceResult:
    new: bytes
    clients: tuple[ClientRecord, ...] = ()
    notices: tuple[Notice, ...] = field(default_factory=tuple)
    parsed: bool = False
    secrets: tuple[str, ...] = field(default=(), repr=False)
    facts: ModuleFacts | None = field(default=None, repr=False)


# A file that builds a client names the class and imports its package: a few scans of the bytes
# for the anchors the SDK modules give (codemods.sdks.ANCHORS: "Azure"/"OpenAI" pieces, and the
# package name of a client that has neither) rule out nearly every file before the trigger words
# are looked for. Every trigger word's file holds an anchor, so no SDK's client is dropped here.
_ANCHORS = ANCHORS

# Every client class lives in one of these packages: a module that imports none of them builds no
# client (a name imported from the project's own module does not resolve to a client class).
_SDK_ROOTS = sorted({name.split(".", 1)[0] for spec in SPECS for name in spec.names})
_SDK_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+(?:%s)\b|import[ \t]+[^\n#]*\b(?:%s)\b)"
    % ((b"|".join(r.encode() for r in _SDK_ROOTS),) * 2),
    re.MULTILINE,
)


def might_need_migration(data: bytes) -> bool:
    """A byte search that rules out, without parsing, files that build no client."""
    return any(a in data for a in _ANCHORS) and any(word in data for word in TRIGGER_WORDS)


def imports_an_sdk(data: bytes) -> bool:
    """Whether a line of ``data`` imports one of the packages client classes live in."""
    return _SDK_IMPORT.search(data) is not None


def mentions_client_or_key(data: bytes) -> bool:
    """The test for a notebook's JSON bytes, where code is inside strings (no import test)."""
    return might_need_migration(data) or mentions_key_name(data)


def worth_parsing(data: bytes) -> bool:
    """Files that build a client, or that name a key variable (checks on the key are reported)."""
    return (might_need_migration(data) and imports_an_sdk(data)) or mentions_key_name(data)


def needs_a_look(path: str, data: bytes) -> bool:
    """Whether ``migrator.files.process_file`` could find anything in the file: the test the run
    settles files by."""
    return mentions_client_or_key(data) if path.endswith(".ipynb") else worth_parsing(data)


def migrate_source(
    data: bytes,
    options: MigrationOptions,
    filename: str | None = None,
    sliced: bool = True,
    cells: tuple[tuple[int, int], ...] = (),
) -> SourceResult:
    """Migrate one module's bytes. Raises on input that cannot be parsed.

    ``cells``: for a notebook's cells joined into ``data``, each cell's first line and the last
    line of its header (see ``codemods.import_placement.ImportLayout``).

    With ``sliced``, only the top-level statements that can matter go through LibCST
    (``codemods.slicing``); the rest of the file is put back byte for byte.

    Python takes indentation that mixes tabs and spaces (or has form feeds) wherever its two
    readings of a tab agree; LibCST takes less. Such a module goes through with every statement
    indented in spaces, and comes back with its own indentation.
    """
    return suppressions.around(data, options, partial(_migrate, data, filename, sliced, cells))


def _migrate(data, filename, sliced, cells, options: MigrationOptions) -> SourceResult:  # type: ignore[no-untyped-def]
    try:
        return _migrate_source(data, options, filename, sliced, cells)
    except (SyntaxError, TooLarge, RecursionError):
        raise
    except Exception:
        if not _ODD_INDENT.search(data):
            raise
        indented = _canonical_indentation(data)
        if indented is None:
            raise
    spaced, starts, odd = indented
    result = _migrate_source(spaced, options, filename, sliced, cells)
    if result.new == spaced:
        return replace(result, new=data)
    new = _reindent(data, spaced, result.new, starts)
    if new is None:
        raise IndentationNotReadable(odd)
    return replace(result, new=new)


class IndentationNotReadable(SyntaxError):
    def __init__(self, where: tuple[int, int]) -> None:
        line, column = where
        super().__init__(
            f"line {line}, column {column}: indentation mixing tabs and spaces that the "
            "migration cannot rewrite (Python accepts it); left as it was"
        )
        self.lineno, self.offset = line, column


_ODD_INDENT = re.compile(rb"^[ \t\f]*[\t\f]", re.MULTILINE)
_WHITESPACE = b" \t\f"


def _statement_lines(text: str) -> list[tuple[int, int, int]] | None:
    """(line index, column, nesting depth) of each line of ``text`` that starts a statement."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text, newline="").readline))
    except (SyntaxError, tokenize.TokenError):
        return None
    found: list[tuple[int, int, int]] = []
    depth, at_start = 0, True
    for token in tokens:
        kind = token.type
        if kind == tokenize.INDENT:
            depth += 1
        elif kind == tokenize.DEDENT:
            depth -= 1
        elif kind in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT):
            at_start = at_start or kind == tokenize.NEWLINE
        elif kind != tokenize.ENDMARKER and at_start:
            at_start = False
            found.append((token.start[0] - 1, token.start[1], depth))
    return found


def _canonical_indentation(data: bytes) -> tuple[bytes, set[int], tuple[int, int]] | None:
    """``data`` with each statement's indentation spelled as four spaces a level, the indexes of
    the lines that start a statement, and the first line (1-based) and column where the
    indentation is not plain (not each level the one above it plus more of the same)."""
    encoding = _detect(data)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    statements = _statement_lines(text)
    if statements is None:
        return None
    # Not str.splitlines: a form feed ends no line.
    lines = io.StringIO(text, newline="").readlines()
    levels: list[str] = []  # each open level's indentation, set by its first statement
    odd = None
    for index, column, depth in statements:
        prefix = lines[index][:column]
        del levels[depth + 1 :]
        if len(levels) <= depth:
            levels.append(prefix)
        outer = levels[depth - 1] if depth else ""
        plain = "\f" not in prefix and prefix == levels[depth] and prefix.startswith(outer)
        if not plain and odd is None:
            odd = (index + 1, column + 1)
        lines[index] = "    " * depth + lines[index][column:]
    if odd is None:
        return None
    return "".join(lines).encode(encoding), {index for index, _, _ in statements}, odd


def _reindent(original: bytes, spaced: bytes, printed: bytes, starts: set[int]) -> bytes | None:
    """``printed`` (migrated from ``spaced``) with the original's indentation; None if that
    does not give the same program."""
    from difflib import SequenceMatcher

    orig = original.splitlines(keepends=True)
    norm = spaced.splitlines(keepends=True)
    out = printed.splitlines(keepends=True)
    statements = _statement_lines(printed.decode(_detect(printed), errors="replace"))
    if len(orig) != len(norm) or statements is None:
        return None
    printed_starts = {index for index, _, _ in statements}
    levels: dict[bytes, bytes] = {}  # four-space prefix -> the original's, as last seen
    lines: list[bytes] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, norm, out, autojunk=False).get_opcodes():
        if tag == "equal":
            for i in range(i1, i2):
                if i in starts:
                    levels[_indent(norm[i])] = _indent(orig[i])
                lines.append(orig[i])
            continue

        # How this level was indented: best told by the lines this block replaces, then by
        # those before it, then by those after it (the nearest of each).
        def level_of(indexes: range) -> dict[bytes, bytes]:
            return {_indent(norm[i]): _indent(orig[i]) for i in indexes if i in starts}

        block = level_of(range(i2 - 1, i1 - 1, -1))
        after = level_of(range(len(norm) - 1, i2 - 1, -1))
        here = {**after, **levels, **block}
        for j in range(j1, j2):
            line = out[j]
            prefix = _indent(line) if j in printed_starts else b""
            known = max((k for k in here if k and prefix.startswith(k)), key=len, default=None)
            lines.append(line if known is None else here[known] + line[len(known) :])
        levels.update((_indent(norm[i]), _indent(orig[i])) for i in range(i1, i2) if i in starts)
    new = b"".join(lines)
    try:
        same = ast.dump(_syntax_tree(new)) == ast.dump(_syntax_tree(printed))
    except (SyntaxError, ValueError):
        same = False
    return new if same else None


def _indent(line: bytes) -> bytes:
    return line[: len(line) - len(line.lstrip(_WHITESPACE))]


def _migrate_source(
    data: bytes,
    options: MigrationOptions,
    filename: str | None = None,
    sliced: bool = True,
    cells: tuple[tuple[int, int], ...] = (),
) -> SourceResult:
    # A module given released names (``migrator.key_release``) holds a key another module
    # certified, whatever the variable's name says: it is parsed.
    if not worth_parsing(data) and not options.released_names:
        return SourceResult(data)
    import libcst as cst  # imported here so runs with nothing to do never pay for it

    from codemods import slicing
    from codemods.import_placement import ImportLayout
    from codemods.pipeline import migrate_module
    from migrator.import_config import style_for

    try:
        tree = check_parseable(data, filename)
        piece = slicing.plan(data, tree) if sliced and tree is not None else None
        module = None
        if piece is not None:
            try:
                module = cst.parse_module(piece.source)
            except Exception:  # noqa: BLE001 - never expected; the whole module then goes through
                piece = None
        if module is None:
            module = cst.parse_module(data)
    except (Exception, RecursionError):
        if might_need_migration(data):
            raise
        return SourceResult(
            data
        )  # parsed only to look for checks on a key: not worth failing the file
    words = piece.words if piece is not None else frozenset()
    whole = tree if piece is not None else None
    layout = ImportLayout(partial(style_for, filename), cells)
    new_module, outcome = migrate_module(module, options, filename, words, whole, layout)
    # Unchanged trees give back the original bytes: LibCST's printer is not exact for every
    # input (a last line of only spaces, for one), and a file we do not change must not change.
    printed = new_module.bytes
    source = piece.source if piece is not None else data
    if printed == source or new_module.deep_equals(module):
        new = data
    elif piece is None:
        new = restore_layout(source, module.bytes, printed)
    else:
        spliced = slicing.splice(restore_layout(source, module.bytes, printed), piece)
        if spliced is None:  # a placeholder did not come through: migrate the whole module
            return _migrate_source(data, options, filename, sliced=False, cells=cells)
        new = spliced
    facts = outcome.facts
    if piece is not None and facts is not None:
        facts = replace(facts, partial=True)
    return SourceResult(
        new, tuple(outcome.clients), tuple(outcome.notices), True, tuple(outcome.secrets), facts
    )


def restore_layout(source: bytes, roundtrip: bytes, printed: bytes) -> bytes:
    """``printed`` with the lines the migration did not touch as they were in ``source``.

    LibCST's printer is not exact for every input: it drops the space in ``except KeyError :``
    and the last line end of a file of CR line ends, among others. ``roundtrip`` is the
    unchanged tree printed: where it differs from ``source`` line for line, those lines are the
    printer's doing, and wherever ``printed`` still has them unchanged the source's line goes
    back. The result must mean what ``printed`` means (same syntax tree), or ``printed`` stays.
    """
    if roundtrip == source:
        return printed
    from difflib import SequenceMatcher

    src = source.splitlines(keepends=True)
    rt = roundtrip.splitlines(keepends=True)
    out = printed.splitlines(keepends=True)
    origin: dict[int, bytes] = {}
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, rt, src, autojunk=False).get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            origin.update((i1 + k, src[j1 + k]) for k in range(i2 - i1))
    lines: list[bytes] = []
    for tag, i1, _i2, j1, j2 in SequenceMatcher(None, rt, out, autojunk=False).get_opcodes():
        if tag == "equal":
            lines.extend(origin.get(i1 + k, out[j1 + k]) for k in range(j2 - j1))
        else:
            lines.extend(out[j1:j2])
    new = b"".join(lines)
    ending = _NEWLINE_AT_END.search(source)
    if ending is not None and not new.endswith((b"\r", b"\n")):
        new += ending.group()
    try:
        same = ast.dump(_syntax_tree(new)) == ast.dump(_syntax_tree(printed))
    except (SyntaxError, ValueError):
        same = False
    return new if same else printed


_NEWLINE_AT_END = re.compile(rb"(?:\r\n|\r|\n)\Z")


def _syntax_tree(data: bytes) -> ast.AST:
    return compile(data, "<file>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)


# Larger files are not parsed: LibCST needs minutes for a few megabytes (generated code, data
# dumps), and hand-written code that builds a client is never that big.
MAX_PARSE_BYTES = 1_000_000

# LibCST's native parser and its printer recurse once per level of nesting; on deep enough input
# the parser overflows the C stack and kills the whole process (a 3000-deep list did, with
# libcst 1.x). Python's own parser refuses most such input first; this limit catches the rest.
MAX_NESTING = 500


class NestedTooDeeply(RecursionError):
    pass


class TooLarge(Exception):
    pass


def check_parseable(data: bytes, filename: str | None = None) -> ast.Module | None:
    """Python's syntax tree of ``data``; raise unless the file is valid Python and safe to hand
    to LibCST.

    LibCST accepts some code that Python 3 does not (``except E, e:`` from Python 2), and
    crashes on some that is nested deep enough; Python's own parser (AST only: nothing is
    executed) and a depth count keep both away from it. Code for a newer Python than the one
    running (``migrator.syntax``) gives no tree (None) when LibCST reads it safely.
    """
    if len(data) > MAX_PARSE_BYTES:
        raise TooLarge(
            f"{len(data) / 1_000_000:.1f} MB; "
            f"files over {MAX_PARSE_BYTES // 1_000_000} MB are not parsed"
        )
    try:
        tree = compile(
            data, filename or "<file>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True
        )
    except SyntaxError as exc:
        if "too many nested" in str(exc.msg):
            raise NestedTooDeeply(exc.msg) from None
        from migrator import syntax

        if syntax.nesting_depth(data) > MAX_NESTING or not syntax.readable_by_libcst(data):
            raise
        return None
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise NestedTooDeeply(f"more than {MAX_NESTING} levels")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


# A piece of a key this short is masked only where it stands in quotes (or before a backslash
# that continues the literal): replaced everywhere, it would garble unrelated code.
MIN_MASKED_ANYWHERE = 8


def mask_secrets(text: str, secrets: tuple[str, ...]) -> str:
    """Diffs show the user's own code, but never a key found in it, whole or in pieces.

    ``secrets`` holds each key's value and the source text of each of its pieces (one line at a
    time): a key written as ``"abc" "def"`` or continued over lines is masked piece by piece.
    Line ends are never touched, so a diff's hunks keep their line counts.
    """
    for secret in sorted(set(secrets), key=len, reverse=True):
        mask = f"<masked, {len(secret)} characters>"
        if len(secret) >= MIN_MASKED_ANYWHERE:
            text = text.replace(secret, mask)
        elif secret.strip():
            text = re.sub(rf"(?<=[\"']){re.escape(secret)}(?=[\"'\\])", mask, text)
    return text


def mask_secrets_in_bytes(data: bytes, secrets: tuple[str, ...]) -> bytes:
    """``mask_secrets`` for output kept as bytes (a patch of files in any encoding)."""
    if not secrets:
        return data
    return mask_secrets(data.decode("utf-8", "surrogateescape"), secrets).encode(
        "utf-8", "surrogateescape"
    )


def describe_error(exc: BaseException, data: bytes | None = None) -> str:
    return describe_failure(exc, data)[0]


def describe_failure(exc: BaseException, data: bytes | None = None) -> tuple[str, int | None]:
    """What went wrong, for the report, and the line of the file it names (None: no line)."""
    name = type(exc).__name__
    if name == "ParserSyntaxError":
        # LibCST's position can point past the error; Python's own parser names the line.
        if data is not None:
            try:
                compile(data, "<file>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
            except SyntaxError as py_exc:
                return f"cannot parse (line {py_exc.lineno}): {py_exc.msg}", py_exc.lineno
            except Exception:  # noqa: BLE001 - fall back to LibCST's message
                pass
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        return f"cannot parse: {first}", None
    if isinstance(exc, UnicodeDecodeError):
        return f"cannot decode: {exc.reason} at byte {exc.start} ({exc.encoding})", None
    if isinstance(exc, TooLarge):
        return f"too large to parse ({exc}); left as it was", None
    if isinstance(exc, UnicodeError) or (isinstance(exc, SyntaxError) and "decod" in str(exc.msg)):
        return f"cannot decode: {exc.msg if isinstance(exc, SyntaxError) else exc}", None
    if isinstance(
        exc, SyntaxError
    ):  # Python's own parser: an error, Python 2 code, an unknown cookie
        if exc.lineno:
            return f"cannot parse (line {exc.lineno}): {exc.msg}", exc.lineno
        return f"cannot parse: {exc.msg}", None
    if isinstance(exc, RecursionError):
        return "cannot parse: the code is nested too deeply for the parser", None
    if isinstance(exc, suppressions.SuppressedLineChanged):
        return str(exc), exc.line
    if isinstance(exc, LookupError):
        return f"cannot decode: {exc}", None
    return f"internal error ({name}): {exc}", None


def unified_diff(path: str, old: bytes, new: bytes, encoding: str = "utf-8") -> str:
    label = os.path.normpath(path).replace(os.sep, "/").lstrip("/")
    old_text = old.decode(encoding, errors="replace").splitlines(keepends=True)
    new_text = new.decode(encoding, errors="replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old_text, new_text, fromfile=f"a/{label}", tofile=f"b/{label}")
    out = []
    for line in lines:
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def _detect(data: bytes) -> str:
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:
        return "utf-8"


def process_file(path: str, options: MigrationOptions, mode: str = MODE_WRITE) -> FileResult:
    """Migrate one Python file: ``analyse_file`` then ``write_result``. Never raises for a
    problem with the file itself. Notebooks go through ``migrator.files.process_file``: the
    notebook path builds on this module, not the other way round."""
    if path.endswith(".ipynb"):
        raise ValueError(f"{path}: a notebook; migrator.files.process_file takes any kind of file")
    return write_result(analyse_file(path, options, mode), mode)


def analyse_file(
    path: str, options: MigrationOptions, mode: str = MODE_WRITE, sliced: bool = True
) -> FileResult:
    """Read one Python file and migrate it in memory; nothing is written (see ``write_result``)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return FileResult(path, FAILED, error=f"cannot read: {exc.strerror or exc}")
    return analyse_bytes(path, data, options, mode, sliced)


def analyse_bytes(
    path: str, data: bytes, options: MigrationOptions, mode: str, sliced: bool = True
) -> FileResult:
    """The result for ``data``, the bytes read from ``path``; it keeps them, and the new bytes."""
    options = for_path(options, path)  # this file's credential (notebook, overrides)
    try:
        # A slice is the default: only a retry passes ``sliced``.
        if sliced:
            result = migrate_source(data, options, path)
        else:
            result = migrate_source(data, options, path, sliced=False)
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - any failure is this file's alone
        message, line = describe_failure(exc, data)
        failed = FileResult(path, FAILED, error=message, error_line=line, data=data)
        return replace(failed, flagged_lines=flagged_lines(failed), data=None)
    partial = result.facts is not None and result.facts.partial
    if result.new == data:
        unchanged = FileResult(
            path,
            UNCHANGED,
            result.clients,
            result.notices,
            parsed=result.parsed,
            facts=result.facts,
            data=data,
        )
        # Only a retry whole needs the bytes later; the report needs the flagged lines.
        return replace(
            unchanged, flagged_lines=flagged_lines(unchanged), data=data if partial else None
        )
    diff = None
    if mode == MODE_DIFF:
        diff = mask_secrets(unified_diff(path, data, result.new, _detect(data)), result.secrets)
    return FileResult(
        path,
        CHANGED,
        result.clients,
        result.notices,
        diff=diff,
        parsed=True,
        facts=result.facts,
        secrets=result.secrets,
        data=data,
        new=result.new,
        credential=credential_written(result.clients, options),
    )


def retry_whole(result: FileResult, options: MigrationOptions, mode: str) -> FileResult:
    """``result`` again from the bytes it kept, the whole module through LibCST: for a module
    whose slice left out code the run needs the facts of (another module passes it a client)."""
    if result.data is None:
        return result
    again = analyse_bytes(result.path, result.data, options, mode, sliced=False)
    return again if again.status != FAILED else result


def write_result(result: FileResult, mode: str) -> FileResult:
    """The write phase for one file: a changed file is written (atomically, and only if it
    still holds the bytes the analysis read) when the run writes; the bytes are let go."""
    if result.data is None and result.new is None:
        return result
    result = replace(result, flagged_lines=flagged_lines(result))
    written = False
    if result.status == CHANGED and result.new is not None and mode == MODE_WRITE:
        from migrator.fsio import atomic_write

        try:
            atomic_write(Path(result.path), result.new, expected=result.data)
        except Exception as exc:  # noqa: BLE001
            return replace(
                result,
                status=FAILED,
                error=f"cannot write: {exc}",
                diff=None,
                parsed=False,
                secrets=(),
                data=None,
                new=None,
            )
        written = True
    return replace(result, written=written, data=None, new=None)
