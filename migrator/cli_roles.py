"""`aoai-migrate roles PATH...`: the role assignments the code needs, without rewriting anything.

Also the two options the main command shares with it: ``--roles-format`` and ``--roles-out``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import typer

from migrator import api
from migrator.cli_common import (
    ClientIdEnvOpt,
    CloudOpt,
    ConfigOpt,
    CredentialOpt,
    ExcludeOpt,
    ExtendExcludeOpt,
    ForceExcludeOpt,
    IncludeGeneratedOpt,
    IncludeOpt,
    IncludeTestsOpt,
    RespectGitignoreOpt,
    SystemAssignedOpt,
    configured,
    configured_options,
    fail,
)
from migrator.discovery import DiscoveryError
from migrator.engine import MODE_CHECK
from migrator.report import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, Report
from migrator.role_formats import FORMATS

RolesFormatOpt = typer.Option(
    "az", "--roles-format", help="How to give the role assignments: az | bicep | terraform | json."
)
RolesOutOpt = typer.Option(
    None, "--roles-out", help="Write the role assignments to this file instead."
)


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        fail(f"unknown --roles-format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return fmt


def write_roles(report: Report, fmt: str, out: str) -> None:
    """Write the rendered assignments to ``out`` in one rename, and say so on stderr."""
    from migrator.fsio import atomic_write

    target = Path(out)
    data = report.render_roles(fmt).encode()
    try:
        if target.exists():
            atomic_write(target, data)
        else:  # a new file: written under a temporary name, then renamed into place
            fd, tmp = tempfile.mkstemp(prefix=".aoai-migrate-", suffix=".tmp", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}", EXIT_FAILED)
    count = len(report.assignments())
    typer.echo(
        f"aoai-migrate: wrote {count} role assignment{'s' if count != 1 else ''} ({fmt}) to {out}",
        err=True,
    )


def register(app: typer.Typer) -> None:
    @app.command("roles")
    def roles_command(
        ctx: typer.Context,
        paths: list[str] = typer.Argument(..., help="Files or directories to analyse."),
        roles_format: str = RolesFormatOpt,
        roles_out: str | None = RolesOutOpt,
        credential: str = CredentialOpt,
        client_id_env: str = ClientIdEnvOpt,
        system_assigned: bool = SystemAssignedOpt,
        cloud: str = CloudOpt,
        jobs: int | None = typer.Option(
            None, "--jobs", "-j", min=1, help="Worker processes (default: the CPU count)."
        ),
        exclude: list[str] | None = ExcludeOpt,
        extend_exclude: list[str] | None = ExtendExcludeOpt,
        include: list[str] | None = IncludeOpt,
        force_exclude: bool = ForceExcludeOpt,
        respect_gitignore: bool = RespectGitignoreOpt,
        include_generated: bool = IncludeGeneratedOpt,
        include_tests: bool = IncludeTestsOpt,
        config: str | None = ConfigOpt,
    ) -> None:
        """List the role assignments the code needs (also for code that is already keyless); rewrite nothing."""  # noqa: E501 -- typer shows this docstring as the command's help, line breaks included
        settings = configured(ctx, paths, config)
        v = settings.values
        roles_out = v["roles_out"]
        fmt = check_format(v["roles_format"])
        options = configured_options(settings)
        try:
            report = api.run(paths, options, MODE_CHECK, v["jobs"], selection=settings.selection())
        except DiscoveryError as exc:
            fail(str(exc))
        for result in sorted(report.results, key=lambda r: r.path):
            if result.error:
                typer.echo(
                    f"aoai-migrate: {result.path}: {result.error}; its calls are not counted",
                    err=True,
                )
        if report.interrupted:
            typer.echo("aoai-migrate: interrupted", err=True)
            raise typer.Exit(EXIT_INTERRUPTED)
        if roles_out:
            write_roles(report, fmt, roles_out)
        else:
            typer.echo(report.render_roles(fmt), nl=False)
        raise typer.Exit(EXIT_FAILED if report.failed else EXIT_OK)
