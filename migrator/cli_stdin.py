"""``aoai-migrate - --stdin-filename PATH``: the code on standard input, for editors and pipes.

As with ruff and black, the name given with ``--stdin-filename`` stands for the file: the
configuration is the one found for that path, ``--force-exclude`` applies the exclusions to it,
and test code and generated files are left as a run over that path would leave them. The result
goes to stdout (the migrated code; with ``--diff``/``--dry-run`` the patch; with ``--check``
nothing) and the findings to stderr. Whatever cannot be migrated, the input comes back byte for
byte, so an editor that replaces its buffer with the output never loses it.

Notebooks are not read from standard input: a notebook's cells are migrated as one program with
its JSON kept byte for byte around them, which needs the whole file; the run says so and exits 2.
Naming ``/dev/stdin`` (or ``-`` without ``--stdin-filename``) is refused the same way: without a
real name the configuration, exclusions and report would all be about the wrong path.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from codemods.options import MigrationOptions
from migrator.discovery import FileSelection, generated_marker
from migrator.engine import CHANGED, MODE_CHECK, MODE_DIFF, MODE_WRITE, SKIPPED, FileResult
from migrator.report import Report, printable

STDIN = "-"
_STDIN_NAMES = frozenset({"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
_USE = "pass `-` and name the file with --stdin-filename PATH"


def misuse(paths: list[str], stdin_filename: str | None) -> str | None:
    """Why the command line cannot read standard input as given; None when it is fine."""
    if STDIN in paths:
        if len(paths) > 1:
            return "`-` (standard input) cannot be combined with other paths"
        if not stdin_filename:
            return (
                "reading standard input (`-`) needs --stdin-filename PATH: the name decides the "
                "configuration, the exclusions and the kind of file"
            )
        if stdin_filename.endswith(".ipynb"):
            return (
                f"{stdin_filename}: notebooks are not read from standard input; "
                "run aoai-migrate on the notebook file"
            )
        return None
    if stdin_filename:
        return "--stdin-filename names the code read from `-` (standard input): pass `-` as path"
    for path in paths:
        if _reads_stdin(path):
            return f"{path} is standard input: {_USE}"
    return None


def _reads_stdin(path: str) -> bool:
    absolute = os.path.normpath(os.path.abspath(path))
    if absolute in _STDIN_NAMES:
        return True
    parent, name = os.path.split(absolute)
    # /proc/<pid>/fd/0, /proc/thread-self/fd/0 ...
    return name == "0" and os.path.basename(parent) == "fd" and absolute.startswith("/proc/")


def _excluded(path: str, selection: FileSelection) -> bool:
    from migrator.discovery import _Walker  # the walk's own judgement of a named path

    return selection.force_exclude and _Walker(selection).excluded_explicitly(path)


def analyse_stdin(
    name: str, data: bytes, options: MigrationOptions, mode: str, selection: FileSelection
) -> FileResult:
    """The result for ``data`` as if read from ``name``; nothing is written anywhere."""
    from migrator.api import leave_test_file
    from migrator.engine import analyse_bytes
    from migrator.testcode import find_test_files

    if not selection.include_generated:
        marker = generated_marker(data)
        if marker is not None:
            reason = f"generated file ({marker}); --include-generated migrates it"
            return FileResult(name, SKIPPED, reason=reason)
    result = analyse_bytes(name, data, options, MODE_DIFF if mode == MODE_DIFF else MODE_CHECK)
    if not selection.include_tests and find_test_files([name], [name]):
        result = leave_test_file(result)
    return result


def run_stdin(
    name: str,
    options: MigrationOptions,
    mode: str,
    selection: FileSelection,
    exit_on_change: bool,
    show: Shown,
    settle: Callable[[Report], object] | None = None,
) -> int:
    """Read stdin, print the result on stdout and the report on stderr; the exit code.
    ``settle`` applies the run's gate options (rule selection, ``--exit-zero``) to the report."""
    data = sys.stdin.buffer.read()
    out = sys.stdout.buffer
    if _excluded(name, selection):
        if mode == MODE_WRITE:
            out.write(data)
            out.flush()
        return 0
    result = analyse_stdin(name, data, options, mode, selection)
    new = result.new if result.status == CHANGED and result.new is not None else data
    if mode == MODE_WRITE:
        out.write(new)
    elif mode == MODE_DIFF and result.diff:
        from migrator.colour import patch_for
        from migrator.formats import diff_text

        out.flush()
        sys.stdout.write(patch_for(sys.stdout, printable(diff_text(result) or "")))
        sys.stdout.flush()
    out.flush()
    report = Report(mode, roots=(name,), exit_on_change=exit_on_change)
    report.add(result)
    if settle is not None:
        settle(report)
    sys.stderr.write(show.render(report))
    sys.stderr.flush()
    return report.return_code


class Shown:
    """What the report shows: the format, and the choices of the text report."""

    def __init__(
        self, fmt: str, verbose: bool, quiet: bool, roles_format: str | None = None
    ) -> None:
        self.fmt, self.verbose, self.quiet, self.roles_format = fmt, verbose, quiet, roles_format

    def render(self, report: Report) -> str:
        from migrator import formats

        if self.quiet and self.fmt == "text":
            from migrator.cli_output import failing_lines

            return printable("".join(line + "\n" for line in failing_lines(report)))
        return formats.render(report, self.fmt, self.verbose, self.roles_format)
