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

from collections.abc import Callable, Iterator, Sequence
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


def build_statements(
    plans: list[SetupPlan],
    options: MigrationOptions,
    bind: Bind = _as_is,
    free: Callable[[str], str] | None = None,
    width: int = 88,
    indent: str = "    ",
) -> tuple[list[cst.BaseStatement], list[ImportNeed]]:
    """The setup's statements: a lazy credential class (:func:`_credential_class_statements`)
    for a kind some client takes the credential object of, lazy token providers
    (:func:`_lazy_statements`) for the token-provider clients; calls wrapped at the project's line
    length ``width``, blocks indented with the module's ``indent``."""
    free = free or _as_name
    statements: list[str] = []
    imports: list[ImportNeed] = []
    for plan in plans:
        if plan.credential_used:
            more, needs = _credential_class_statements(plan, options, bind, free, width)
            statements += more
            imports += needs
    lazy = [p for p in plans if p.provider_names]
    if lazy:
        more, needs = _lazy_statements(lazy, options, bind, free, width)
        statements += more
        imports += needs
    return [cst.parse_statement(_indented(s, indent)) for s in statements], imports


def _credential_class_statements(
    plan: SetupPlan, options: MigrationOptions, bind: Bind, free: Callable[[str], str], width: int
) -> tuple[list[str], list[ImportNeed]]:
    """The credential a client that takes a credential object gets (sync: ``_Credential``,
    subclassing ``TokenCredential``, whose ``get_token`` calls the built credential's)::

        class _AsyncCredential(AsyncTokenCredential):
            # (a docstring saying what it is)

            @functools.cached_property
            def credential(self):
                return ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))

            async def get_token(self, *scopes, **kwargs):
                return await asyncio.to_thread(self.credential.get_token, *scopes, **kwargs)


        async_credential = _AsyncCredential()

    Built at the first token request, the credential sees the environment the program has set
    up by then (``load_dotenv()`` in ``main()``). azure-core's bearer token policies call
    ``get_token`` when the credential has no ``get_token_info``; ``AsyncTokenCredential`` gives
    the no-op ``close``, ``__aenter__`` and ``__aexit__``. An ``azure.identity.aio`` credential
    would open an aiohttp session in the first event loop that nothing closes and that fails
    once that loop has closed; the worker thread ties the async one to no loop.
    """
    imports: list[ImportNeed] = []

    def use(need: ImportNeed) -> str:
        need = bind(need)
        imports.append(need)
        return need.spelled

    if plan.is_async:
        base = use(ImportNeed("azure.core.credentials_async", "AsyncTokenCredential"))
        cls = free("_AsyncCredential")
        doc = (
            '    """Runs a sync credential, built at the first token request, in a\n'
            '    worker thread: tied to no event loop, with nothing to close."""\n'
        )
    else:
        base = use(ImportNeed("azure.core.credentials", "TokenCredential"))
        cls = free("_Credential")
        doc = (
            '    """A credential built at the first token request, once the program\n'
            '    has set up its environment."""\n'
        )
    expr, needs = credential_expression(options, is_async=False, both=False, bind=bind)
    imports.extend(needs)
    body = "        "
    fetch = "self.credential.get_token"
    if plan.is_async:
        thread = f"await {use(ImportNeed('asyncio'))}.to_thread"
        token = _assignment(None, thread, [fetch, "*scopes", "**kwargs"], width, indent=body)
    else:
        token = _assignment(None, fetch, ["*scopes", "**kwargs"], width, indent=body)
    code = (
        f"class {cls}({base}):\n" + doc + "\n"
        f"    @{use(ImportNeed('functools'))}.cached_property\n"
        "    def credential(self):\n"
        + _assignment(None, *_split_call(expr), width, indent=body)
        + "\n"
        + ("    async def" if plan.is_async else "    def")
        + " get_token(self, *scopes, **kwargs):\n"
        + token
    )
    return [code, f"{plan.credential_name} = {cls}()\n"], imports


def _indented(code: str, indent: str) -> str:
    """``code`` (written with four-space indentation) indented with ``indent``: a module indented
    with tabs gets tabs in the setup too, continuation lines included (no mixed indentation)."""
    if indent == "    ":
        return code
    lines = []
    for line in code.splitlines(keepends=True):
        stripped = line.lstrip(" ")
        depth = len(line) - len(stripped)
        lines.append(indent * (depth // 4) + " " * (depth % 4) + stripped)
    return "".join(lines)


def lazy_providers(
    body: Sequence[cst.BaseStatement], provider_scope: Callable[[cst.BaseExpression], str | None]
) -> Iterator[tuple[int, str, bool, str]]:
    """The token providers of the shape :func:`_lazy_statements` writes, defined in ``body``:
    (statement index, name, is_async, scope). ``provider_scope`` gives the scope of a
    ``get_bearer_token_provider(...)`` call (None for any other expression). A second run
    reuses them instead of taking their names for keys."""
    factories: dict[str, str] = {}
    for index, stmt in enumerate(body):
        if not (isinstance(stmt, cst.FunctionDef) and not _has_params(stmt)):
            continue
        returned = _returned(stmt)
        if returned is None:
            continue
        if stmt.decorators and (scope := provider_scope(returned)) is not None:
            factories[stmt.name.value] = scope
            continue
        is_async = stmt.asynchronous is not None
        awaited = returned.expression if isinstance(returned, cst.Await) else None
        if is_async and isinstance(awaited, cst.Call):
            args = awaited.args
            inner = args[0].value if len(args) == 1 else None
        elif not is_async and isinstance(returned, cst.Call) and not returned.args:
            inner = returned.func
        else:
            continue
        if isinstance(inner, cst.Call) and not inner.args and isinstance(inner.func, cst.Name):
            scope = factories.get(inner.func.value)
            if scope is not None:
                yield index, stmt.name.value, is_async, scope


def _has_params(stmt: cst.FunctionDef) -> bool:
    p = stmt.params
    star = isinstance(p.star_arg, (cst.Param, cst.ParamStar))
    return bool(p.params or p.posonly_params or p.kwonly_params or star or p.star_kwarg)


def _returned(stmt: cst.FunctionDef) -> cst.BaseExpression | None:
    """The value of the ``return`` that ends the function, if it ends with one."""
    if not isinstance(stmt.body, cst.IndentedBlock) or not stmt.body.body:
        return None
    last = stmt.body.body[-1]
    if isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Return):
        return last.body[-1].value
    return None


_DEFS = (cst.FunctionDef, cst.ClassDef)


def space_defs(statements: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """Two blank lines before and after each def among ``statements``, as black writes them."""
    spaced = list(statements)
    for i in range(1, len(spaced)):
        if isinstance(spaced[i], _DEFS) or isinstance(spaced[i - 1], _DEFS):
            spaced[i] = spaced[i].with_changes(leading_lines=[cst.EmptyLine()] * 2)
    return spaced


def _as_name(base: str) -> str:
    return base


def _lazy_statements(
    plans: list[SetupPlan],
    options: MigrationOptions,
    bind: Bind,
    free: Callable[[str], str],
    width: int = 88,
) -> tuple[list[str], list[ImportNeed]]:
    """Token providers that build their credential at the first token request::

        @functools.cache
        def _token_provider():
            credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
            return get_bearer_token_provider(credential, "https://.../.default")


        def token_provider():
            return _token_provider()()


        async def async_token_provider():
            return await asyncio.to_thread(_token_provider())

    Built at the first request, the credential sees the environment the program has set up by
    then (``load_dotenv()`` in ``main()``): the client id, and the managed identity endpoint it
    picks at construction. The async provider runs the sync one in a worker thread, so it is
    tied to no event loop (``asyncio.run`` twice works) and holds no aiohttp session to close.
    One cached provider (one credential) per scope, shared by the sync and async providers.
    """
    imports: list[ImportNeed] = []

    def use(need: ImportNeed) -> str:
        need = bind(need)
        imports.append(need)
        return need.spelled

    factories: dict[str, str] = {}  # scope -> the cached function that builds its provider
    providers: list[str] = []
    for plan in sorted(plans, key=lambda p: p.is_async):
        for scope, name in plan.provider_names.items():
            if scope not in factories:
                factories[scope] = free("_" + name.removeprefix("async_"))
                expr, needs = credential_expression(options, is_async=False, both=False, bind=bind)
                imports.extend(needs)
                bearer = use(ImportNeed(SYNC_MODULE, "get_bearer_token_provider"))
                providers.append(
                    f"@{use(ImportNeed('functools'))}.cache\n"
                    f"def {factories[scope]}():\n"
                    "    # Built at the first token request, once the program has set up its "
                    "environment.\n"
                    + _assignment("credential", *_split_call(expr), width, indent="    ")
                    + _assignment(None, bearer, ["credential", f'"{scope}"'], width, indent="    ")
                )
            if plan.is_async:
                thread = f"{use(ImportNeed('asyncio'))}.to_thread"
                providers.append(
                    f"async def {name}():\n"
                    "    # A worker thread fetches the token: no event loop is tied to it.\n"
                    f"    return await {thread}({factories[scope]}())\n"
                )
            else:
                providers.append(f"def {name}():\n    return {factories[scope]}()()\n")
    return providers, imports


def _assignment(
    target: str | None, callee: str, args: list[str], width: int = 88, indent: str = ""
) -> str:
    """``target = callee(args)`` (``return callee(args)`` without a target) laid out as black
    lays it out."""
    head = f"{indent}{target} = {callee}(" if target else f"{indent}return {callee}("
    joined = ", ".join(args)
    if len(head) + len(joined) + 1 <= width:
        return f"{head}{joined})\n"
    if len(indent) + 4 + len(joined) <= width:
        return f"{head}\n{indent}    {joined}\n{indent})\n"
    lines = "".join(f"{indent}    {arg},\n" for arg in args)
    return f"{head}\n{lines}{indent})\n"


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
