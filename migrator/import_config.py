"""The import settings of the project a file belongs to, read as ruff and isort read them.

From the file's directory upwards (stopping at the repository root), the first directory with
import settings decides: ``ruff.toml`` / ``.ruff.toml`` (``[lint.isort]``, ``[isort]``),
``pyproject.toml`` (``[tool.ruff.lint.isort]``, ``[tool.ruff.isort]``, ``[tool.isort]``),
``.isort.cfg`` (``[settings]``), ``setup.cfg`` (``[isort]``, ``[tool:isort]``). Its directory is the
project root. First-party modules are ``known-first-party`` and the modules and packages in the
project root (and ``src``), as ruff finds them, and those next to the file itself (a script run
from its directory imports them as its own).
"""

from __future__ import annotations

import configparser
import os
from functools import lru_cache
from typing import Any

from codemods.import_style import ImportStyle

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

RUFF_LINE_LENGTH = 88
ISORT_LINE_LENGTH = 79


def style_for(path: str | None) -> ImportStyle:
    """The import style for the file at ``path`` (no file: ruff's defaults)."""
    if not path or not (os.path.isabs(path) or os.path.lexists(path.split(".ipynb:")[0])):
        return ImportStyle()  # no file, or a made-up relative name: no project to read
    directory = os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(directory) and os.path.dirname(directory) != directory:
        directory = os.path.dirname(directory)  # ``notebook.ipynb:app.py`` and the like
    try:
        return _style_for_directory(directory)
    except (OSError, ValueError, TypeError, AttributeError):
        return ImportStyle()  # settings that cannot be read: ruff's defaults


@lru_cache(maxsize=256)
def _style_for_directory(directory: str) -> ImportStyle:
    settings: dict[str, Any] = {}
    root = directory
    current = directory
    while True:
        found = _settings_in(current)
        if found is not None:
            settings, root = found, current
            break
        parent = os.path.dirname(current)
        if os.path.lexists(os.path.join(current, ".git")) or parent == current:
            root = current if os.path.lexists(os.path.join(current, ".git")) else directory
            break
        current = parent
    sources = [os.path.join(root, s) for s in _strings(settings.get("src")) or [".", "src"]]
    local = _modules_in([*sources, directory])
    return ImportStyle(
        known_first_party=tuple(_strings(settings.get("known-first-party"))),
        known_third_party=tuple(_strings(settings.get("known-third-party"))),
        local_modules=frozenset(local),
        force_single_line=_flag(settings.get("force-single-line")),
        force_sort_within_sections=_flag(settings.get("force-sort-within-sections")),
        line_length=_int(settings.get("line-length"), RUFF_LINE_LENGTH),
    )


def _settings_in(directory: str) -> dict[str, Any] | None:
    """The import settings a directory's configuration files hold (keys spelled as ruff's)."""
    for name in ("ruff.toml", ".ruff.toml"):
        document = _toml(os.path.join(directory, name))
        if document is not None:
            lint = document.get("lint") if isinstance(document.get("lint"), dict) else {}
            table = _table(lint.get("isort")) or _table(document.get("isort"))
            return _ruff(document, table)
    document = _toml(os.path.join(directory, "pyproject.toml"))
    tool = document.get("tool") if document is not None else None
    if isinstance(tool, dict):
        ruff = tool.get("ruff")
        if isinstance(ruff, dict):
            lint = ruff.get("lint") if isinstance(ruff.get("lint"), dict) else {}
            table = _table(lint.get("isort")) or _table(ruff.get("isort"))
            return _ruff(ruff, table)
        if isinstance(tool.get("isort"), dict):
            return _isort(tool["isort"])
    for name, sections in ((".isort.cfg", ("settings",)), ("setup.cfg", ("isort", "tool:isort"))):
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            continue
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError, OSError):
            continue
        for section in sections:
            if parser.has_section(section):
                return _isort(dict(parser.items(section)))
    return None


def _ruff(document: dict[str, Any], isort: dict[str, Any]) -> dict[str, Any]:
    settings = {k.replace("_", "-"): v for k, v in isort.items()}
    settings["line-length"] = document.get("line-length", RUFF_LINE_LENGTH)
    if "src" in document:
        settings["src"] = document["src"]
    return settings


def _isort(table: dict[str, Any]) -> dict[str, Any]:
    settings = {k.replace("_", "-"): v for k, v in table.items()}
    profile = settings.get("profile")
    if profile == "black":
        settings.setdefault("line-length", RUFF_LINE_LENGTH)
    elif profile == "google":
        settings.setdefault("force-single-line", True)
        settings.setdefault("force-sort-within-sections", True)
    settings.setdefault("line-length", ISORT_LINE_LENGTH)
    settings["src"] = _strings(settings.pop("src-paths", None)) or None
    return settings


def _toml(path: str) -> dict[str, Any] | None:
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as handle:
            return tomllib.loads(handle.read().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [s.strip() for s in value.replace("\n", ",").split(",") if s.strip()]
    if isinstance(value, list):
        return [s for s in value if isinstance(s, str)]
    return []


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value is True


def _int(value: object, default: int) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


# Module names per directory the run's discovery walk already listed (``remember``): the walk
# lists each directory once, and worker processes (forked after the walk) inherit what it saw.
_listed: dict[str, frozenset[str]] = {}


def remember(directory: str, entries: list[os.DirEntry[str]]) -> None:
    """Keep the module names of a directory the discovery walk listed."""
    _listed[os.path.abspath(directory)] = _names_of(entries)


def _modules_in(directories: list[str]) -> set[str]:
    """Top-level modules and packages in ``directories``."""
    names: set[str] = set()
    for directory in dict.fromkeys(os.path.abspath(d) for d in directories):
        known = _listed.get(directory)
        if known is None:
            try:
                with os.scandir(directory) as listed:
                    known = _names_of(list(listed))
            except OSError:
                continue
        names |= known
    return names


def _names_of(entries: list[os.DirEntry[str]]) -> frozenset[str]:
    names: set[str] = set()
    for entry in entries:
        name = entry.name
        try:  # a symbolic link may point nowhere, or at itself
            if name.endswith((".py", ".pyi")) and entry.is_file():
                names.add(name.rsplit(".", 1)[0])
            elif name.isidentifier() and not name.startswith(".") and entry.is_dir():
                names.add(name)
        except OSError:
            continue
    return frozenset(names)
