"""The choices that shape the code a migration writes."""

from __future__ import annotations

from dataclasses import dataclass

CREDENTIAL_KINDS = ("managed-identity", "default", "chained")
CLOUDS = ("public", "usgov", "china")


@dataclass(frozen=True)
class MigrationOptions:
    credential: str = "managed-identity"
    client_id_env: str = "AZURE_CLIENT_ID"
    system_assigned: bool = False
    cloud: str = "public"
    # Module-level key variables another module of the run imports, with where it does:
    # ((name, "main.py:3"), ...). The key clean-up keeps them (``migrator.key_importers``).
    kept_names: tuple[tuple[str, str], ...] = ()
    # Module-level key variables whose only readers in the run were key arguments the run's
    # other modules had rewritten, with where they were: ((name, "app.py:10"), ...). The key
    # clean-up treats them as dropped keys (``migrator.key_release``).
    released_names: tuple[tuple[str, str], ...] = ()
    # Key reads through a parameter typed by a settings class of the run: ((path, import level,
    # dotted read), ...). Such a key is the project's configuration, not a caller's choice: the
    # client is migrated (``migrator.config_params`` confirms the class, ``codemods.precision``).
    config_fields: tuple[tuple[str, int, str], ...] = ()
    # Lines of one module that carry an ``# aoai-migrate: ignore`` comment: a client call there is
    # left as it is (``codemods.suppressed``). Set per module by the run.
    suppressed_lines: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.credential not in CREDENTIAL_KINDS:
            raise ValueError(
                f"unknown credential {self.credential!r}: "
                f"choose one of {', '.join(CREDENTIAL_KINDS)}"
            )
        if self.cloud not in CLOUDS:
            raise ValueError(f"unknown cloud {self.cloud!r}: choose one of {', '.join(CLOUDS)}")
        if not self.client_id_env.isidentifier() and not _is_env_name(self.client_id_env):
            raise ValueError(f"not an environment variable name: {self.client_id_env!r}")


def _is_env_name(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c == "_" for c in name) and not name[0].isdigit()
