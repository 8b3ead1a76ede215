"""Options shared by several commands, so every command spells them the same way."""

from __future__ import annotations

import typer

from codemods.options import MigrationOptions
from migrator.report import EXIT_USAGE


def options_from(credential: str, client_id_env: str, system_assigned: bool, cloud: str) -> MigrationOptions:
    try:
        return MigrationOptions(
            credential=credential, client_id_env=client_id_env, system_assigned=system_assigned, cloud=cloud
        )
    except ValueError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


def fail(message: str, code: int = EXIT_USAGE) -> None:
    typer.echo(f"aoai-migrate: error: {message}", err=True)
    raise typer.Exit(code)


CredentialOpt = typer.Option(
    "managed-identity", "--credential", help="managed-identity | default | chained (managed identity, then az login)."
)
ClientIdEnvOpt = typer.Option(
    "AZURE_CLIENT_ID", "--client-id-env", help="Environment variable holding the user-assigned identity's client id."
)
SystemAssignedOpt = typer.Option(False, "--system-assigned", help="Use the system-assigned identity (no client id).")
CloudOpt = typer.Option("public", "--cloud", help="public | usgov | china: picks the token scope.")
