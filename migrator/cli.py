"""Command-line parsing only: options in, ``api`` called, the report printed, an exit code out."""

from __future__ import annotations

import importlib
import sys

import typer

from migrator import api, cli_gate, cli_help, cli_output, cli_roles, cli_stdin, formats
from migrator.cli_common import (
    ClientIdEnvOpt,
    CloudOpt,
    ConfigOpt,
    CredentialOpt,
    EditDependencyFilesOpt,
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
    configured_options,
    fail,
)
from migrator.commands import COMMANDS
from migrator.discovery import DiscoveryError
from migrator.engine import MODE_CHECK, MODE_DIFF, MODE_WRITE
from migrator.progress import ProgressBar

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Move Azure OpenAI code from API keys to Microsoft Entra ID tokens.",
    epilog=cli_help.EXAMPLES,
    context_settings=cli_help.CONTEXT,
)
app.callback()(cli_help.root_options)


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
        False,
        "--check",
        help="Write nothing; exit 1 when anything would change or an error finding remains.",
    ),
    exit_zero: bool = cli_gate.ExitZeroOpt,
    select: list[str] | None = cli_gate.SelectOpt,
    ignore: list[str] | None = cli_gate.IgnoreOpt,
    extend_select: list[str] | None = cli_gate.ExtendSelectOpt,
    extend_ignore: list[str] | None = cli_gate.ExtendIgnoreOpt,
    statistics: bool = cli_gate.StatisticsOpt,
    diff: bool = typer.Option(
        False,
        "--diff",
        help="Print unified diffs, write nothing; exit 1 when anything would change.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only what fails."),
    show_roles: bool = typer.Option(
        False, "--roles", help="Print the role assignments with --check, --diff or --dry-run too."
    ),
    stdin_filename: str | None = typer.Option(
        None, "--stdin-filename", metavar="PATH", help="The name of the file read from `-`."
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
    edit_dependency_files: bool = EditDependencyFilesOpt,
) -> None:
    """Rewrite key-based Azure OpenAI clients to Entra ID token providers, in place."""
    problem = cli_stdin.misuse(paths, stdin_filename)
    if problem:
        fail(problem)
    from_stdin = paths == [cli_stdin.STDIN]
    settings = configured(ctx, [stdin_filename or ""] if from_stdin else paths, config)
    v = settings.values
    cli_gate.check_rules(ctx, v, settings.config_path)
    options = configured_options(settings)
    # --check --dry-run prints the patch and exits 1, as black's --check --diff does.
    mode = MODE_DIFF if v["dry_run"] or v["diff"] else MODE_CHECK if v["check"] else MODE_WRITE
    exit_on_change = bool(v["diff"] or v["check"])
    fmt = cli_roles.check_format(v["roles_format"])
    shown_roles = fmt if mode == MODE_WRITE or v["show_roles"] else None
    if from_stdin:
        if v["roles_out"]:
            fail("--roles-out takes files, not `-`: use `aoai-migrate roles PATH --roles-out FILE`")
        show = cli_stdin.Shown(
            v["format"], v["verbose"], v["quiet"], fmt if v["show_roles"] else None
        )
        code = cli_stdin.run_stdin(
            stdin_filename or "",
            options,
            mode,
            settings.selection(),
            exit_on_change,
            show,
            lambda report: cli_gate.settle_options(report, v),
        )
        raise typer.Exit(code)
    if v["roles_out"] and mode != MODE_WRITE:
        fail(
            "--dry-run and --check write nothing: "
            "use `aoai-migrate roles PATH --roles-out FILE` instead"
        )
    bar = ProgressBar(sys.stderr)
    try:
        report = api.run(
            paths,
            options,
            mode,
            v["jobs"],
            bar.advance,
            settings.selection(),
            bar.set_total,
            edit_dependency_files=v["edit_dependency_files"],
        )
    except DiscoveryError as exc:
        fail(str(exc))
    except KeyboardInterrupt:  # before any file was processed (the run itself reports its own)
        bar.close()
        sys.stderr.write("aoai-migrate: interrupted; no file was changed\n")
        raise typer.Exit(130) from None
    finally:
        bar.close()
    report.exit_on_change = exit_on_change
    if v["roles_out"] and not report.interrupted:
        cli_roles.write_roles(report, fmt, v["roles_out"])
    quiet_patch = cli_output.patch_of(report) if v["quiet"] and mode == MODE_DIFF else ""
    cli_gate.finish(report, v, None if v["roles_out"] else shown_roles, quiet_patch)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    unknown = cli_help.unknown_command(args)
    if unknown:
        typer.echo(f"aoai-migrate: error: {unknown}", err=True)
        sys.exit(2)
    if args[:2] == ["batch", "merge"]:  # a subcommand of batch, whose arguments are paths
        args[:2] = ["batch-merge"]
    # `aoai-migrate PATH...` means `aoai-migrate migrate PATH...`.
    if (
        args
        and args[0] not in COMMANDS + ("batch-merge",)
        and args[0] not in ("--help", "-h", "--version", "-V")
    ):
        args.insert(0, "migrate")
    if args and args[0] in ("--version", "-V"):
        from migrator import __version__

        print(f"aoai-migrate {__version__}")
        return
    try:
        code = cli_help.invoke(cli_help.tidy(typer.main.get_command(app)), args)
    except KeyboardInterrupt:  # outside a command (while starting up): no traceback either
        sys.stderr.write("aoai-migrate: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - a bug: its own exit code, never 1 ("would change")
        formats.internal_error(exc)
    sys.exit(code)
