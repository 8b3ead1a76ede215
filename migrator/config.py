"""``[tool.aoai-migrate]`` in ``pyproject.toml``: every command-line option, as configuration.

The file is found like ruff finds its own: from the directory the given paths share, upwards, the
first ``pyproject.toml`` that has a ``[tool.aoai-migrate]`` table; the search stops at the
repository root (the directory holding ``.git``). ``--config FILE`` names one instead.

Keys are the long option names without the dashes (``client-id-env``, ``extend-exclude``,
``include-generated``, ``include-tests``, ``format``, ``jobs`` ...). The options shared by every
command (the credential choices and which files are looked at) apply to every command; an option
that belongs to one command other than ``migrate`` is spelled with the command's name first
(``verify-format`` for ``aoai-migrate verify --format``). An option given on the command line
wins over the file, except ``extend-exclude``, whose globs are added to the file's. Globs with a
``/`` are anchored at the directory of the ``pyproject.toml`` they are written in (on the command
line: at the current directory). Any other key is an error that names it.

The valid keys are read from the command-line parser itself, so a new option is configurable
the moment it exists.
"""

from __future__ import annotations

import difflib
import enum
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codemods.options import CREDENTIAL_KINDS, CredentialOverride, is_env_name
from migrator.config_values import check_value
from migrator.discovery import (
    DEFAULT_EXCLUDE,
    DEFAULT_INCLUDE,
    FileSelection,
    absolute_pattern,
    find_repo_root,
    glob_to_regex,
)

if TYPE_CHECKING:  # the parser is imported only by the commands that use it
    import typer

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

TABLE = "aoai-migrate"
MAIN_COMMAND = "migrate"
# Options that mean the same for every command and are spelled without a command prefix.
SHARED_KEYS = frozenset(
    {
        "credential",
        "client-id-env",
        "system-assigned",
        "cloud",
        "exclude",
        "extend-exclude",
        "include",
        "force-exclude",
        "include-generated",
        "include-tests",
        "respect-gitignore",
        "jobs",
    }
)
# ``exit-zero`` too: like ruff's, only a command line turns the gate off, never a file.
NOT_CONFIGURABLE = frozenset({"paths", "config", "exit-zero"})
# Lists the command line adds to, rather than replaces, when the file has them too.
EXTENDING_KEYS = frozenset({"extend-exclude", "extend-select", "extend-ignore"})
# Commands that read the file (they call ``resolve``). ``batch`` works on many repositories, each
# with its own configuration, which it reads as ``migrate`` would (``migrator.batch_config``).
CONFIGURED_COMMANDS = frozenset({"migrate", "roles", "verify"})
GLOB_KEYS = frozenset({"exclude", "extend-exclude", "include"})
# ``[[tool.aoai-migrate.overrides]]``: per-path credential settings (see ``_overrides``).
OVERRIDES = "overrides"
OVERRIDE_KEYS = ("path", "credential", "client-id-env", "system-assigned")
_FROM_USER = frozenset({"COMMANDLINE", "ENVIRONMENT", "PROMPT"})  # click's ParameterSource names


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Resolved:
    """A command's option values after the configuration file was applied."""

    values: dict[str, Any]
    config_path: str | None
    # Why the credential is what it is ("--credential", "credential in pyproject.toml"); "" when
    # nobody chose it (notebooks then get their own default).
    credential_why: str = ""
    overrides: tuple[CredentialOverride, ...] = ()

    def selection(self) -> FileSelection:
        v = self.values
        return FileSelection(
            exclude=DEFAULT_EXCLUDE if v.get("exclude") is None else tuple(v["exclude"]),
            extend_exclude=tuple(v.get("extend_exclude") or ()),
            include=DEFAULT_INCLUDE if v.get("include") is None else tuple(v["include"]),
            force_exclude=bool(v.get("force_exclude")),
            respect_gitignore=v.get("respect_gitignore", True) is not False,
            include_generated=bool(v.get("include_generated")),
            include_tests=bool(v.get("include_tests")),
        )


def find_config(paths: Iterable[str]) -> str | None:
    """The nearest ``pyproject.toml`` with a ``[tool.aoai-migrate]`` table above the given paths."""
    start = _common_directory(paths)
    stop = find_repo_root(start)
    current = start
    while True:
        candidate = os.path.join(current, "pyproject.toml")
        if os.path.isfile(candidate) and _load_table(candidate, required=False) is not None:
            return candidate
        parent = os.path.dirname(current)
        if current == stop or parent == current:
            return None
        current = parent


def _common_directory(paths: Iterable[str]) -> str:
    dirs = []
    for raw in paths:
        absolute = os.path.abspath(raw)
        if not os.path.isdir(absolute):
            absolute = os.path.dirname(absolute)
        while not os.path.isdir(
            absolute
        ):  # a path that does not exist: its nearest existing parent
            absolute = os.path.dirname(absolute)
        dirs.append(absolute)
    if not dirs:
        return os.getcwd()
    return os.path.commonpath(dirs)


def _load_table(path: str, required: bool) -> dict[str, Any] | None:
    """The ``[tool.aoai-migrate]`` table of one file; None when it has none."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not required and TABLE.encode() not in data:
        return None  # not ours: no need to parse it
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    tool = document.get("tool")
    table = tool.get(TABLE) if isinstance(tool, dict) else None
    if table is None:
        return {} if required else None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.{TABLE}] must be a table")
    return table


# The parser is click's (vendored inside recent typer releases), so it is used through the
# attributes both share rather than through click's own classes.


def valid_keys(root: Any) -> dict[tuple[str, str], str]:
    """(command, parameter name) for every key a configuration file may set."""
    keys: dict[tuple[str, str], str] = {}
    commands = getattr(root, "commands", None) or {MAIN_COMMAND: root}
    for command_name, command in commands.items():
        if command_name not in CONFIGURED_COMMANDS:
            continue
        for param in command.params:
            if getattr(param, "param_type_name", None) != "option" or param.name is None:
                continue
            long_names = [o for o in param.opts if o.startswith("--")]
            key = long_names[0][2:] if long_names else param.name.replace("_", "-")
            if key in NOT_CONFIGURABLE or key == "help":
                continue
            if command_name == MAIN_COMMAND or key in SHARED_KEYS:
                keys[(command_name, param.name)] = key
            else:
                keys[(command_name, param.name)] = f"{command_name}-{key}"
    return keys


def resolve(ctx: typer.Context, paths: Iterable[str], config_file: str | None = None) -> Resolved:
    """Merge a command's parsed options with the configuration file: the command line wins."""
    paths = list(paths)
    path = config_file or find_config(paths)
    table = _load_table(path, required=True) if path else {}
    root = ctx.find_root().command
    command_name = ctx.info_name or MAIN_COMMAND
    known = valid_keys(root)
    all_keys = set(known.values())
    for key in table or {}:
        if key not in all_keys and key != OVERRIDES:
            close = difflib.get_close_matches(key, sorted(all_keys), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{path}: unknown key {key!r} in [tool.{TABLE}]{hint}")
    base = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
    params = {p.name: p for p in ctx.command.params if p.name}
    values = dict(ctx.params)
    shown = _shown(path) if path else ""
    why = ""
    for name, value in ctx.params.items():
        key = known.get((command_name, name))
        source = ctx.get_parameter_source(name)
        from_user = getattr(source, "name", None) in _FROM_USER
        if isinstance(value, enum.Enum):
            value = value.value
        if (
            key in GLOB_KEYS
        ):  # not given: None, so that the defaults apply (an empty list is a choice)
            value = _globs(value, os.getcwd()) if from_user else None
        if key == "credential":
            why = "--credential" if from_user else f"credential in {shown}" if key in table else ""
        if key is not None and table and key in table:
            configured = _convert(ctx, params[name], key, table[key], path or "")
            if key in GLOB_KEYS:
                configured = _globs(configured, base)
            if key in EXTENDING_KEYS and from_user:
                value = tuple(configured) + tuple(value or ())
            elif not from_user:
                value = configured
        values[name] = value
    overrides = _overrides(table.get(OVERRIDES), path or "", base, shown) if table else ()
    return Resolved(values, path, why, overrides)


def compile_globs(patterns: Iterable[str]) -> tuple[str | None, str | None]:
    """Anchored globs as two regular expressions, as ``discovery.Globs`` reads them: one over
    file names (the globs without ``/``), one over absolute paths (those with one)."""
    names = [glob_to_regex(p) for p in patterns if "/" not in p]
    paths = [glob_to_regex(p) for p in patterns if "/" in p]
    return (
        "|".join(f"(?:{r})" for r in names) or None,
        "|".join(f"(?:{r})" for r in paths) or None,
    )


def _shown(path: str) -> str:
    """The configuration file as the report names it: relative to the current directory when
    it is under it."""
    relative = os.path.relpath(os.path.abspath(path))
    return path if relative.startswith("..") else relative


def _overrides(raw: Any, path: str, base: str, shown: str) -> tuple[CredentialOverride, ...]:
    """``[[tool.aoai-migrate.overrides]]``: each entry's globs (``path``, one or a list,
    anchored like ``extend-exclude``) and the credential settings for the files they match."""
    where = f"{path}: [[tool.{TABLE}.{OVERRIDES}]]"
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise ConfigError(f"{where}: expected an array of tables, got {raw!r}")
    out = []
    for number, entry in enumerate(raw, 1):
        here = f"{where} #{number}"
        for key in entry:
            if key not in OVERRIDE_KEYS:
                close = difflib.get_close_matches(key, OVERRIDE_KEYS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ConfigError(
                    f"{here}: unknown key {key!r}{hint}; an override takes "
                    + ", ".join(OVERRIDE_KEYS)
                )
        if "path" not in entry:
            raise ConfigError(f"{here}: missing key 'path' (the glob or globs of its files)")
        globs = [entry["path"]] if isinstance(entry["path"], str) else entry["path"]
        if not isinstance(globs, list) or not all(isinstance(g, str) and g.strip() for g in globs):
            raise ConfigError(f"{here}: path: expected a glob or a list of globs, got {globs!r}")
        patterns = _globs(globs, base)
        if not patterns:
            raise ConfigError(f"{here}: path: expected a glob or a list of globs, got {globs!r}")
        credential = entry.get("credential")
        if credential is not None and credential not in CREDENTIAL_KINDS:
            close = difflib.get_close_matches(str(credential), CREDENTIAL_KINDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"{here}: credential = {credential!r}: choose one of "
                f"{', '.join(CREDENTIAL_KINDS)}{hint}"
            )
        client_id_env = entry.get("client-id-env")
        if client_id_env is not None and not (
            isinstance(client_id_env, str) and is_env_name(client_id_env)
        ):
            raise ConfigError(
                f"{here}: client-id-env = {client_id_env!r}: not an environment variable name"
            )
        system_assigned = entry.get("system-assigned")
        if system_assigned is not None and not isinstance(system_assigned, bool):
            raise ConfigError(
                f"{here}: system-assigned: expected true or false, got {system_assigned!r}"
            )
        if len(entry) == 1:
            raise ConfigError(
                f"{here}: sets nothing: give credential, client-id-env or system-assigned"
            )
        out.append(
            CredentialOverride(
                *compile_globs(patterns),
                f"override {', '.join(globs)} in {shown}",
                credential,
                client_id_env,
                system_assigned,
            )
        )
    return tuple(out)


def _globs(values: Iterable[str] | None, base: str) -> tuple[str, ...]:
    """Comma-separated lists split (outside ``{a,b}``), each glob anchored at ``base``."""
    out: list[str] = []
    for value in values or ():
        for part in _split_commas(value):
            if part.strip():
                out.append(absolute_pattern(part, base))
    return tuple(out)


def _split_commas(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}" and depth:
            depth -= 1
        if c == "," and not depth:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
    parts.append("".join(current))
    return parts


def _convert(ctx: typer.Context, param: Any, key: str, value: Any, path: str) -> Any:
    """A value from the file, checked and converted by the command-line parser itself, so that
    it means exactly what the same option on the command line means."""
    where = f"{path}: [tool.{TABLE}] {key}"
    try:
        check_value(where, key, param, value)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    option = param.opts[0]
    if getattr(param, "is_flag", False):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        if value:
            args = [option]
        elif param.secondary_opts:
            args = [param.secondary_opts[0]]
        else:
            return False
    elif param.multiple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
        if not value:
            return ()  # an empty list: nothing (for exclude, not even the defaults)
        args = [part for v in value for part in (option, v)]
    else:
        if isinstance(value, (dict, list, bool)) or value is None:
            raise ConfigError(f"{where}: expected a single value, got {value!r}")
        args = [option, str(value)]
    placeholders = [
        p
        for p in ctx.command.params
        if getattr(p, "param_type_name", None) == "argument" and p.required
    ]
    args += ["--", *["." for _ in placeholders]]
    try:
        parsed = ctx.command.make_context(ctx.info_name, args, parent=ctx.parent)
    # The parser raises BadParameter or UsageError, from click or from typer's copy of click.
    except Exception as exc:  # noqa: BLE001
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        raise ConfigError(f"{where} = {value!r}: {message}") from None
    converted = parsed.params[param.name]
    if isinstance(converted, enum.Enum):
        return converted.value
    return tuple(converted) if param.multiple else converted
