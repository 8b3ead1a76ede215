"""Declared packages that need the openai 0.x API: with one, a module's 0.x code stays as it is.

The rewrite to the 1.x client (``codemods.openai_v0``) comes with openai 1.x in the project's
dependency files (``migrator.dependencies``). A package pinned to a release that still calls
the 0.x API would break with it, so the project's own dependency files (those of the nearest
directory above the module that has any) are read first. The table holds the releases taken
as the first to call the 1.x API (langchain 0.0.331 and llama-index 0.9.0, both of November
2023, when openai 1.0 came out); a package not in it is not checked.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

# Normalized name -> the first release that works with openai 1.x.
NEEDS_0X_BEFORE = {"langchain": "0.0.331", "llama-index": "0.9.0"}
_FILES = ("requirements*.txt", "requirements*.in", "pyproject.toml", "setup.cfg", "environment.yml")
_ENTRY = re.compile(
    r"""^[\s"'-]*(?P<name>langchain|llama[-_.]index)\s*(?:\[[^\]]*\])?\s*"""
    r"""(?P<spec>(?:[<>=!~]=?|===)\s*[\w.*]+(?:\s*,\s*(?:[<>=!~]=?)\s*[\w.*]+)*)""",
    re.IGNORECASE | re.MULTILINE,
)


def blocking_pins(filename: str | None) -> list[str]:
    """``file:line: entry (why)`` for each declared pin that needs the openai 0.x API."""
    if not filename:
        return []
    return list(_blocking(Path(filename).resolve().parent))


@lru_cache(maxsize=64)
def _blocking(directory: Path) -> tuple[str, ...]:
    for folder in (directory, *directory.parents):
        files = sorted({p for pattern in _FILES for p in folder.glob(pattern) if p.is_file()})
        if files:
            return tuple(found for f in files for found in _pins(f))
        if (folder / ".git").exists():
            break
    return ()


def _pins(path: Path) -> list[str]:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = []
    for match in _ENTRY.finditer(text):
        name = re.sub(r"[-_.]+", "-", match["name"].lower())
        first = NEEDS_0X_BEFORE[name]
        try:
            spec = SpecifierSet(match["spec"].replace(" ", ""))
        except InvalidSpecifier:
            continue
        if not spec.contains(first, prereleases=True):
            line = text.count("\n", 0, match.start("name")) + 1
            found.append(
                f"{path.name}:{line}: {match['name']}{match['spec']} calls the openai 0.x API "
                f"({name} before {first})"
            )
    return found
