"""Module-level key variables that only other modules' rewritten clients read, cleaned up too.

``config.py`` reads ``API_KEY = os.getenv("AOAI_KEY")`` and checks it (``if not all([ENDPOINT,
API_KEY]): raise``); ``app.py`` does ``from config import API_KEY`` and passes it as a client's
key. Once ``app.py`` is migrated nothing in the run reads ``config.API_KEY``, but the key
clean-up (``codemods.key_cleanup``) sees one module at a time: ``config.py`` still insists on
the key. Here, in the parent process after the analysis and before anything is written, each
such name (``ModuleFacts.key_names``, ``key_fields`` of one attribute) is followed to the module
of the run that defines it, and that module is analysed again with the name given to the
clean-up as a dropped key (``MigrationOptions.released_names``): the same edits as within one
module (the read removed when nothing else in the module reads it, the checks rewritten).

A name is left alone when another module of the run still imports it in the code the run will
write (a byte search, as ``migrator.key_importers`` does), when the defining module was given to
the run on its own (its importers cannot be searched), or is a notebook.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace

from codemods.options import MigrationOptions
from migrator.engine import CHANGED, FAILED, SKIPPED, UNCHANGED, FileResult, analyse_bytes
from migrator.key_importers import _under_a_directory, importers, removed_globals
from migrator.linking import RunIndex, module_names
from migrator.second_pass import bytes_read


def release_key_names(
    results: list[FileResult],
    roots: Sequence[str],
    options: MigrationOptions,
    mode: str,
) -> list[FileResult]:
    """``results``, with each module whose key variables only rewritten clients of other
    modules read analysed again, those variables released to its key clean-up."""
    reads = [
        (i, level, dotted, line)
        for i, r in enumerate(results)
        if r.facts is not None and r.status == CHANGED
        for level, dotted, line in (
            *r.facts.key_names,
            *(f for f in r.facts.key_fields if f[0] >= 0),
        )
    ]
    if not reads:
        return results
    index = RunIndex([r.path for r in results], roots)
    wanted: dict[int, dict[str, list[str]]] = {}
    for file, level, dotted, line in reads:
        parts = dotted.split(".")
        if len(parts) < 2:
            continue
        found = {
            f
            for base in index.absolute(file, level, ".".join(parts[:-1]))
            for f in index.files_for(base, file)
        }
        if len(found) == 1 and file not in found:
            target = found.pop()
            where = f"{_shown(results[file].path)}:{line}"
            wanted.setdefault(target, {}).setdefault(parts[-1], []).append(where)
    if not wanted:
        return results
    # What each module of the run will hold once written: who still imports the name there.
    written = {
        r.path: (r.new if r.status == CHANGED else r.data)
        for r in results
        if r.status not in (FAILED, SKIPPED)
    }
    every = [r.path for r in results]
    out = list(results)
    for target, names in wanted.items():
        result = results[target]
        if (
            not result.path.endswith(".py")
            or result.status not in (CHANGED, UNCHANGED)
            or not _under_a_directory(result.path, roots)
            or removed_globals(result)  # already cleaned up here, or kept for an importer
        ):
            continue
        words = {n.rsplit(".", 1)[-1] for n in module_names(result.path, roots)}
        cache = {path: data for path, data in written.items() if data is not None}
        released = tuple(
            (name, ", ".join(sorted(set(where))))
            for name, where in sorted(names.items())
            if not importers(name, words, result.path, every, cache)
        )
        if not released:
            continue
        try:
            data = bytes_read(result)
        except OSError:
            continue
        again = analyse_bytes(
            result.path, data, replace(options, released_names=released), mode, sliced=False
        )
        if again.status == CHANGED and any(
            n.subject in dict(released) for n in again.notices if n.rule == "key-variable-removed"
        ):
            out[target] = again
    return out


def _shown(path: str) -> str:
    return os.path.basename(path)
