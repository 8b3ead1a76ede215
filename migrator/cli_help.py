"""The command line's manners: ``-h``, ``--version`` in the help, value names instead of type
labels, examples, and suggestions only for near misses (an unknown option or command)."""

from __future__ import annotations

import difflib
import os
from typing import Any

import typer

from migrator.commands import COMMANDS

CONTEXT = {"help_option_names": ["-h", "--help"]}

EXAMPLES = (
    "Examples:\n\n"
    "aoai-migrate .                        migrate the project in place\n\n"
    "aoai-migrate --diff src/              print what would change; exit 1 if anything would\n\n"
    "aoai-migrate --check -q .             CI: print only what fails\n\n"
    "aoai-migrate - --stdin-filename app.py < app.py   migrate code read from a pipe\n\n"
    "aoai-migrate roles . --roles-format bicep         the role assignments the code needs"
)

# A suggestion is made only for a name this close (difflib's ratio): `--chek` gets `--check`,
# `--fix` gets nothing rather than `--config`.
_NEAR = 0.75


def _print_version(value: bool) -> None:
    if value:
        from migrator import __version__

        typer.echo(f"aoai-migrate {__version__}")
        raise typer.Exit(0)


def root_options(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        is_eager=True,
        callback=_print_version,
        help="Print the version and exit.",
    ),
) -> None:
    """Move Azure OpenAI code from API keys to Microsoft Entra ID tokens."""


def tidy(command: Any) -> Any:
    """``command`` (the built parser) with value names instead of typer's type labels
    (``<bool>``, ``<list[str]>``): nothing after a flag, the option's name in capitals after an
    option that takes a value, the choices for a choice."""
    for sub in (getattr(command, "commands", None) or {}).values():
        tidy(sub)
    made = command.get_help_option

    def help_option(ctx: Any) -> Any:
        option = made(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = help_option
    for param in command.params:
        if getattr(param, "param_type_name", None) == "argument":
            param.display_type_rich = _no_label
            continue
        if param.metavar is not None:
            continue
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
            continue
        choices = choices_of(param)
        if choices:
            param.metavar = "[" + "|".join(choices) + "]"
        else:
            param.metavar = (param.name or "value").upper()
    return command


def choices_of(param: Any) -> tuple[str, ...]:
    """The values a choice option takes (typer's own parameters or click's); () otherwise."""
    described = getattr(param, "type_descriptor", None)
    if described is not None:
        found = described.choices if getattr(described, "is_choice", False) else None
    else:
        found = getattr(getattr(param, "type", None), "choices", None)
    return tuple(str(getattr(c, "value", c)) for c in found or ())


def _no_label(ctx: Any = None) -> None:
    return None


def unknown_command(args: list[str]) -> str | None:
    """An error for a first word that is no command and no file but looks like a command's
    misspelling (``rolez``); None otherwise (it is a path, and the run says if it is missing)."""
    if not args or args[0].startswith("-") or args[0] in COMMANDS or os.path.lexists(args[0]):
        return None
    close = difflib.get_close_matches(args[0], COMMANDS, n=1, cutoff=0.6)
    if not close:
        return None
    return f"unknown command {args[0]!r} (did you mean {close[0]!r}?)"


def near_options(option: str, possibilities: list[str]) -> list[str]:
    """The parser's suggestions for an unknown option, keeping only the near misses."""
    return [p for p in possibilities if difflib.SequenceMatcher(None, option, p).ratio() >= _NEAR]


def invoke(command: Any, args: list[str]) -> int:
    """Run the parser on ``args``; the exit code. A usage error is shown as typer shows it, with
    only the near misses suggested."""
    try:
        rv = command.main(args=args, prog_name="aoai-migrate", standalone_mode=False)
    except Exception as exc:
        # click's and typer's copy of click raise the same kinds: known by what they carry.
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        if type(exc).__name__ == "NoSuchOption" and getattr(exc, "option_name", None):
            exc.possibilities = near_options(exc.option_name, list(exc.possibilities or ()))
        _show(exc)
        return int(exc.exit_code)
    return rv if isinstance(rv, int) else 0


def _show(exc: Any) -> None:
    try:
        from typer import rich_utils
    except ImportError:  # typer without rich: click's own plain message
        exc.show()
        return
    rich_utils.rich_format_error(exc)


# -- the README's table of ``migrate`` options, generated from the parser (a test keeps them equal)
def options_table(command: Any) -> str:
    """Markdown rows for every option of ``command`` (a click command): its spellings, the value
    it takes, and its help text."""
    rows = ["| option | value | meaning |", "| --- | --- | --- |"]
    for param in command.params:
        if param.param_type_name != "option" or getattr(param, "hidden", False):
            continue
        names = ", ".join(f"`{o}`" for o in (*param.opts, *param.secondary_opts))
        if param.is_flag:
            value = ""
        elif param.metavar:
            value = f"`{param.metavar}`"
        else:
            choices = choices_of(param)
            value = (
                " \\| ".join(f"`{c}`" for c in choices) if choices else f"`{param.name.upper()}`"
            )
        meaning = " ".join((param.help or "").split()).replace("|", "\\|")
        rows.append(f"| {names} | {value} | {meaning} |")
    return "\n".join(rows) + "\n"
