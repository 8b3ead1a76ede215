"""Command-line parsing only: options in, ``api`` called, the report printed, an exit code out."""

from __future__ import annotations

import importlib
import sys
from typing import List, Optional

import typer

from migrator import api, cli_roles
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
    for name in ("cli_roles", "cli_verify", "cli_batch"):
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
    roles_format: str = cli_roles.RolesFormatOpt,
    roles_out: Optional[str] = cli_roles.RolesOutOpt,
) -> None:
    """Rewrite key-based Azure OpenAI clients to Entra ID token providers, in place."""
    options = options_from(credential, client_id_env, system_assigned, cloud)
    mode = MODE_CHECK if check else MODE_DIFF if dry_run else MODE_WRITE
    fmt = cli_roles.check_format(roles_format)
    if roles_out and mode != MODE_WRITE:
        fail("--dry-run and --check write nothing: use `aoai-migrate roles PATH --roles-out FILE` instead")
    try:
        report = api.run(paths, options, mode, jobs)
    except DiscoveryError as exc:
        fail(str(exc))
    if mode == MODE_DIFF:
        for result in sorted(report.results, key=lambda r: r.path):
            if result.diff:
                sys.stdout.write(result.diff)
        sys.stdout.flush()
    if roles_out and not report.interrupted:
        cli_roles.write_roles(report, fmt, roles_out)
    # With --dry-run, stdout carries only the patch; the report goes to stderr.
    typer.echo(report.render_text(None if roles_out else fmt), nl=False, err=mode == MODE_DIFF)
    if report.interrupted:
        typer.echo("aoai-migrate: interrupted; files already written are complete, the rest untouched", err=True)
    raise typer.Exit(report.return_code)


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
