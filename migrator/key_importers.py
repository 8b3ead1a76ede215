"""Module-level key variables the clean-up removed, checked against the run's other modules.

The key clean-up (``codemods.key_cleanup``) sees one module: a module-level ``API_KEY = ...``
that nothing in it reads may still be imported by another module (``from settings import
API_KEY``, ``settings.API_KEY``). Before anything is written, each such removal is looked for in
every other file of the run (a byte search: an import naming the variable through a module of
that name, or an attribute of that module spelled like it), and a module whose variable is
imported is analysed again with the variable kept (``MigrationOptions.kept_names``); the report
then says where it is imported. A file the run was given on its own (not found under a
directory of the run) cannot have its importers searched: its variables are kept too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from codemods.options import MigrationOptions
from migrator.engine import CHANGED, FileResult, analyse_bytes
from migrator.linking import module_names

RULE_REMOVED = "key-variable-removed"


def removed_globals(result: FileResult) -> list[str]:
    return [n.subject for n in result.notices if n.rule == RULE_REMOVED and n.subject]


def keep_imported_keys(
    results: list[FileResult],
    every_path: Sequence[str],
    roots: Sequence[str],
    options: MigrationOptions,
    mode: str,
) -> list[FileResult]:
    """``results``, with each module whose removed key variables another file imports
    analysed again, those kept."""
    wanted = [
        i
        for i, r in enumerate(results)
        if r.status == CHANGED and r.data is not None and removed_globals(r)
    ]
    if not wanted:
        return results
    cache: dict[str, bytes] = {}
    out = list(results)
    for i in wanted:
        result = results[i]
        kept: list[tuple[str, str]] = []
        alone = not _under_a_directory(result.path, roots)
        words = {name.rsplit(".", 1)[-1] for name in module_names(result.path, roots)}
        for name in removed_globals(result):
            if alone:
                kept.append(
                    (
                        name,
                        "the run was given this file without its directory, so the modules that "
                        "may import it were not searched",
                    )
                )
                continue
            found = importers(name, words, result.path, every_path, cache)
            if found:
                kept.append((name, "it is imported by " + ", ".join(found)))
        if kept:
            again = analyse_bytes(
                result.path, result.data, replace(options, kept_names=tuple(kept)), mode
            )
            out[i] = again
    return out


def importers(
    name: str,
    words: set[str],
    own: str,
    every_path: Sequence[str],
    cache: dict[str, bytes],
) -> list[str]:
    """``path:line`` of each place another file imports ``name`` from a module named one of
    ``words`` (the last part of the module's names)."""
    if not words:
        return []
    module = rb"(?:%s)" % b"|".join(re.escape(w.encode()) for w in sorted(words))
    n = re.escape(name.encode())
    patterns = [
        # from settings import API_KEY / from .settings import (X, API_KEY) / import *
        rb"\bfrom[ \t]+[.\w]*?\b%s[ \t]+import[ \t]*(?:\([^)]*?\b%s\b|[^\n]*?(?:\b%s\b|\*))"
        % (module, n, n),
        # settings.API_KEY, getattr(settings, "API_KEY")
        rb"\b%s\.%s\b" % (module, n),
        rb"getattr\([ \t]*%s[ \t]*,[ \t]*[\"']%s[\"']" % (module, n),
    ]
    # A statement that imports the module, or imports from a package a module of that name.
    imported = (
        rb"\b(?:import[ \t]+[^\n]*?\b%(m)s\b|from[ \t]+[.\w]*?\b%(m)s\b"
        rb"|from[ \t]+[.\w]+[ \t]+import\b[^\n]*?\b%(m)s\b)"
    )
    found: list[str] = []
    own_real = os.path.realpath(own)
    for path in every_path:
        if os.path.realpath(path) == own_real:
            continue
        data = cache.get(path)
        if data is None:
            try:
                data = Path(path).read_bytes()
            except OSError:
                continue
            cache[path] = data
        if name.encode() not in data:
            # Only a star import can name it without spelling it.
            star = re.search(rb"\bfrom[ \t]+[.\w]*?\b%s[ \t]+import[ \t]*\*" % module, data)
            if star is not None:
                line = data.count(b"\n", 0, star.start()) + 1
                found.append(f"{_shown(path)}:{line}")
            continue
        matches = [m for pattern in patterns for m in re.finditer(pattern, data)]
        if not matches and re.search(imported % {b"m": module}, data):
            # The module under another name (`import app.settings as s`): any `.API_KEY`.
            matches = list(re.finditer(rb"\.%s\b" % n, data))
        for match in matches:
            line = data.count(b"\n", 0, match.start()) + 1
            found.append(f"{_shown(path)}:{line}")
    return sorted(set(found), key=lambda w: (w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])))


def _under_a_directory(path: str, roots: Sequence[str]) -> bool:
    real = os.path.realpath(path)
    for root in roots:
        r = os.path.realpath(root)
        if os.path.isdir(r) and (real + os.sep).startswith(r.rstrip(os.sep) + os.sep):
            return True
    return False


def _shown(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/")
