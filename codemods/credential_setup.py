"""The module-level credential and token-provider statements a migrated module needs.

One sync and/or one async setup per module, built once and shared by every client in it:

    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
    token_provider = get_bearer_token_provider(credential, "https://cognitiveservices.azure.com/.default")

Async code gets the same from ``azure.identity.aio``, under names that cannot collide with the
sync ones when a module needs both.

Every name the setup reads (``os``, ``ManagedIdentityCredential``, ``get_bearer_token_provider``,
``azure`` ...) comes from an ``ImportNeed`` passed through a ``bind`` function: the caller gives
the need an alias (``import os as _os``) when the module binds that name to something else, and
the setup is spelled with the name the import actually binds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from codemods.options import MigrationOptions
from codemods.targets import scope_for

SYNC_MODULE = "azure.identity"
ASYNC_MODULE = "azure.identity.aio"


@dataclass(frozen=True)
class ImportNeed:
    module: str
    obj: str | None = None
    asname: str | None = None

    @property
    def local(self) -> str:
        """The name this import binds (``azure`` for ``import azure.identity.aio``)."""
        if self.asname is not None:
            return self.asname
        return self.obj if self.obj is not None else self.module.split(".", 1)[0]

    @property
    def spelled(self) -> str:
        """How the setup reaches what was imported: ``X``, ``_X``, ``os``,
        ``azure.identity.aio``."""
        return self.asname or self.obj or self.module


Bind = Callable[[ImportNeed], ImportNeed]


def _as_is(need: ImportNeed) -> ImportNeed:
    return need


@dataclass
class SetupPlan:
    """Names chosen for one kind (sync or async) in one module, and what they need."""

    is_async: bool
    credential_name: str
    provider_names: dict[str, str] = field(default_factory=dict)  # scope -> provider variable
    credential_used: bool = False  # some client takes the credential itself


def credential_expression(
    options: MigrationOptions, *, is_async: bool, both: bool, bind: Bind = _as_is
) -> tuple[str, list[ImportNeed]]:
    """Source of the credential constructor call, and the imports it needs.

    When a module needs both kinds, the async names are spelled through ``import
    azure.identity.aio`` so they cannot collide with the sync ones.
    """
    module = ASYNC_MODULE if is_async else SYNC_MODULE
    imports: list[ImportNeed] = []

    def use(need: ImportNeed) -> str:
        need = bind(need)
        imports.append(need)
        return need.spelled

    def name(obj: str) -> str:
        if is_async and both:
            return f"{use(ImportNeed(ASYNC_MODULE))}.{obj}"
        return use(ImportNeed(module, obj))

    def managed_identity() -> str:
        cls = name("ManagedIdentityCredential")
        if options.system_assigned:
            return f"{cls}()"
        os_name = use(ImportNeed("os"))
        return f'{cls}(client_id={os_name}.getenv("{options.client_id_env}"))'

    if options.credential == "default":
        return f"{name('DefaultAzureCredential')}()", imports
    if options.credential == "chained":
        mi = managed_identity()
        return f"{name('ChainedTokenCredential')}({mi}, {name('AzureCliCredential')}())", imports
    return managed_identity(), imports


def _split_call(expr: str) -> tuple[str, list[str]]:
    """``F(a, g(b, c))`` -> (``F``, [``a``, ``g(b, c)``]), for source this module writes."""
    callee, _, rest = expr.partition("(")
    inner = rest[:-1]
    args: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(inner):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            args.append(inner[start:i].strip())
            start = i + 1
    if inner.strip():
        args.append(inner[start:].strip())
    return callee, args


def provider_function(*, is_async: bool, both: bool, bind: Bind = _as_is) -> tuple[str, ImportNeed]:
    if is_async and both:
        need = bind(ImportNeed(ASYNC_MODULE))
        return f"{need.spelled}.get_bearer_token_provider", need
    module = ASYNC_MODULE if is_async else SYNC_MODULE
    need = bind(ImportNeed(module, "get_bearer_token_provider"))
    return need.spelled, need


def build_statements(
    plans: list[SetupPlan], options: MigrationOptions, bind: Bind = _as_is
) -> tuple[list[cst.BaseStatement], list[ImportNeed]]:
    both = len(plans) > 1
    statements: list[str] = []
    imports: list[ImportNeed] = []
    for plan in plans:
        expr, needs = credential_expression(options, is_async=plan.is_async, both=both, bind=bind)
        imports.extend(needs)
        statements.append(_assignment(plan.credential_name, *_split_call(expr)))
        if plan.provider_names:
            func, need = provider_function(is_async=plan.is_async, both=both, bind=bind)
            imports.append(need)
            for scope, provider in plan.provider_names.items():
                statements.append(_assignment(provider, func, [plan.credential_name, f'"{scope}"']))
    return [cst.parse_statement(s) for s in statements], imports


def _assignment(target: str, callee: str, args: list[str], width: int = 88) -> str:
    """``target = callee(args)`` laid out as black lays it out."""
    head = f"{target} = {callee}("
    joined = ", ".join(args)
    if len(head) + len(joined) + 1 <= width:
        return f"{head}{joined})\n"
    if 4 + len(joined) <= width:
        return f"{head}\n    {joined}\n)\n"
    lines = "".join(f"    {arg},\n" for arg in args)
    return f"{head}\n{lines})\n"


def scope(options: MigrationOptions, service: str) -> str:
    return scope_for(service, options.cloud)


def component_provider_statements(
    providers: dict[str, str], bind: Bind = _as_is
) -> tuple[list[cst.BaseStatement], list[ImportNeed]]:
    """autogen's ``AzureTokenProvider(DefaultAzureCredential(), scope)``, the provider its
    component config can dump and load (it only knows DefaultAzureCredential)."""
    if not providers:
        return [], []
    imports = [
        bind(ImportNeed("autogen_ext.auth.azure", "AzureTokenProvider")),
        bind(ImportNeed(SYNC_MODULE, "DefaultAzureCredential")),
    ]
    provider, credential = (need.spelled for need in imports)
    statements = [
        cst.parse_statement(_assignment(name, provider, [f"{credential}()", f'"{scope}"']))
        for scope, name in providers.items()
    ]
    return statements, imports
