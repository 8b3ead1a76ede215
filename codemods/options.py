"""The choices that shape the code a migration writes."""

from __future__ import annotations

from dataclasses import dataclass

CREDENTIAL_KINDS = ("managed-identity", "default", "chained")
CLOUDS = ("public", "usgov", "china")
# What a notebook gets when nobody chose a credential: it runs on a developer's machine as often
# as on Azure, so the managed identity is tried first and the developer's sign-in next.
NOTEBOOK_CREDENTIAL = "chained"


@dataclass(frozen=True)
class CredentialOverride:
    """One ``[[tool.aoai-migrate.overrides]]`` entry: the credential settings for the files its
    globs match (``None``: not set by this entry). The globs come compiled
    (``migrator.config.compile_globs``): ``names`` matches a file's name, ``paths`` its absolute
    path (``None``: no such glob). ``label`` says where it was written, for the report."""

    names: str | None
    paths: str | None
    label: str
    credential: str | None = None
    client_id_env: str | None = None
    system_assigned: bool | None = None

    def __post_init__(self) -> None:
        if self.credential is not None and self.credential not in CREDENTIAL_KINDS:
            raise ValueError(
                f"unknown credential {self.credential!r}: "
                f"choose one of {', '.join(CREDENTIAL_KINDS)}"
            )
        if self.client_id_env is not None and not is_env_name(self.client_id_env):
            raise ValueError(f"not an environment variable name: {self.client_id_env!r}")


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
    # Functions imported from other modules of the run that only read an environment variable
    # (and raise when it is missing), as the module's import names them (".util.must_get_env"):
    # a key variable read through one is an environment read (``migrator.helper_release``).
    env_helpers: tuple[str, ...] = ()
    # Key reads through a parameter typed by a settings class of the run: ((path, import level,
    # dotted read), ...). Such a key is the project's configuration, not a caller's choice: the
    # client is migrated (``migrator.config_params`` confirms the class, ``codemods.precision``).
    config_fields: tuple[tuple[str, int, str], ...] = ()
    # Whether someone chose ``credential`` (command line, configuration, a caller of the API).
    # When not, notebooks take NOTEBOOK_CREDENTIAL (``migrator.credential_context``).
    credential_chosen: bool = True
    # Why ``credential`` is what it is: for the run as given, then for one file once resolved.
    credential_why: str = ""
    # Per-path settings, in the order written: a later entry wins where two set the same key.
    path_overrides: tuple[CredentialOverride, ...] = ()
    # What the project's own files give configuration names that can hold an endpoint:
    # ((name, verdict, "file:line", shown value), ...), from ``migrator.endpoint_evidence``; a v1
    # client whose base URL comes from configuration is decided by it
    # (``codemods.endpoint_decision``).
    endpoint_evidence: tuple[tuple[str, str, str, str], ...] = ()
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
        if not self.client_id_env.isidentifier() and not is_env_name(self.client_id_env):
            raise ValueError(f"not an environment variable name: {self.client_id_env!r}")
        if not all(isinstance(o, CredentialOverride) for o in self.path_overrides):
            raise TypeError("path_overrides takes CredentialOverride entries")


def is_env_name(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c == "_" for c in name) and not name[0].isdigit()
