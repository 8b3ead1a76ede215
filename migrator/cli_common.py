"""Options shared by several commands, so every command spells them the same way."""

from __future__ import annotations

from dataclasses import replace

import typer

from codemods.options import MigrationOptions
from migrator.report import EXIT_USAGE, printable


def options_from(
    credential: str, client_id_env: str, system_assigned: bool, cloud: str
) -> MigrationOptions:
    try:
        return MigrationOptions(
            credential=credential,
            client_id_env=client_id_env,
            system_assigned=system_assigned,
            cloud=cloud,
        )
    except ValueError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


def configured_options(settings) -> MigrationOptions:  # type: ignore[no-untyped-def]
    """The options a run over files takes from resolved settings (``migrator.config.Resolved``):
    the credential choices, whether someone chose the credential, and the per-path overrides."""
    v = settings.values
    options = options_from(v["credential"], v["client_id_env"], v["system_assigned"], v["cloud"])
    return replace(
        options,
        credential_chosen=bool(settings.credential_why),
        credential_why=settings.credential_why or "default",
        path_overrides=settings.overrides,
    )


def configured(ctx: typer.Context, paths: list[str], config_file: str | None = None):  # type: ignore[no-untyped-def]
    """The command's options with ``[tool.aoai-migrate]`` applied (see migrator.config); exit 2
    on a bad file."""
    from migrator.config import ConfigError, resolve

    try:
        return resolve(ctx, paths, config_file)
    except ConfigError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


def fail(message: str, code: int = EXIT_USAGE) -> None:
    typer.echo(f"aoai-migrate: error: {printable(message)}", err=True)
    raise typer.Exit(code)


CredentialOpt = typer.Option(
    "managed-identity",
    "--credential",
    help=(
        "managed-identity | default | chained (managed identity, then az login). "
        "Unless chosen: chained for notebooks, managed-identity for the rest."
    ),
)
ClientIdEnvOpt = typer.Option(
    "AZURE_CLIENT_ID",
    "--client-id-env",
    help="Environment variable holding the user-assigned identity's client id.",
)
SystemAssignedOpt = typer.Option(
    False, "--system-assigned", help="Use the system-assigned identity (no client id)."
)
CloudOpt = typer.Option("public", "--cloud", help="public | usgov | china: picks the token scope.")

# Which files a run looks at (see migrator.discovery) and where its configuration comes from.
ExcludeOpt = typer.Option(
    None,
    "--exclude",
    metavar="GLOB",
    help="Files and directories to skip, replacing the default list (repeat or comma-separate).",
)
ExtendExcludeOpt = typer.Option(
    None,
    "--extend-exclude",
    metavar="GLOB",
    help="Files and directories to skip, in addition to the excluded ones.",
)
IncludeOpt = typer.Option(
    None, "--include", metavar="GLOB", help="Files a directory walk takes (default: *.py, *.ipynb)."
)
ForceExcludeOpt = typer.Option(
    False,
    "--force-exclude/--no-force-exclude",
    help="Apply the exclusions to paths named on the command line too (pre-commit).",
)
RespectGitignoreOpt = typer.Option(
    True,
    "--respect-gitignore/--no-respect-gitignore",
    help="Skip what .gitignore, .git/info/exclude and git's global excludes ignore.",
)
IncludeGeneratedOpt = typer.Option(
    False,
    "--include-generated/--no-include-generated",
    help="Also migrate files marked @generated or DO NOT EDIT.",
)
IncludeTestsOpt = typer.Option(
    False,
    "--include-tests/--no-include-tests",
    help="Also migrate test code (tests/, test_*.py, *_test.py, conftest.py).",
)
ConfigOpt = typer.Option(
    None,
    "--config",
    metavar="FILE",
    help=(
        "Read the tool.aoai-migrate table of this TOML file instead of the nearest pyproject.toml."
    ),
)
VerboseOpt = typer.Option(
    False, "--verbose/--no-verbose", "-v", help="Also list the files that were skipped, and why."
)
EditDependencyFilesOpt = typer.Option(
    False,
    "--edit-dependency-files/--no-edit-dependency-files",
    help=(
        "Also edit dependency files (requirements*.txt, pyproject.toml...) not named on the "
        "command line nor under a named directory; without it they get findings."
    ),
)
