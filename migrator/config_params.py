"""Keys read from a parameter typed by a settings class of the run: configuration, not a choice.

``codemods.precision`` leaves a client whose key is a parameter of reusable code
(``key-parameter``): the caller chooses the key. One shape is different: the parameter is typed
by a settings class the run itself defines (``def __init__(self, config: AppConfig)`` ...
``api_key=config.api_key``, with ``AppConfig`` a dataclass or pydantic settings class of the
project). There the key is the project's configuration, and the client is the project's to
migrate. Each module reports such reads (``ModuleFacts.config_params``); here, in the parent
process before anything is linked or written, each is followed to its class as
``migrator.settings_link`` follows key fields. When the class is in the run, of a kind the tool
edits, and its field can be made optional, the module is analysed again with the read confirmed
(``MigrationOptions.config_fields``): the client is migrated, and the settings step then makes
the field optional. A class outside the run, or one the tool cannot edit, leaves the report as
it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from codemods.options import MigrationOptions
from codemods.settings_fields import DATACLASS, PYDANTIC, TUPLE
from migrator.engine import FAILED, SKIPPED, FileResult, analyse_bytes
from migrator.linking import RunIndex
from migrator.second_pass import bytes_read
from migrator.settings_link import _follow, _load, _Target

KINDS = (PYDANTIC, DATACLASS, TUPLE)


def confirm_config_params(
    results: list[FileResult], roots: Sequence[str], options: MigrationOptions, mode: str
) -> tuple[list[FileResult], MigrationOptions]:
    """``results`` with the modules whose key parameters are typed by a settings class of the
    run analysed again, and the run's options with those reads confirmed."""
    wanted = [
        (i, read)
        for i, r in enumerate(results)
        if r.facts is not None and r.status not in (FAILED, SKIPPED)
        for read in r.facts.config_params
    ]
    if not wanted:
        return results, options
    index = RunIndex([r.path for r in results], roots)
    targets: dict[int, _Target | None] = {}

    def module(file: int) -> _Target | None:
        if file not in targets:
            targets[file] = _load(results[file])
        return targets[file]

    confirmed: dict[int, list[tuple[str, int, str]]] = {}
    for file, (level, dotted, _line) in wanted:
        try:
            ok = _settings_field(index, module, file, level, dotted)
        except Exception:  # noqa: BLE001 - a shape nobody foresaw: the client stays as it is
            ok = False
        if ok:
            confirmed.setdefault(file, []).append((results[file].path, level, dotted))
    if not confirmed:
        return results, options
    options = replace(
        options,
        config_fields=tuple(
            dict.fromkeys((*options.config_fields, *(c for cs in confirmed.values() for c in cs)))
        ),
    )
    out = list(results)
    for file in confirmed:
        result = results[file]
        try:
            data = bytes_read(result)
        except OSError:
            continue
        again = analyse_bytes(result.path, data, options, mode)
        if again.status != FAILED:
            out[file] = again
    return out, options


def _settings_field(index, module, file, level, dotted) -> bool:  # type: ignore[no-untyped-def]
    """Whether the read ends at a field of a settings class of the run that can be made
    optional (or is already)."""
    found = _follow(index, module, file, level, dotted.split("."))
    if found is None:
        return False
    target_file, cls, attr, _instances = found
    target = module(target_file)
    if target is None:
        return False
    settings = target.module
    if settings.kind(cls) not in KINDS or settings.field(cls, attr) is None:
        return False
    # Planned on this pass's own copy of the module: the settings step plans it again.
    change = settings.make_optional(cls, attr)
    return change is None or change.changed
