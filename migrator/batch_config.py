"""One repository's own configuration, read as ``aoai-migrate migrate .`` would read it there.

The repository's ``[tool.aoai-migrate]`` goes through the same parser and the same resolution as
the ``migrate`` command (``migrator.config.resolve``): every key means what it means there
(``credential``, ``exclude``, ``extend-exclude``, ``include``, ``respect-gitignore``,
``include-tests`` ...), globs are anchored at the repository's top, and a bad value is an error
that names the file and the key. The batch command line wins where it says something other than
its default (``--credential``, ``--cloud`` ...); the batch command has no file-selection options,
so which files are looked at is the repository's choice alone.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from codemods.options import MigrationOptions
from migrator.discovery import FileSelection

_OPTION_FIELDS = ("credential", "client_id_env", "system_assigned", "cloud")


class RepoConfigError(Exception):
    """The repository's configuration cannot be used; the message names the file and the key."""


def repo_settings(root: Path, base: MigrationOptions) -> tuple[MigrationOptions, FileSelection]:
    """The options and the file selection ``migrate`` would use at the top of ``root``."""
    import typer

    from migrator import cli
    from migrator.config import ConfigError, resolve

    group = typer.main.get_command(cli.app)
    parent = group.make_context("aoai-migrate", ["migrate", str(root)], resilient_parsing=True)
    command = group.commands["migrate"]  # type: ignore[attr-defined]
    ctx = command.make_context("migrate", [str(root)], parent=parent)
    try:
        resolved = resolve(ctx, [str(root)])
    except ConfigError as exc:
        raise RepoConfigError(_inside(str(exc), root)) from None
    values = resolved.values
    defaults = MigrationOptions()
    changes = {
        name: values[name]
        for name in _OPTION_FIELDS
        if getattr(base, name) == getattr(defaults, name)
    }
    try:
        options = replace(base, **changes)
    except ValueError as exc:
        where = _inside(resolved.config_path or "pyproject.toml", root)
        raise RepoConfigError(f"{where}: [tool.aoai-migrate] {exc}") from None
    return options, resolved.selection()


def _inside(text: str, root: Path) -> str:
    """Paths in ``text`` relative to the repository (the checkout is a temporary folder)."""
    top = str(root).rstrip(os.sep) + os.sep
    return text.replace(top, "").replace(str(root), ".")
