"""`aoai-migrate batch`: many repositories, a branch and a commit (or a patch) each, one table."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from migrator.batch_results import DEFAULT_BRANCH
from migrator.batch_table import terminal_width
from migrator.cli_common import (
    ClientIdEnvOpt,
    CloudOpt,
    CredentialOpt,
    SystemAssignedOpt,
    fail,
    options_from,
)
from migrator.report import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("batch")(batch_command)


def batch_command(
    repos: list[str] | None = typer.Argument(
        None,
        help="Repositories. @FILE reads one path per line; a folder whose subfolders are "
        "repositories stands for each of them.",
        show_default=False,
    ),
    repos_file: list[str] | None = typer.Option(
        None,
        "--repos-file",
        help="A file with one repository path per line (relative to the file).",
        show_default=False,
    ),
    branch: str = typer.Option(
        DEFAULT_BRANCH, "--branch", help="The branch created in each repository."
    ),
    allow_dirty: bool = typer.Option(
        False,
        "--allow-dirty",
        help="Migrate the last commit of repositories with uncommitted changes (left as they are).",
    ),
    patch_dir: str | None = typer.Option(
        None,
        "--patch-dir",
        help="Write DIR/<repository>.patch instead of committing; repositories are left untouched.",
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Show what each repository would get; create no branch, commit or patch.",
    ),
    table_format: str = typer.Option(
        "text",
        "--format",
        help="The table: text (wrapped to the terminal width) or markdown.",
    ),
    summary_file: str | None = typer.Option(
        None, "--summary", help="Also write the table to FILE: .csv or .json.", show_default=False
    ),
    roles_format: str = typer.Option(
        "az",
        "--roles-format",
        help=(
            "How the role assignments are written: az or json "
            "(Bicep and Terraform: run `roles` per repository)."
        ),
    ),
    roles_out: str | None = typer.Option(
        None,
        "--roles-out",
        help="Write the role assignments to FILE instead of standard output.",
        show_default=False,
    ),
    reset: bool = typer.Option(
        False, "--reset", help="Delete the branches aoai-migrate created (and nothing else)."
    ),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", help="Repositories at a time (default: the CPU count)."
    ),
    credential: str = CredentialOpt,
    client_id_env: str = ClientIdEnvOpt,
    system_assigned: bool = SystemAssignedOpt,
    cloud: str = CloudOpt,
) -> None:
    """Migrate many git repositories: a branch and one commit each, and a table for the rollout."""
    from migrator import batch, batch_report
    from migrator.gitrepo import valid_branch_name

    options = options_from(credential, client_id_env, system_assigned, cloud)
    if not valid_branch_name(branch):
        fail(f"not a valid branch name: {branch!r}")
    if summary_file and batch_report.summary_format(summary_file) is None:
        fail(f"--summary: write a .csv or a .json file, not {summary_file!r}")
    if roles_format not in batch_report.ROLE_FORMATS:
        fail(f"--roles-format: choose one of {', '.join(batch_report.ROLE_FORMATS)}")
    if reset and patch_dir:
        fail("--reset removes branches; it does not go with --patch-dir")
    if dry_run and (reset or patch_dir):
        fail(
            f"--dry-run writes nothing; it does not go with {'--reset' if reset else '--patch-dir'}"
        )
    if table_format not in batch_report.TABLE_FORMATS:
        fail(f"--format: choose one of {', '.join(batch_report.TABLE_FORMATS)}")
    if jobs is not None and jobs < 1:
        fail("--jobs must be at least 1")
    try:
        paths = batch.expand_repositories(list(repos or []), list(repos_file or []))
    except batch.BatchInputError as exc:
        fail(str(exc))
    if not paths:
        fail("no repositories given: pass paths, @FILE or --repos-file")

    settings = batch.BatchSettings(
        branch=branch, allow_dirty=allow_dirty, patch_dir=patch_dir, dry_run=dry_run
    )
    progress = _Progress(len(paths))
    outcome = batch.run_batch(paths, options, settings, jobs, progress.step, reset=reset)
    progress.close()

    results = outcome.results
    if table_format == "markdown":
        typer.echo(batch_report.render_markdown(results), nl=False)
    else:
        typer.echo(batch_report.render_table(results, terminal_width()), nl=False)
    typer.echo(batch_report.summary(results, outcome.interrupted))
    if summary_file:
        render = batch_report.summary_format(summary_file)
        assert render is not None
        _write(summary_file, render(results))
    if not reset:
        text = batch_report.render_roles(results, roles_format)
        if roles_out:
            _write(roles_out, text)
        elif text:
            typer.echo("")
            typer.echo("Role assignments the migrated code needs, per repository:")
            typer.echo(text, nl=False)
    if outcome.interrupted:
        typer.echo("aoai-migrate: interrupted; repositories not reached are untouched", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)
    raise typer.Exit(EXIT_FAILED if any(r.problem for r in results) else EXIT_OK)


def _write(name: str, text: str) -> None:
    from migrator.batch_repo import write_file

    path = Path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(path, text.encode("utf-8"))
    except OSError as exc:
        fail(f"cannot write {name}: {exc.strerror or exc}", EXIT_FAILED)


class _Progress:
    """A bar across repositories on standard error, only when it is a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self.enabled = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
        self._draw()

    def step(self, _result: object) -> None:
        self.count += 1
        self._draw()

    def _draw(self) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * self.count // max(self.total, 1)
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.count}/{self.total} repositories"
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
