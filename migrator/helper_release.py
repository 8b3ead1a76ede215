"""Key variables read through a helper imported from another module of the run.

``KEY = must_get_env("AZURE_OPENAI_API_KEY")`` with ``from .util import must_get_env``: the key
clean-up (``codemods.key_cleanup``) sees one module, so it keeps the variable and reports it
(``key-read-helper``, the import as the notice's subject). Here, in the parent process after the
analysis and before anything is written, the import is followed to the one module of the run
that defines the function; when that function only reads the variable from the environment and
raises when it is missing (``codemods.env_helpers``), the reading module is analysed again with
the function named in ``MigrationOptions.env_helpers``: the variable then goes like an
environment read. A function outside the run, defined in more than one module or doing more
stays reported as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import libcst as cst
from libcst.metadata import MetadataWrapper, QualifiedNameProvider

from codemods import env_helpers
from codemods.options import MigrationOptions
from migrator.engine import CHANGED, FAILED, SKIPPED, FileResult, analyse_bytes
from migrator.linking import RunIndex
from migrator.second_pass import bytes_read, module_bytes


def release_helper_reads(
    results: list[FileResult], roots: Sequence[str], options: MigrationOptions, mode: str
) -> list[FileResult]:
    wanted = {
        i: sorted({n.subject for n in r.notices if n.rule == env_helpers.RULE and n.subject})
        for i, r in enumerate(results)
        if r.status == CHANGED and r.path.endswith(".py")
    }
    wanted = {i: names for i, names in wanted.items() if names}
    if not wanted:
        return results
    index = RunIndex([r.path for r in results], roots)
    out = list(results)
    for file, names in wanted.items():
        sure = tuple(n for n in names if _is_helper(results, index, file, n))
        if not sure:
            continue
        try:
            again = analyse_bytes(
                results[file].path,
                bytes_read(results[file]),
                replace(options, env_helpers=sure),
                mode,
                sliced=False,
            )
        except OSError:
            continue
        if again.status == CHANGED:
            out[file] = again
    return out


def _is_helper(results: list[FileResult], index: RunIndex, file: int, imported: str) -> bool:
    name = imported.lstrip(".")
    level = len(imported) - len(name)
    if "." not in name:
        return False
    module, function = name.rsplit(".", 1)
    files = [f for base in index.absolute(file, level, module) for f in index.files_for(base, file)]
    if len(files) != 1 or results[files[0]].status in (FAILED, SKIPPED):
        return False
    try:
        found = module_bytes(results[files[0]])
        if found is None:
            return False
        tree = cst.parse_module(found[1])
        names = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(QualifiedNameProvider)
    except Exception:  # noqa: BLE001 - a module that cannot be read or parsed: not followed
        return False

    def qualified(node: cst.CSTNode) -> set[str]:
        got = names.get(node, set())
        return {q.name for q in (got() if callable(got) else got)}

    return isinstance(env_helpers.defined(tree, function, qualified), env_helpers.Helper)
