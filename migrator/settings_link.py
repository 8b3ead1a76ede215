"""The settings a rewritten client read its key from, made optional across the modules of a run.

Each migrated module says where its removed key arguments came from
(``ModuleFacts.key_fields``: ``settings.azure_openai_api_key``, ``get_settings().key``, through
an import or a module-level name). Here, in the parent process after the analysis and before
anything is written, each one is followed to the class that declares the field, in whichever
module of the run it is (``codemods.settings_fields`` finds the class and plans the edit), and
that module's result gets the edit. What cannot be followed (the class is outside the run, or
of a shape the tool does not know) is reported at the read, with the variable it needs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import libcst as cst

from codemods import env_helpers
from codemods.findings import Notice
from codemods.key_guards import RULE_READ
from codemods.settings_fields import Import, SettingsModule
from migrator.engine import (
    FAILED,
    SKIPPED,
    FileResult,
)
from migrator.key_importers import removed_globals
from migrator.linking import RunIndex
from migrator.second_pass import module_bytes, with_text

RULE = "settings-key-field"
MAX_HOPS = 4


@dataclass
class _Target:
    result: FileResult
    read: bytes
    module: SettingsModule
    notices: list[Notice] = field(default_factory=list)


def settle_key_fields(
    results: list[FileResult], roots: Sequence[str], mode: str
) -> list[FileResult]:
    """``results`` with the settings fields behind rewritten key arguments made optional."""
    reads = [
        (i, read)
        for i, r in enumerate(results)
        if r.facts is not None and r.status not in (FAILED, SKIPPED)
        for read in r.facts.key_fields
    ]
    if not reads:
        return results
    index = RunIndex([r.path for r in results], roots)
    targets: dict[int, _Target | None] = {}
    extra: dict[int, list[Notice]] = {}

    def module(file: int) -> _Target | None:
        if file not in targets:
            targets[file] = _load(results[file])
            target = targets[file]
            if target is not None:
                target.module.helper_of = lambda name: _helper(index, module, file, name)
        return targets[file]

    for file, read in reads:
        try:
            notice = _settle(results, index, module, file, *read)
        except Exception:  # noqa: BLE001 - a shape nobody foresaw: that read is left as it is
            notice = None
        if notice is not None:
            extra.setdefault(file, []).append(notice)
    out = list(results)
    for file, target in targets.items():
        if target is not None:
            out[file] = _updated(target, mode)
    for file, notices in extra.items():
        out[file] = replace(out[file], notices=(*out[file].notices, *notices))
    return out


def _settle(results, index, module, file, level, dotted, line):  # type: ignore[no-untyped-def]
    """Follow one read to its field and plan the edit; a notice for the reading module when the
    read cannot be followed."""
    notebook = results[file].path.endswith(".ipynb")  # its lines are the cells' joined
    where = _shown(results[file].path) + ("" if notebook else f":{line}")
    found = _follow(index, module, file, level, dotted.split("."))
    if found is None:
        if notebook or _released(results, index, file, level, dotted):
            return None
        return Notice(
            line,
            0,
            RULE,
            f"the key came from {dotted}, "
            "whose class is not among the files of this run (or not of a shape this "
            "tool follows): make that field optional (a default of None), or the "
            "program stops at start-up once the key variable is removed",
        )
    target_file, cls, attr, instances = found
    target = module(target_file)
    assert target is not None
    change = target.module.make_optional(cls, attr)
    if change is None:
        return None  # a property or method, not a field: nothing declares the key here
    if change.changed:
        # The instances the read went through: ``cfg = Config(key=os.environ["X"])``.
        for instance_file, name in instances:
            holder = module(instance_file)
            at = holder.module.relax_construction(name, attr) if holder else None
            if holder is not None and at is not None:
                how = holder.module.how.get(at, "with .get()")
                holder.notices.append(
                    Notice(
                        at,
                        0,
                        RULE,
                        f"{name}'s {attr} is read {how}: the field is optional now",
                        severity="info",
                    )
                )
            _report_held(holder)
    for at, what in target.module.relaxed.items():
        if not any(n.line == at and n.rule == RULE for n in target.notices):
            how = target.module.how.get(at, "with .get()")
            target.notices.append(
                Notice(
                    at,
                    0,
                    RULE,
                    f"{what} is read {how}: the field is optional now",
                    severity="info",
                )
            )
    _report_held(target)
    if change.changed:
        message = (
            f"{change.message}: the client at {where} no longer reads the key "
            f"({change.variable}); once every deployment is keyless, delete the field and "
            "the variable together (a .env file that still sets it fails validation when "
            "the settings forbid extra inputs)"
        )
        target.notices.append(Notice(change.line, 0, RULE, message, severity="info"))
    else:
        message = (
            f"{change.message} (the client at {where} no longer reads it; it reads "
            f"{change.variable}): the program stops at start-up once that is removed"
        )
        target.notices.append(Notice(change.line, 0, RULE, message))
    return None


def _report_held(target: _Target | None) -> None:
    """The reads through a settings helper the tool could not be sure of: what keeps the key
    required."""
    for at, why in target.module.held.items() if target is not None else ():
        if not any(n.line == at and n.rule == env_helpers.RULE for n in target.notices):
            message = (
                f"the key field is optional now, but this read still requires the variable: {why}; "
                "make the read optional (or pass what turns its requirement off), or the program "
                "stops at start-up once the key variable is removed"
            )
            target.notices.append(Notice(at, 0, env_helpers.RULE, message))


def _helper(index, module, file, name, hops=0):  # type: ignore[no-untyped-def]
    """What the function ``name`` of the run's file ``file`` is (``codemods.env_helpers``),
    following ``from .util import must_get_env`` into the other modules of the run."""
    target = module(file)
    if target is None or hops > MAX_HOPS:
        return None
    found = target.module.top.get(name)
    if not isinstance(found, cst.ImportFrom):
        return env_helpers.defined(target.module.module, name, target.module.qualified)
    imported = target.module.lookup(name)
    if not isinstance(imported, Import):
        return None
    files = [
        f
        for base in index.absolute(file, imported.level, imported.module)
        for f in index.files_for(base, file)
    ]
    if len(files) != 1:
        where = "outside the files of this run" if not files else "in more than one module"
        return env_helpers.Unsure(name, f"`{name}` is defined {where}")
    return _helper(index, module, files[0], imported.name, hops + 1)


def _released(results, index, file, level, dotted) -> bool:  # type: ignore[no-untyped-def]
    """The read is of a module-level variable of the run that the key clean-up removed
    (``migrator.key_release``): no settings field to speak of."""
    parts = dotted.split(".")
    if level < 0 or len(parts) < 2:
        return False
    files = {
        f
        for base in index.absolute(file, level, ".".join(parts[:-1]))
        for f in index.files_for(base, file)
    }
    return any(parts[-1] in removed_globals(results[f]) for f in files)


def _follow(index, module, file, level, parts):  # type: ignore[no-untyped-def]
    """(file, class node, field name, the (file, name) pairs it went through) the dotted read
    ends at, or None."""
    if level < 0:
        starts = [(file, parts[0], parts[1:])]
    else:
        starts = []
        for k in range(len(parts) - 1, 0, -1):
            for base in index.absolute(file, level, ".".join(parts[:k])):
                starts += [(f, parts[k], parts[k + 1 :]) for f in index.files_for(base, file)]
            if starts:
                break
    if len(starts) != 1:
        return None  # outside the run, or more than one module it could be
    here, name, attrs = starts[0]
    instances: list[tuple[int, str]] = []
    for _ in range(MAX_HOPS):
        target = module(here)
        if target is None or not attrs:
            return None
        found = target.module.lookup(name)
        if isinstance(found, cst.ClassDef) and len(attrs) == 1:
            if target.module.field(found, attrs[0]) is None:
                # Declared by a base class of another module: ``class Azure(PlatformSettings)``.
                found = target.module.imported_base(found) or found
        if isinstance(found, Import):
            files = [
                f
                for base in index.absolute(here, found.level, found.module)
                for f in index.files_for(base, here)
            ]
            if len(files) != 1:
                return None
            here, name = files[0], found.name
            continue
        if found is None:
            return None
        instances.append((here, name))
        if len(attrs) == 1:
            return here, found, attrs[0], instances
        # A nested settings object: ``settings.azure.api_key``, its field typed by a class.
        inner = target.module.field(found, attrs[0])
        annotation = inner[1].annotation.annotation if inner is not None else None
        if not hasattr(annotation, "value") or not isinstance(annotation.value, str):
            return None
        name, attrs = annotation.value, attrs[1:]
    return None


def _load(result: FileResult) -> _Target | None:
    """The module as the run will write it (the migrated bytes when it changed)."""
    try:
        found = module_bytes(result)
        return None if found is None else _Target(result, found[0], SettingsModule(found[1]))
    except Exception:  # noqa: BLE001 - a module that cannot be read or parsed is left alone
        return None


def _updated(target: _Target, mode: str) -> FileResult:
    result = target.result
    # The key reads the settings step relaxed no longer raise: their warnings go (when the lines
    # of the module it edited are the lines read: the analysis did not change the module).
    relaxed = target.module.relaxed if result.new in (None, target.read) else {}
    kept = [n for n in result.notices if not (n.rule == RULE_READ and n.line in relaxed)]
    notices = (*kept, *target.notices)
    if not target.module.changed:
        return replace(result, notices=notices)
    try:
        new = target.module.apply()
    except Exception:  # noqa: BLE001 - never expected: the module stays as the analysis left it
        return replace(result, notices=notices)
    return with_text(result, target.read, new, notices, mode)


def _shown(path: str) -> str:
    return os.path.basename(path)
