"""The console script: settle a run with nothing to parse before the command-line parser loads.

Most runs find nothing to migrate (a pre-commit hook on files that build no client, a check over
a large tree). Such a run reads each file once and prints one line; loading the command-line
parser (typer with pydantic) and LibCST would cost it more than the work itself. So when the
arguments are the plain form (``[migrate] [--check | --dry-run] [--jobs N] [--force-exclude]
PATH...``) and no ``[tool.aoai-migrate]`` table applies, the files are found and byte-searched
here. If every one of them is settled without a parse, the report is printed and the process
exits; otherwise the full command line takes over, so its behaviour and messages are the only
ones a user ever sees. It goes on from the files found and settled here (``api.hand_over``)
instead of walking and reading the tree again.
"""

from __future__ import annotations

import sys

from migrator.commands import COMMANDS

# Set when the tool itself set PYTHONSAFEPATH (the git commands of batch then run without it).
SAFE_PATH_SET = False


def _children_skip_the_current_directory() -> None:
    """Worker processes started by spawn or forkserver (the default on macOS, and on Linux from
    Python 3.14) begin as ``python -c ...`` in the current directory, which is first on their
    ``sys.path`` until multiprocessing hands them ours: a tree being migrated could shadow a
    module they import first. PYTHONSAFEPATH (Python 3.11+) keeps it off."""
    import os

    global SAFE_PATH_SET
    if not os.environ.get("PYTHONSAFEPATH"):
        os.environ["PYTHONSAFEPATH"] = "1"
        SAFE_PATH_SET = True


def entry() -> None:
    """The console script and ``python -m migrator``: :func:`main`, then Ctrl-C ignored.

    Once the run has printed its report, a Ctrl-C that arrives while the interpreter shuts down
    (after Python has put back the default SIGINT action) would kill the process and replace the
    run's exit code with death by signal. Ignoring SIGINT from there on keeps the code the run
    chose; an interruption during the run is still handled by the run itself (exit 130)."""
    import signal

    try:
        main()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def main(argv: list[str] | None = None) -> None:
    _children_skip_the_current_directory()
    args = list(sys.argv[1:] if argv is None else argv)
    plain = _plain_migrate(args)
    if plain is not None:
        code = _settled_run(*plain)
        if code is not None:
            sys.exit(code)
    from migrator.cli import main as full

    full(args)


def _plain_migrate(args: list[str]) -> tuple[list[str], str, int | None, bool] | None:
    """(paths, mode, jobs, force_exclude) for the plain form of ``migrate``; None otherwise."""
    from migrator.engine import MODE_CHECK, MODE_DIFF, MODE_WRITE

    if args[:1] != ["migrate"] and args[:1] and args[0] in COMMANDS:
        return None
    rest = args[1:] if args[:1] == ["migrate"] else args
    paths: list[str] = []
    mode = MODE_WRITE
    jobs: int | None = None
    force_exclude = False
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg in ("--check", "--dry-run"):
            if mode != MODE_WRITE:
                return None
            mode = MODE_CHECK if arg == "--check" else MODE_DIFF
        elif arg == "--force-exclude":
            force_exclude = True
        elif arg in ("--jobs", "-j") or arg.startswith("--jobs="):
            value = (
                arg.partition("=")[2] if "=" in arg else (rest[i + 1] if i + 1 < len(rest) else "")
            )
            i += 0 if "=" in arg else 1
            if not value.isdigit() or int(value) < 1:
                return None
            jobs = int(value)
        elif arg.startswith("-") or not arg:
            return None  # any other option (or `--`): the full parser
        else:
            paths.append(arg)
        i += 1
    return (paths, mode, jobs, force_exclude) if paths else None


def _settled_run(paths: list[str], mode: str, jobs: int | None, force_exclude: bool) -> int | None:
    """The exit code of a run in which no file needs a parse; None when one does (or on doubt)."""
    import os

    from migrator import api
    from migrator.config import ConfigError, find_config
    from migrator.discovery import DiscoveryError, FileSelection, iter_files
    from migrator.keyconfig import Listing
    from migrator.report import Report

    try:
        if find_config(paths) is not None:
            return None
        selection = FileSelection(force_exclude=force_exclude)
        listing = Listing()
        files = list(iter_files(paths, selection, listing.saw))
    except (ConfigError, DiscoveryError, OSError):
        return None  # the full command reports it
    report = Report(mode, roots=tuple(paths))
    jobs = jobs or os.cpu_count() or 1
    try:
        pending = api.settle(files, selection, report, jobs=jobs)
        if pending:
            handoff = api.Handoff(
                tuple(paths), selection, files, list(report.results), pending, listing
            )
            api.hand_over(handoff)
            return None
        api.finish(report, paths, jobs, listing=listing)
    except KeyboardInterrupt:
        sys.stderr.write("aoai-migrate: interrupted; no file was changed\n")
        return 130
    except Exception:  # noqa: BLE001 - a bug here: the full command runs and reports it (exit 4)
        return None
    from migrator import formats, gate
    from migrator.rule_selection import EVERY_RULE

    gate.settle(report, EVERY_RULE, exit_zero=False)  # an error finding fails --check here too
    formats.emit(report, "text", False, "az")
    return report.return_code
