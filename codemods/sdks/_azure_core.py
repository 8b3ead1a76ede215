"""What azure-ai-inference and azure-search-documents share: an azure-core credential argument."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from codemods.findings import KEYLESS, MANUAL
from codemods.sdks._model import CREDENTIAL, ClientSpec, Verdict

# LibCST is imported when a hook runs: the quick path reads the registry without the parser.
if TYPE_CHECKING:
    import libcst as cst

    from codemods.hook_view import HookView

KEY_CREDENTIAL = "azure.core.credentials.AzureKeyCredential"
# azure-identity credentials (sync and aio) are TokenCredentials: already keyless.
_IDENTITY = re.compile(r"^azure\.identity(\.aio)?\.[A-Za-z]+Credential$")


def paths(cls: str, *modules: str) -> tuple[str, ...]:
    return tuple(f"{m}.{cls}" for m in modules)


def spec(
    sdk: str, cls: str, modules: tuple[str, ...], *, decide: Any, **changes: Any
) -> ClientSpec:
    return ClientSpec(
        sdk=sdk,
        label=f"{modules[0]}.{cls}",
        names=paths(cls, *modules),
        key_args=("credential",),
        keyless_args=(),
        static_token_args=(),
        token_arg="credential",
        supplies=CREDENTIAL,
        token_replaces_key_in_place=True,
        reads_env_key=False,
        endpoint_args=("endpoint",),
        decide=decide,
        **changes,
    )


def source(node: cst.CSTNode) -> str:
    import libcst as cst

    return cst.Module([]).code_for_node(node)


def credential_verdict(migration: HookView, present: dict[str, cst.Arg]) -> Verdict | None:
    credential = present.get("credential")
    if credential is None:
        return Verdict(MANUAL, "no credential argument is visible; pass a TokenCredential")
    kind = credential_kind(migration, credential.value)
    if kind == "key":
        return None
    if kind == "token":
        return Verdict(KEYLESS, "credential is already a TokenCredential")
    origin = _imported(migration, credential.value)
    where = (
        f" (it is imported from `{origin}`: a credential is not followed into another module)"
        if origin
        else ""
    )
    return Verdict(
        MANUAL,
        f"cannot tell whether `{source(credential.value)}` is an AzureKeyCredential or a "
        f"TokenCredential{where}; if it is a key, pass the module's token credential instead",
    )


def _imported(migration: HookView, value: cst.BaseExpression) -> str | None:
    """The module a plain name passed as the credential is imported from (``config`` for
    ``from config import credential``; relative imports keep their dots)."""
    import libcst as cst

    from codemods.resolve import qualified_names  # resolve reads the registry: import when used

    if not isinstance(value, cst.Name) or migration.module_value(value.value) is not None:
        return None
    for name in sorted(qualified_names(migration, value)):
        module, _, attr = name.rpartition(".")
        if attr == value.value and module:
            return module
    return None


def credential_kind(migration: HookView, value: cst.BaseExpression, depth: int = 0) -> str:
    """``key`` (an AzureKeyCredential), ``token`` (an azure-identity credential) or ``unknown``."""
    import libcst as cst

    from codemods.resolve import qualified_names  # resolve reads the registry: import when used

    if isinstance(value, cst.Name) and depth < 3:
        assigned = migration.module_value(value.value)
        if assigned is not None:
            return credential_kind(migration, assigned, depth + 1)
        if value.value in migration.credential_names():
            return "token"
        return "unknown"
    if isinstance(value, cst.Call):
        names = qualified_names(migration, value.func)
        if KEY_CREDENTIAL in names or any(n.endswith(".AzureKeyCredential") for n in names):
            return "key"
        if any(_IDENTITY.match(n) for n in names):
            return "token"
        if (
            isinstance(value.func, cst.Name)
            and value.func.value in migration.token_credential_classes()
        ):
            return "token"  # a class of the module that subclasses azure-core's TokenCredential
    return "unknown"
