"""IPython syntax in a code cell (magics, shell escapes, help): masked with placeholder
statements, one line for one line, and put back after the migration."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Cell magics whose body is Python run in the notebook's own namespace.
PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
# Cell magics that write their body to a file.
WRITEFILE_MAGICS = frozenset({"writefile", "file"})

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_NEWLINE = re.compile(r"(\r\n|\r|\n)\Z")
_CELL_MAGIC = re.compile(r"%%(\w+)")
_ASSIGN_MAGIC = re.compile(r"[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!]")
_HELP_AFTER = re.compile(r"%{0,2}[A-Za-z_*][\w*]*(\.[A-Za-z_*][\w*]*|\[\d+\])*\s*\?{1,2}")
_HELP_BEFORE = re.compile(r"\?{1,2}\s*%{0,2}[A-Za-z_*][\w*]*(\.[A-Za-z_*][\w*]*)*")


def _lines(text: str) -> list[str]:
    """Lines with their endings, split the way Python's tokenizer splits them."""
    return _LINE.findall(text)


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
