"""Command-line parsing only: options in, ``api`` called, the report printed, an exit code out."""

from __future__ import annotations

import importlib
import sys

import typer

from migrator import api, cli_roles, formats
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
    VerboseOpt,
    configured,
    fail,
    options_from,
)
from migrator.commands import COMMANDS
from migrator.discovery import DiscoveryError
from migrator.engine import MODE_CHECK, MODE_DIFF, MODE_WRITE
from migrator.progress import ProgressBar

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Move Azure OpenAI code from API keys to Microsoft Entra ID tokens.",
)


def _register_commands() -> None:
    """Commands that live in their own modules (one line each)."""
    for name in ("cli_roles", "cli_verify", "cli_batch", "cli_batch_merge"):
        importlib.import_module(f"migrator.{name}").register(app)


@app.command("migrate")
def migrate(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., help="Files or directories to migrate."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print unified diffs; write nothing."),
    check: bool = typer.Option(
        False, "--check", help="Write nothing; exit 1 when anything would change."
    ),
    credential: str = CredentialOpt,
    client_id_env: str = ClientIdEnvOpt,
    system_assigned: bool = SystemAssignedOpt,
    cloud: str = CloudOpt,
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", min=1, help="Worker processes (default: the CPU count)."
    ),
    format: formats.Format = typer.Option(
        formats.Format.text, "--format", help="Output: text, json, sarif or github (annotations)."
    ),
    exclude: list[str] | None = ExcludeOpt,
    extend_exclude: list[str] | None = ExtendExcludeOpt,
    include: list[str] | None = IncludeOpt,
    force_exclude: bool = ForceExcludeOpt,
    respect_gitignore: bool = RespectGitignoreOpt,
    include_generated: bool = IncludeGeneratedOpt,
    include_tests: bool = IncludeTestsOpt,
    verbose: bool = VerboseOpt,
    config: str | None = ConfigOpt,
    roles_format: str = cli_roles.RolesFormatOpt,
    roles_out: str | None = cli_roles.RolesOutOpt,
) -> None:
    """Rewrite key-based Azure OpenAI clients to Entra ID token providers, in place."""
    settings = configured(ctx, paths, config)
    v = settings.values
    options = options_from(v["credential"], v["client_id_env"], v["system_assigned"], v["cloud"])
    mode = MODE_CHECK if v["check"] else MODE_DIFF if v["dry_run"] else MODE_WRITE
    fmt = cli_roles.check_format(v["roles_format"])
    if v["roles_out"] and mode != MODE_WRITE:
        fail(
            "--dry-run and --check write nothing: "
            "use `aoai-migrate roles PATH --roles-out FILE` instead"
        )
    bar = ProgressBar(sys.stderr)
    try:
        report = api.run(
            paths, options, mode, v["jobs"], bar.advance, settings.selection(), bar.set_total
        )
    except DiscoveryError as exc:
        fail(str(exc))
    except KeyboardInterrupt:  # before any file was processed (the run itself reports its own)
        bar.close()
        sys.stderr.write("aoai-migrate: interrupted; no file was changed\n")
        raise typer.Exit(130) from None
    finally:
        bar.close()
    if v["roles_out"] and not report.interrupted:
        cli_roles.write_roles(report, fmt, v["roles_out"])
    formats.emit(report, v["format"], v["verbose"], None if v["roles_out"] else fmt)
    raise typer.Exit(report.return_code)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:2] == ["batch", "merge"]:  # a subcommand of batch, whose arguments are paths
        args[:2] = ["batch-merge"]
    # `aoai-migrate PATH...` means `aoai-migrate migrate PATH...`.
    if (
        args
        and args[0] not in COMMANDS + ("batch-merge",)
        and args[0] not in ("--help", "-h", "--version")
    ):
        args.insert(0, "migrate")
    if args and args[0] == "--version":
        from migrator import __version__

        print(f"aoai-migrate {__version__}")
        return
    try:
        app(args=args, prog_name="aoai-migrate")
    except KeyboardInterrupt:  # outside a command (while starting up): no traceback either
        sys.stderr.write("aoai-migrate: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - a bug: its own exit code, never 1 ("would change")
        formats.internal_error(exc)
