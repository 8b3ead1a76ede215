"""Which credential each file of a run gets, and why.

A managed identity exists only on Azure. Services run there; notebooks run on a developer's
machine as often as on Azure. So, unless someone chose a credential (``--credential``,
``credential =`` in the configuration, a caller of the API), a notebook gets ``chained``: the
managed identity, then the developer's sign-in. Every other file keeps the run's credential.

``[[tool.aoai-migrate.overrides]]`` entries then apply to the files their globs match, in the
order written: a later entry wins over an earlier one for each key both set (as mypy's
wildcard ``overrides`` sections do), and an entry wins over the command line and the notebook
default for its files.

The run hands the same options to every file (and to the worker processes); each file's
analysis resolves them for its own path here, so the later passes that analyse a file again
resolve it the same way.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from functools import lru_cache

from codemods.findings import MIGRATED, ClientRecord
from codemods.options import NOTEBOOK_CREDENTIAL, MigrationOptions

NOTEBOOK_DEFAULT = "notebook default"
NOTEBOOK_SUFFIX = ".ipynb"


def for_path(options: MigrationOptions, path: str) -> MigrationOptions:
    """The options one file is migrated with: the notebook default and the overrides applied,
    ``credential_why`` saying what decided the credential. Resolving twice changes nothing."""
    if options.credential_chosen and not options.path_overrides:
        return options
    credential, why = options.credential, options.credential_why
    if not options.credential_chosen and path.endswith(NOTEBOOK_SUFFIX):
        credential, why = NOTEBOOK_CREDENTIAL, NOTEBOOK_DEFAULT
    client_id_env, system_assigned = options.client_id_env, options.system_assigned
    also: list[str] = []  # overrides that set something other than the credential
    absolute = os.path.abspath(path)
    name = os.path.basename(absolute)
    for override in options.path_overrides:
        if not _matches(override.names, name) and not _matches(override.paths, absolute):
            continue
        if override.credential is not None:
            credential, why = override.credential, override.label
        if override.client_id_env is not None:
            client_id_env = override.client_id_env
        if override.system_assigned is not None:
            system_assigned = override.system_assigned
        if override.credential is None:
            also.append(override.label)
    return replace(
        options,
        credential=credential,
        client_id_env=client_id_env,
        system_assigned=system_assigned,
        credential_chosen=True,
        credential_why="; ".join(w for w in dict.fromkeys((why, *also)) if w),
        path_overrides=(),
    )


def credential_written(
    clients: tuple[ClientRecord, ...] | list[ClientRecord], options: MigrationOptions
) -> tuple[str, str] | None:
    """(credential, why) for a file whose clients were migrated (it has a credential setup);
    None for any other."""
    if not any(c.outcome == MIGRATED for c in clients):
        return None
    return options.credential, options.credential_why


def _matches(regex: str | None, text: str) -> bool:
    return regex is not None and _compiled(regex).fullmatch(text) is not None


@lru_cache(maxsize=64)
def _compiled(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.DOTALL)
