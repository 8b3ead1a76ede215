"""Command-line parsing only: options in, ``api`` called, the report printed, an exit code out."""

from __future__ import annotations

import importlib
import sys
from typing import List, Optional

import typer

from migrator import api
from migrator.cli_common import (
    ClientIdEnvOpt,
    CloudOpt,
    CredentialOpt,
    SystemAssignedOpt,
    fail,
    options_from,
)
from migrator.discovery import DiscoveryError
from migrator.engine import MODE_CHECK, MODE_DIFF, MODE_WRITE

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Move Azure OpenAI code from API keys to Microsoft Entra ID tokens.",
)

COMMANDS = ("migrate", "roles", "verify", "batch")


def _register_commands() -> None:
    """Commands that live in their own modules (one line each)."""
    for name in ("cli_verify", "cli_batch"):
        importlib.import_module(f"migrator.{name}").register(app)


@app.command("migrate")
def migrate(
    paths: List[str] = typer.Argument(..., help="Files or directories to migrate."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print unified diffs; write nothing."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 when anything would change."),
    credential: str = CredentialOpt,
    client_id_env: str = ClientIdEnvOpt,
    system_assigned: bool = SystemAssignedOpt,
    cloud: str = CloudOpt,
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes (default: the CPU count)."),
) -> None:
    """Rewrite key-based Azure OpenAI clients to Entra ID token providers, in place."""
    options = options_from(credential, client_id_env, system_assigned, cloud)
    mode = MODE_CHECK if check else MODE_DIFF if dry_run else MODE_WRITE
    try:
        report = api.run(paths, options, mode, jobs)
    except DiscoveryError as exc:
        fail(str(exc))
    if mode == MODE_DIFF:
        for result in sorted(report.results, key=lambda r: r.path):
            if result.diff:
                sys.stdout.write(result.diff)
        sys.stdout.flush()
    # With --dry-run, stdout carries only the patch; the report goes to stderr.
    typer.echo(report.render_text(), nl=False, err=mode == MODE_DIFF)
    if report.interrupted:
        typer.echo("aoai-migrate: interrupted; files already written are complete, the rest untouched", err=True)
    raise typer.Exit(report.return_code)


@app.command("roles")
def roles_command(
    paths: List[str] = typer.Argument(..., help="Files or directories to analyse."),
    credential: str = CredentialOpt,
    client_id_env: str = ClientIdEnvOpt,
    system_assigned: bool = SystemAssignedOpt,
    cloud: str = CloudOpt,
) -> None:
    """List the role assignments the code needs, without rewriting anything."""
    from migrator import roles

    options = options_from(credential, client_id_env, system_assigned, cloud)
    try:
        report = api.run(paths, options, MODE_CHECK)
    except DiscoveryError as exc:
        fail(str(exc))
    typer.echo(roles.az_commands(report.assignments()))


_register_commands()


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    # `aoai-migrate PATH...` means `aoai-migrate migrate PATH...`.
    if args and args[0] not in COMMANDS and args[0] not in ("--help", "-h", "--version"):
        args.insert(0, "migrate")
    if args and args[0] == "--version":
        from migrator import __version__

        print(f"aoai-migrate {__version__}")
        return
    app(args=args, prog_name="aoai-migrate")
