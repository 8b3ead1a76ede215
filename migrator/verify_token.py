"""`aoai-migrate verify`: the credential the migrated code builds, the token it gets, and who
answered (read from the token's claims). The token stays in local variables; see
``migrator.verify`` for the rules.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from codemods.options import MigrationOptions
from migrator.verify_targets import VerifyError

# ======================================================================================
# The credential and the token
# ======================================================================================


@dataclass(frozen=True)
class CredentialInfo:
    kind: str  # managed-identity | default | chained
    expression: str  # the constructor call the migrated code contains
    client_id_env: str | None  # the variable the managed identity's client id comes from
    client_id: str | None  # its value here (a client id is an identifier, not a secret)
    note: str | None = None


def build_credential(options: MigrationOptions, environ: Mapping[str, str] | None = None):  # type: ignore[no-untyped-def]
    """The sync credential the migrated code builds for ``options``, and a description of it.

    Mirrors ``codemods.credential_setup.credential_expression`` (a test keeps the two in step).
    """
    environ = os.environ if environ is None else environ
    try:
        from azure.identity import (
            AzureCliCredential,
            ChainedTokenCredential,
            DefaultAzureCredential,
            ManagedIdentityCredential,
        )
    except ImportError:
        raise VerifyError(
            "verify needs the azure-identity package: pip install 'aoai-migrate[verify]'"
        ) from None
    from codemods.credential_setup import credential_expression  # LibCST: only when verifying

    expression, _ = credential_expression(options, is_async=False, both=False)
    client_id_env = (
        None
        if options.system_assigned or options.credential == "default"
        else options.client_id_env
    )
    client_id = environ.get(client_id_env) if client_id_env else None
    note = None
    if client_id_env and not client_id:
        note = (
            f"{client_id_env} is not set here, so the managed identity is the system-assigned one"
        )

    def managed_identity():  # type: ignore[no-untyped-def]
        if options.system_assigned:
            return ManagedIdentityCredential()
        return ManagedIdentityCredential(client_id=client_id)

    if options.credential == "default":
        credential = DefaultAzureCredential()
        if environ.get("AZURE_CLIENT_ID"):
            client_id_env, client_id = "AZURE_CLIENT_ID", environ.get("AZURE_CLIENT_ID")
    elif options.credential == "chained":
        credential = ChainedTokenCredential(managed_identity(), AzureCliCredential())
    else:
        credential = managed_identity()
    return credential, CredentialInfo(
        options.credential, expression, client_id_env, client_id, note
    )


@dataclass(frozen=True)
class Identity:
    """Who answered, read from the token's claims (never from a verified signature)."""

    credential: str  # the credential that produced the token
    chain: str | None  # the chain it belongs to (ChainedTokenCredential, DefaultAzureCredential)
    source: str | None  # for a managed identity, the kind of endpoint that served it
    tenant_id: str | None
    object_id: str | None
    app_id: str | None
    principal_type: str  # ServicePrincipal | User
    audience: str | None
    expires_on: int | None


def read_claims(token: str) -> dict:
    """The payload claims of a JWT, unverified; {} when it is not one. Never raises."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except Exception:  # noqa: BLE001 - and the message would carry part of the token
        return {}
    return data if isinstance(data, dict) else {}


def principal_type(claims: Mapping[str, object]) -> str:
    if claims.get("idtyp") == "user" or any(k in claims for k in ("scp", "upn", "unique_name")):
        return "User"
    return "ServicePrincipal"


class _IdentityLog(logging.Handler):
    """Collects azure-identity's log records while a token is acquired.

    ``ChainedTokenCredential`` (and ``DefaultAzureCredential``, a subclass) logs
    "<chain> acquired a token from <credential>" at INFO: that names the credential that answered.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._logger = logging.getLogger("azure.identity")
        self._saved: tuple[int, bool] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> _IdentityLog:
        self._saved = (self._logger.level, self._logger.propagate)
        self._logger.addHandler(self)
        self._logger.setLevel(logging.DEBUG)
        self._logger.propagate = False  # the chain's own warnings would otherwise reach stderr
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        if self._saved is not None:
            self._logger.setLevel(self._saved[0])
            self._logger.propagate = self._saved[1]

    def answered_by(self) -> str | None:
        for record in reversed(self.records):
            if record.msg == "%s acquired a token from %s" and isinstance(record.args, tuple):
                return str(record.args[1])
        return None

    def messages(self) -> list[str]:
        out = []
        for record in self.records:
            try:
                out.append(f"{record.levelname.lower()}: {record.name}: {record.getMessage()}")
            except Exception:  # noqa: BLE001 - a malformed record must not break the run
                continue
        return out


@dataclass
class _Grant:
    token: str | None = None
    identity: Identity | None = None
    error: str | None = None
    timed_out: bool = False


def _acquire(credential, scope: str, timeout: float, log: list[str]) -> _Grant:  # type: ignore[no-untyped-def]
    """Get one token in a worker thread, so a hanging source (IMDS, a CLI) cannot hang verify."""
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["token"] = credential.get_token(scope).token
        except BaseException as exc:  # noqa: BLE001 - reported, never re-raised
            box["error"] = exc

    with _IdentityLog() as capture:
        thread = threading.Thread(target=work, name="aoai-migrate-verify-token", daemon=True)
        thread.start()
        thread.join(timeout)
        log.extend(capture.messages())
        answered = capture.answered_by()
    if thread.is_alive():
        return _Grant(error=f"no token within {timeout:g} s", timed_out=True)
    if "error" in box:
        exc = box["error"]
        return _Grant(error=f"{type(exc).__name__}: {exc}")
    token = str(box["token"])
    chain_types = tuple(getattr(c, "__name__", "") for c in type(credential).__mro__)
    is_chain = "ChainedTokenCredential" in chain_types
    answering = getattr(credential, "_successful_credential", None) if is_chain else credential
    name = answered or (
        type(answering).__name__ if answering is not None else type(credential).__name__
    )
    inner = getattr(answering, "_credential", None)
    source = (
        type(inner).__name__ if inner is not None and name == "ManagedIdentityCredential" else None
    )
    claims = read_claims(token)
    identity = Identity(
        credential=name,
        chain=type(credential).__name__ if is_chain else None,
        source=source,
        tenant_id=_str(claims.get("tid")),
        object_id=_str(claims.get("oid")),
        app_id=_str(claims.get("appid") or claims.get("azp")),
        principal_type=principal_type(claims),
        audience=_str(claims.get("aud")),
        expires_on=claims.get("exp") if isinstance(claims.get("exp"), int) else None,
    )
    return _Grant(token=token, identity=identity)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
