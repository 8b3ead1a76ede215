"""Which files a run looks at.

Walking a directory skips:

* what git would ignore: every ``.gitignore`` from the repository root down, the repository's
  ``info/exclude`` and the user's global excludes file (``core.excludesFile``, by default
  ``$XDG_CONFIG_HOME/git/ignore``), with git's precedence (a deeper file wins, the last matching
  line of a file wins, ``!`` re-includes). The rules are read from the files themselves: no ``git``
  process, and the same rules apply to a tree that is not a git repository;
* version-control directories and virtual environments (any directory with a ``pyvenv.cfg``, or a
  conda environment's ``conda-meta``), always;
* the ``exclude`` globs (by default the usual build, cache and dependency directories), replaced by
  ``--exclude`` and extended by ``--extend-exclude``, as ruff does;
* files that match no ``include`` glob (by default ``*.py`` and ``*.ipynb``).

A path named on the command line is always taken, unless ``force_exclude`` is set: then the exclude
globs apply to it and its parent directories too (what pre-commit, which names every file, needs).

Symbolic links met while walking are not followed, neither to directories nor to files: a link
cannot lead the walk out of the given tree or round a loop, and a file is never rewritten through
a link (the file it points to is found on its own when it is part of the tree).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pathspec

ALWAYS_SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", ".jj", ".sl"})
VENV_MARKERS = ("pyvenv.cfg", "conda-meta")
DEFAULT_EXCLUDE = (
    ".direnv",
    ".eggs",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".venv",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)
DEFAULT_INCLUDE = ("*.py", "*.ipynb")

# How far into a file a "generated" marker is looked for.
GENERATED_MARKERS = (b"@generated", b"DO NOT EDIT")
GENERATED_HEAD_LINES = 10
GENERATED_HEAD_BYTES = 4096


class DiscoveryError(Exception):
    pass


@dataclass(frozen=True)
class FileSelection:
    """Which files a walk yields.

    Glob patterns follow ruff: a pattern without ``/`` matches a file or directory name anywhere
    (``build``, ``*_pb2.py``); a pattern with ``/`` matches a whole path and is anchored where it
    was written (the current directory for the command line, the directory of ``pyproject.toml`` for
    the configuration): ``absolute_pattern`` turns it into an absolute one. ``*`` also matches
    ``/``; ``**/`` matches any number of directories.
    """

    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = DEFAULT_INCLUDE
    force_exclude: bool = False
    respect_gitignore: bool = True
    include_generated: bool = False
    include_tests: bool = False  # test code is found, migrated only when set (migrator.testcode)


def absolute_pattern(pattern: str, base: str) -> str:
    """Anchor a pattern that names a path (it has a ``/``) at ``base``; leave a name pattern
    alone."""
    pattern = pattern.strip()
    if pattern.endswith("/") and len(pattern) > 1:
        pattern = pattern.rstrip("/")
    if "/" not in pattern:
        return pattern
    if pattern.startswith("~"):
        pattern = os.path.expanduser(pattern)
    if not os.path.isabs(pattern):
        pattern = os.path.join(os.path.abspath(base), pattern)
    return _normalize_glob(pattern)


def _normalize_glob(pattern: str) -> str:
    # normpath would fold "a/**/../b"; only tidy "./" and "//" so globs keep their meaning.
    parts = [p for i, p in enumerate(pattern.split("/")) if p not in (".",) and (p or i == 0)]
    return "/".join(parts) or "/"


class Globs:
    """A compiled set of ruff-style globs."""

    def __init__(self, patterns: Iterable[str]) -> None:
        names: list[str] = []
        paths: list[str] = []
        for p in patterns:
            (paths if "/" in p else names).append(p)
        self._names = _compile_any(names)
        self._paths = _compile_any(paths)

    def match(self, abspath: str, name: str) -> bool:
        return bool(
            (self._names is not None and self._names.fullmatch(name))
            or (self._paths is not None and self._paths.fullmatch(abspath))
        )


def _compile_any(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{glob_to_regex(p)})" for p in patterns), re.DOTALL)


def glob_to_regex(pattern: str) -> str:
    """Translate one glob (``*``, ``?``, ``[...]``, ``{a,b}``, ``**``) to a regular expression."""
    out: list[str] = []
    i, n, depth = 0, len(pattern), 0
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == n:
            out.append("(?:/.*)?")
            i += 3
        elif c == "*":
            while i < n and pattern[i] == "*":
                i += 1
            out.append(".*")
        elif c == "?":
            out.append(".")
            i += 1
        elif c == "[":
            j = i + 1
            if j < n and pattern[j] in "!^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                out.append(re.escape(c))
                i += 1
                continue
            body = pattern[i + 1 : j]
            if body[:1] in ("!", "^"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = j + 1
        elif c == "{":
            depth += 1
            out.append("(?:")
            i += 1
        elif c == "}" and depth:
            depth -= 1
            out.append(")")
            i += 1
        elif c == "," and depth:
            out.append("|")
            i += 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    out.append(")" * depth)
    return "".join(out)


# -- gitignore ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layer:
    base: str  # absolute directory the patterns are relative to, with a trailing "/"
    spec: pathspec.PathSpec


class _Ignores:
    """The gitignore layers in force in one directory, lowest precedence first."""

    __slots__ = ("layers",)

    def __init__(self, layers: tuple[_Layer, ...]) -> None:
        self.layers = layers

    def ignored(self, abspath: str, is_dir: bool) -> bool:
        for layer in reversed(self.layers):
            if not abspath.startswith(layer.base):
                continue
            rel = abspath[len(layer.base) :]
            if is_dir:
                rel += "/"
            result = layer.spec.check_file(rel).include
            if result is not None:
                return result
        return False

    def entering(self, directory: str) -> _Ignores:
        """The layers in force inside ``directory`` (a nested repository starts afresh)."""
        if _is_repo_root(directory):
            return _Ignores(_repo_layers(directory))
        layer = _gitignore_layer(directory)
        return self if layer is None else _Ignores(self.layers + (layer,))


def _is_repo_root(directory: str) -> bool:
    return os.path.lexists(os.path.join(directory, ".git"))


def find_repo_root(start: str) -> str | None:
    """The nearest directory at or above ``start`` that holds ``.git``."""
    current = os.path.abspath(start)
    while True:
        if _is_repo_root(current):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _read_lines(path: str) -> list[str] | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    return data.decode("utf-8", errors="surrogateescape").splitlines()


def _layer(base: str, path: str) -> _Layer | None:
    lines = _read_lines(path)
    if not lines:
        return None
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    if not len(spec):
        return None
    return _Layer(base.rstrip("/") + "/", spec)


def _gitignore_layer(directory: str) -> _Layer | None:
    return _layer(directory, os.path.join(directory, ".gitignore"))


def _repo_layers(root: str) -> tuple[_Layer, ...]:
    """Global excludes, then ``info/exclude``, then the root ``.gitignore`` of the repository at
    ``root``."""
    git_dir = _git_common_dir(root)
    layers: list[_Layer | None] = []
    excludes = global_excludes_file(git_dir)
    if excludes:
        layers.append(_layer(root, excludes))
    if git_dir:
        layers.append(_layer(root, os.path.join(git_dir, "info", "exclude")))
    layers.append(_gitignore_layer(root))
    return tuple(layer for layer in layers if layer is not None)


def _no_repo_layers(top: str) -> tuple[_Layer, ...]:
    excludes = global_excludes_file(None)
    layer = _layer(top, excludes) if excludes else None
    return (layer,) if layer else ()


def _git_common_dir(root: str) -> str | None:
    """The directory holding ``info/exclude`` and ``config``: ``.git``, or for a worktree or
    submodule (``.git`` is a file saying ``gitdir: ...``) the repository it points to."""
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    lines = _read_lines(dot_git) or []
    for line in lines:
        if line.startswith("gitdir:"):
            git_dir = line[len("gitdir:") :].strip()
            git_dir = os.path.normpath(os.path.join(root, git_dir))
            common = _read_lines(os.path.join(git_dir, "commondir"))
            if common:
                git_dir = os.path.normpath(os.path.join(git_dir, common[0].strip()))
            return git_dir if os.path.isdir(git_dir) else None
    return None


def _xdg_config_home() -> str:
    return os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")


def global_excludes_file(git_dir: str | None) -> str | None:
    """The file git reads as the user's global excludes: ``core.excludesFile`` from the system,
    global and repository configuration (the last one set wins), else
    ``$XDG_CONFIG_HOME/git/ignore``."""
    configs: list[str] = []
    if not os.environ.get("GIT_CONFIG_NOSYSTEM"):
        configs.append(os.environ.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig")
    if os.environ.get("GIT_CONFIG_GLOBAL"):
        configs.append(os.environ["GIT_CONFIG_GLOBAL"])
    else:
        configs.append(os.path.join(_xdg_config_home(), "git", "config"))
        configs.append(os.path.join(os.path.expanduser("~"), ".gitconfig"))
    if git_dir:
        configs.append(os.path.join(git_dir, "config"))
    value: str | None = None
    for config in configs:
        found = _config_value(config, "core", "excludesfile", depth=0)
        if found is not None:
            value = found
    if value is None:
        return os.path.join(_xdg_config_home(), "git", "ignore")
    if not value:
        return None  # explicitly set to nothing
    return os.path.expanduser(value)


_SECTION = re.compile(r'\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]\s*(.*)$')


def _config_value(path: str, section: str, key: str, depth: int) -> str | None:
    """The last value of ``section.key`` in one git config file, following ``[include] path``."""
    lines = _read_lines(path)
    if lines is None or depth > 5:
        return None
    current = ""
    value: str | None = None
    for raw in lines:
        match = _SECTION.match(raw)
        if match:
            current = match.group(1).lower() + (
                f".{match.group(2)}" if match.group(2) is not None else ""
            )
            raw = match.group(3)
            if not raw.strip():
                continue
        name, sep, rest = raw.partition("=")
        name = name.strip().lower()
        if not name or name.startswith(("#", ";")):
            continue
        parsed = _config_string(rest) if sep else "true"
        if current == section and name == key:
            value = parsed
        elif current == "include" and name == "path" and parsed:
            included = os.path.expanduser(parsed)
            if not os.path.isabs(included):
                included = os.path.join(os.path.dirname(path), included)
            found = _config_value(included, section, key, depth + 1)
            if found is not None:
                value = found
    return value


def _config_string(text: str) -> str:
    """A git config value: quotes removed, escapes resolved, a trailing comment dropped."""
    out: list[str] = []
    quoted = False
    i = 0
    text = text.strip()
    while i < len(text):
        c = text[i]
        if c == '"':
            quoted = not quoted
        elif c == "\\" and i + 1 < len(text):
            i += 1
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(text[i], text[i]))
        elif c in "#;" and not quoted:
            break
        else:
            out.append(c)
        i += 1
    return "".join(out).strip()


def _ignores_for(directory: str) -> _Ignores:
    """The gitignore layers in force in ``directory``: from its repository root down to it."""
    root = find_repo_root(directory)
    if root is None:  # not a repository: the global excludes and the walked tree's own files
        return _Ignores(_no_repo_layers(directory)).entering(directory)
    ignores = _Ignores(_repo_layers(root))
    rel = os.path.relpath(directory, root)
    if rel != ".":
        current = root
        for part in rel.split(os.sep):
            current = os.path.join(current, part)
            ignores = ignores.entering(current)
    return ignores


# -- the walk -------------------------------------------------------------------------------------


def is_virtualenv(directory: str) -> bool:
    return any(os.path.exists(os.path.join(directory, marker)) for marker in VENV_MARKERS)


# Told of each directory a walk lists, with its entries: the key-configuration scan of the run's
# project files (``migrator.keyconfig.Listing.saw``) goes on from them instead of listing again.
OnListing = Callable[[str, list[os.DirEntry[str]]], None]


class _Walker:
    def __init__(self, selection: FileSelection, on_listing: OnListing | None = None) -> None:
        self.selection = selection
        self.on_listing = on_listing
        self.exclude = Globs(selection.exclude + selection.extend_exclude)
        self.include = Globs(selection.include)

    def walk(self, top: str) -> Iterator[str]:
        """Files under the directory ``top``, sorted, depth first. ``top`` itself is not judged."""
        top_abs = os.path.abspath(top)
        ignores = _ignores_for(top_abs) if self.selection.respect_gitignore else None
        stack: list[tuple[str, str, _Ignores | None]] = [(top, top_abs, ignores)]
        while stack:
            shown, absolute, ignores = stack.pop()
            try:
                with os.scandir(absolute) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                continue
            if self.on_listing is not None:
                self.on_listing(absolute, entries)
            subdirs: list[tuple[str, str, _Ignores | None]] = []
            for entry in entries:
                name = entry.name
                entry_abs = os.path.join(absolute, name)
                try:
                    if entry.is_symlink():
                        continue
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    if name in ALWAYS_SKIP_DIRS or self.exclude.match(entry_abs, name):
                        continue
                    if ignores is not None and ignores.ignored(entry_abs, True):
                        continue
                    if is_virtualenv(entry_abs):
                        continue
                    inner = ignores.entering(entry_abs) if ignores is not None else None
                    subdirs.append((os.path.join(shown, name), entry_abs, inner))
                    continue
                if not self.include.match(entry_abs, name) or self.exclude.match(entry_abs, name):
                    continue
                if ignores is not None and ignores.ignored(entry_abs, False):
                    continue
                try:
                    if not stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
                        continue
                except OSError:
                    continue
                yield os.path.join(shown, name)
            stack.extend(reversed(subdirs))

    def excluded_explicitly(self, path: str) -> bool:
        """With ``force_exclude``: does an exclude glob (or a skipped directory) cover a named
        path?"""
        absolute = os.path.abspath(path)
        stop = _anchor(absolute)
        current = absolute
        first = True
        while True:
            name = os.path.basename(current)
            if self.exclude.match(current, name):
                return True
            if not first and (name in ALWAYS_SKIP_DIRS or is_virtualenv(current)):
                return True
            first = False
            parent = os.path.dirname(current)
            if current == stop or parent == current:
                return False
            current = parent


def _anchor(absolute: str) -> str:
    """How far up a named path's parents are judged: the current directory when the path is
    under it, else its repository root, else only the path itself."""
    cwd = os.getcwd()
    if absolute == cwd or absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return cwd
    return find_repo_root(os.path.dirname(absolute)) or absolute


def iter_files(
    paths: list[str], selection: FileSelection | None = None, on_listing: OnListing | None = None
) -> Iterator[str]:
    """Files to process under ``paths``, in a stable order, each once (by its real path);
    ``on_listing`` is told of each directory listed."""
    selection = selection or FileSelection()
    walker = _Walker(selection, on_listing)
    seen: set[str] = set()
    for raw in paths:
        if not os.path.lexists(raw):
            raise DiscoveryError(f"no such file or directory: {raw}")
        if not os.path.isdir(raw):
            if selection.force_exclude and walker.excluded_explicitly(raw):
                continue
            _refuse_special(raw)
            key = os.path.realpath(raw)
            if key not in seen:
                seen.add(key)
                yield raw
            continue
        if selection.force_exclude and walker.excluded_explicitly(raw):
            continue
        for path in walker.walk(raw):
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                yield path


_SPECIAL = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _refuse_special(path: str) -> None:
    """A named path that is no file and no directory: reading a pipe or a device would wait for a
    writer that may never come (or never end), so the run refuses it before reading anything."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # a dangling link or a loop: reported when the file cannot be read
    for test, what in _SPECIAL:
        if test(mode):
            raise DiscoveryError(f"not a regular file ({what}): {path}")


def generated_marker(data: bytes) -> str | None:
    """The marker that says a file is generated, if its first lines carry one; or why a file too
    large to parse looks generated (``generated_looking``)."""
    head = data[:GENERATED_HEAD_BYTES].split(b"\n", GENERATED_HEAD_LINES)[:GENERATED_HEAD_LINES]
    for number, line in enumerate(head, 1):
        for marker in GENERATED_MARKERS:
            if marker in line:
                return f"{marker.decode()} on line {number}"
    return generated_looking(data)


# A line of literal data, once its strings are taken out: brackets, commas, colons, numbers.
_STRING = re.compile(rb"""[rRbBuU]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')""")
_CONSTANT = re.compile(rb"\b(?:True|False|None)\b")
_DATA_LINE = re.compile(rb"[\s\[\]{}(),:0-9.eE+\-_]*")
GENERATED_DATA_SHARE = 0.9


def generated_looking(data: bytes) -> str | None:
    """Why a module too large to parse is taken for generated data, or None.

    Generated modules (a model's vocabulary, a schema dump, a catalogue as one big dict or list
    literal) can pass the size a parse takes and mention a client class or a key name in their
    data. Such a file is skipped, not failed, when at least 90% of its bytes are lines of literal
    data and its other lines (the code around the literal) build no client and name no key.
    Notebooks (JSON, where code is in strings) are never judged so.
    """
    from migrator import engine

    if len(data) <= engine.MAX_PARSE_BYTES or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return None
    if not engine.worth_parsing(data):
        return None  # settled without a parse anyway
    stripped = _CONSTANT.sub(b"", _STRING.sub(b"", data))
    allowed = (1 - GENERATED_DATA_SHARE) * len(stripped)  # bytes of code, at most
    literal, code, code_bytes = 0, [], 0
    for line in stripped.splitlines(keepends=True):
        if _DATA_LINE.fullmatch(line):
            literal += len(line)
            continue
        code.append(line)
        code_bytes += len(line)
        if code_bytes > allowed:
            return None
    rest = b"".join(code)
    if engine.might_need_migration(rest) or engine.mentions_key_name(rest):
        return None  # code outside the data could build a client: too large is a failure then
    share = literal / max(literal + len(rest), 1)
    return (
        f"{len(data) / 1_000_000:.1f} MB, {share:.0%} of it literal data and no client code: "
        "generated-looking, too large to parse"
    )
