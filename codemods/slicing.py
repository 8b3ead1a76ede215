"""Hand LibCST only the top-level statements a migration can touch or needs to read.

Most of a module that builds a client is ordinary code: functions and classes that never see a
client or a key. LibCST's parse and every pass over its tree cost time in proportion to the
whole module, so ``plan`` picks, from Python's own syntax tree (already built to check the file),
the top-level statements that matter:

* every top-level statement that imports something (the import block decides where new imports
  go, and the names imports bind are what the codemods resolve);
* the first statement (the file's header comments and encoding come with it) and ``__all__``;
* statements that name a client class, a token-provider helper or an environment variable of a
  key (the *seeds*);
* statements that read a name bound by a seed, or by an import of anything outside the standard
  library (a client, a factory, a wrapper library, a settings module), and, transitively,
  statements that read a name such statements bind: wherever a client can flow;
* statements that bind a name a kept statement reads (the helpers, constants and config dicts
  the migration looks at), transitively.

Every other run of top-level statements becomes one placeholder: a statement that spans exactly
the same lines (so every line number LibCST reports is the line of the file) and reads every
name the left-out code binds or reads, so that to the codemods those names are used, as they
are: a new name does not collide with one, an import the left-out code needs is not removed, a
config dict it reads is not rewritten. After the migration each placeholder is replaced by the
original bytes it stands for. ``Outside.words`` adds the attribute and keyword names of the
left-out code (``ainvoke`` anywhere makes a LangChain client async).
"""

from __future__ import annotations

import ast
import re
import secrets
import sys
from dataclasses import dataclass, field

from codemods import openai_v0, sdks
from codemods.key_names import mentions_key_name
from codemods.targets import TOKEN_PROVIDER_FUNCTIONS, TRIGGER_WORDS

# Identifiers that make a statement a seed: the client class names and the helpers that build
# token providers (an existing provider is reused, not duplicated).
SEED_NAMES = (
    frozenset(w.decode() for w in TRIGGER_WORDS)
    | {name.rsplit(".", 1)[-1] for name in TOKEN_PROVIDER_FUNCTIONS}
    | sdks.SEED_NAMES
)
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
_NEWLINE = re.compile(rb"\r\n|\r|\n")

# Below this share of lines left out, slicing costs more than it saves.
MIN_LEFT_OUT = 0.10


@dataclass(frozen=True)
class Slice:
    source: bytes  # the module with each left-out run replaced by a placeholder of the same lines
    gaps: tuple[tuple[bytes, bytes], ...]  # (placeholder, original bytes), in order
    words: frozenset[str]  # identifiers, attribute and keyword names of the left-out code
    kept_lines: int
    total_lines: int


@dataclass
class _Chunk:
    first: int  # 1-based first line (comments and blank lines before the statement belong to it)
    last: int
    start: int  # the statement's own first line (its first decorator's)
    stmts: list[ast.stmt]
    binds: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)
    imports: bool = False
    hot_import: bool = False  # imports something outside the standard library
    seed: bool = False


def plan(data: bytes, tree: ast.Module) -> Slice | None:
    """The slice of ``data`` to migrate, or None when the whole module should go through."""
    if len(tree.body) < 2 or openai_v0.MARKERS.search(data):
        return None  # openai 0.x code is rewritten as a whole module (codemods.openai_v0)
    starts = [0] + [m.end() for m in _NEWLINE.finditer(data)]
    chunks = _chunks(tree)
    if chunks[-1].last > len(starts):
        return None
    for chunk in chunks:
        _describe(chunk)
    keep = _select(chunks)
    kept_lines = sum(c.last - c.first + 1 for i, c in enumerate(chunks) if i in keep)
    total = chunks[-1].last
    if total - kept_lines < MIN_LEFT_OUT * total:
        return None

    token = secrets.token_hex(6)
    parts: list[bytes] = []
    gaps: list[tuple[bytes, bytes]] = []
    all_words: set[str] = set()
    i = 0

    def line_span(first: int, last: int) -> bytes:
        end = starts[last] if last < len(starts) else len(data)
        return data[starts[first - 1] : end]

    while i < len(chunks):
        if i in keep:
            parts.append(line_span(chunks[i].first, chunks[i].last))
            i += 1
            continue
        j = i
        while j + 1 < len(chunks) and j + 1 not in keep:
            j += 1
        # Blank lines and comments before the run stay outside it: they are the layout LibCST's
        # import and setup insertion look at, as they would in the whole module.
        start = chunks[i].start
        if start > chunks[i].first:
            parts.append(line_span(chunks[i].first, start - 1))
        original = line_span(start, chunks[j].last)
        run = [stmt for chunk in chunks[i : j + 1] for stmt in chunk.stmts]
        names, words = _identifiers(run)
        placeholder = _placeholder(original, f"aoai-migrate gap {token} {len(gaps)}", names)
        if placeholder is None:
            return None
        gaps.append((placeholder, original))
        parts.append(placeholder)
        all_words |= words
        i = j + 1
    last = chunks[-1].last
    parts.append(
        data[starts[last] :] if last < len(starts) else b""
    )  # comments after the last statement
    return Slice(b"".join(parts), tuple(gaps), frozenset(all_words), kept_lines, total)


def splice(new: bytes, piece: Slice) -> bytes | None:
    """The migrated slice with the left-out code put back; None if a placeholder did not survive."""
    out: list[bytes] = []
    at = 0
    for placeholder, original in piece.gaps:
        found = new.find(placeholder, at)
        if found < 0 or (found > 0 and new[found - 1 : found] not in (b"\n", b"\r")):
            return None
        out.append(new[at:found])
        out.append(original)
        at = found + len(placeholder)
    out.append(new[at:])
    return b"".join(out)


def _placeholder(original: bytes, label: str, names: set[str]) -> bytes | None:
    newlines = _NEWLINE.findall(original)
    if not newlines:
        return None  # a statement without a line end: only at the very end of a file, kept whole
    ends_with_newline = original.endswith((b"\n", b"\r"))
    inner = newlines[0]
    count = len(newlines) if ends_with_newline else len(newlines) + 1
    reads = "".join(f", {name}" for name in sorted(names))
    body = f'("""{label}'.encode() + inner * (count - 1) + f'"""{reads})'.encode()
    return body + (newlines[-1] if ends_with_newline else b"")


def _chunks(tree: ast.Module) -> list[_Chunk]:
    chunks: list[_Chunk] = []
    for stmt in tree.body:
        end = stmt.end_lineno or stmt.lineno
        if chunks and stmt.lineno <= chunks[-1].last:  # ``a = 1; b = 2``: one line, one chunk
            chunks[-1].stmts.append(stmt)
            chunks[-1].last = max(chunks[-1].last, end)
            continue
        first = chunks[-1].last + 1 if chunks else 1
        decorators = getattr(stmt, "decorator_list", None) or []
        start = min([stmt.lineno, *(d.lineno for d in decorators)])
        chunks.append(_Chunk(first, end, start, [stmt]))
    return chunks


def _describe(chunk: _Chunk) -> None:
    for stmt in chunk.stmts:
        _bindings(stmt, chunk)
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name):
                chunk.reads.add(node.id)
                if node.id in SEED_NAMES:
                    chunk.seed = True
            elif isinstance(node, ast.Attribute):
                if node.attr in SEED_NAMES:
                    chunk.seed = True
            elif isinstance(node, ast.keyword):
                if node.arg in SEED_NAMES:
                    chunk.seed = True
            elif isinstance(node, ast.alias):
                if node.name.rsplit(".", 1)[-1] in SEED_NAMES:
                    chunk.seed = True
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if mentions_key_name(text.encode("utf-8", "surrogatepass")):
                    chunk.seed = True
                elif text in SEED_NAMES:  # getattr(module, "AzureOpenAI"), a config entry
                    chunk.seed = True


def _bindings(node: ast.AST, chunk: _Chunk) -> None:
    """Names ``node`` binds at module level (not inside functions or classes)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        chunk.binds.add(node.name)
        for inner in ast.walk(node):
            if isinstance(inner, ast.Global):
                chunk.binds.update(inner.names)
        for decorator in node.decorator_list:
            _bindings(decorator, chunk)
        return
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        chunk.imports = True
        for alias in node.names:
            if alias.name == "*":
                chunk.hot_import = True
                continue
            chunk.binds.add(alias.asname or alias.name.split(".")[0])
            if isinstance(node, ast.ImportFrom):
                root = (node.module or "").split(".")[0]
                outside_stdlib = node.level > 0 or root not in _STDLIB
            else:
                outside_stdlib = alias.name.split(".")[0] not in _STDLIB
            chunk.hot_import = chunk.hot_import or outside_stdlib
        return
    if isinstance(node, ast.Lambda):
        return
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        chunk.binds.add(node.id)
    elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        chunk.binds.add(node.name)
    elif isinstance(node, ast.MatchMapping) and node.rest:
        chunk.binds.add(node.rest)
    for child in ast.iter_child_nodes(node):
        _bindings(child, chunk)


def _select(chunks: list[_Chunk]) -> set[int]:
    # ``__all__`` tells the key cleanup which module-level names are exported.
    keep = {0} | {i for i, c in enumerate(chunks) if c.seed or c.imports or "__all__" in c.binds}
    # Where a client can flow: readers of what seeds and non-standard imports bind, transitively.
    hot: set[str] = set()
    for c in chunks:
        if c.seed or c.hot_import:
            hot |= c.binds
    grew = True
    while grew:
        grew = False
        for i, c in enumerate(chunks):
            if i not in keep and c.reads & hot:
                keep.add(i)
                hot |= c.binds
                grew = True
    # What kept statements read: helpers, constants, config dicts, transitively.
    binders: dict[str, list[int]] = {}
    for i, c in enumerate(chunks):
        for name in c.binds:
            binders.setdefault(name, []).append(i)
    stack = list(keep)
    while stack:
        for name in chunks[stack.pop()].reads:
            for j in binders.get(name, ()):
                if j not in keep:
                    keep.add(j)
                    stack.append(j)
    return keep


def _identifiers(stmts: list[ast.stmt]) -> tuple[set[str], set[str]]:
    """(names bound or read, every identifier including attribute and keyword names)."""
    names: set[str] = set()
    words: set[str] = set()

    def name(value: str | None) -> None:
        if value:
            names.add(value)

    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name):
                name(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name(node.name)
            elif isinstance(node, ast.arg):
                name(node.arg)
            elif isinstance(node, ast.alias):
                for part in node.name.split("."):
                    name(part)
                name(node.asname)
            elif isinstance(node, ast.ImportFrom) and node.module:
                for part in node.module.split("."):
                    name(part)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                for value in node.names:
                    name(value)
            elif isinstance(node, (ast.MatchAs, ast.MatchStar)):
                name(node.name)
            elif isinstance(node, ast.MatchMapping):
                name(node.rest)
            elif isinstance(node, ast.Attribute):
                words.add(node.attr)
            elif isinstance(node, ast.keyword) and node.arg:
                words.add(node.arg)
            elif isinstance(node, ast.MatchClass):
                words.update(node.kwd_attrs)
    names.discard("__debug__")
    return names, words | names
