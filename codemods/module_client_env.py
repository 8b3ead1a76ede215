"""The openai module client configured from the environment alone.

``openai.chat.completions.create(...)`` with no ``openai.api_type`` in the code is an Azure
client wherever ``OPENAI_API_TYPE=azure`` is set, or ``AZURE_OPENAI_API_KEY`` /
``AZURE_OPENAI_ENDPOINT`` (openai's ``_load_client``); it then sends the key in
``AZURE_OPENAI_API_KEY``. The module client also reads ``openai.azure_ad_token_provider``: set
before the first call, it makes the client send a bearer token, and the key in the environment
is no longer read (``AzureOpenAI`` reads it only when no credential is given).

When the file shows Azure and not OpenAI (it names ``AZURE_OPENAI_ENDPOINT`` or
``AZURE_OPENAI_API_KEY``, sets ``OPENAI_API_TYPE`` to ``azure``, or sets ``openai.api_version``,
which only the Azure client reads), the provider is set after the module's configuration: its
imports, its ``openai.*`` settings and its environment loading. When the file shows nothing, or
OpenAI as well (``OPENAI_API_KEY``, ``openai.base_url``: a provider would make openai refuse the
OpenAI setup as ambiguous), nothing changes and ``module-client-env`` says which variables
decide; a file that shows only OpenAI (a vLLM server at ``openai.base_url``) is left alone.
"""

from __future__ import annotations

import ast

import libcst as cst
from libcst.metadata import PositionProvider

from codemods.findings import CallUse, Notice
from codemods.module_state import ModuleState
from codemods.resolve import qualified_names

RULE = "module-client-env"
AZURE_NAMES = frozenset({"AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN"})
OPENAI_NAMES = frozenset({"OPENAI_API_KEY", "OPENAI_BASE_URL"})
# Module settings only the Azure client reads, and those only the OpenAI one does.
AZURE_SETTINGS = frozenset(
    {"openai.api_version", "openai.azure_ad_token_provider", "openai.azure_ad_token"}
)
OPENAI_SETTINGS = frozenset({"openai.base_url"})
# Calls that load the environment (a .env file): the provider goes after them.
ENV_LOADERS = frozenset({"dotenv.load_dotenv", "dotenv.main.load_dotenv"})


def evidence(state: ModuleState, settings: set[str]) -> tuple[str | None, str | None]:
    """(what shows Azure, what shows OpenAI) in the whole file, each None when nothing does."""
    tree = state.syntax_tree
    if tree is None:
        tree = ast.parse(state.module.code)
    azure = next((f"`{s} = ...`" for s in sorted(settings & AZURE_SETTINGS)), None)
    openai = next((f"`{s} = ...`" for s in sorted(settings & OPENAI_SETTINGS)), None)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in AZURE_NAMES and azure is None:
                azure = node.value
            elif node.value in OPENAI_NAMES and openai is None:
                openai = node.value
        elif _sets_azure_type(node):
            # The code itself makes the module client Azure: nothing else can make it OpenAI.
            return "OPENAI_API_TYPE=azure", None
    return azure, openai


def _sets_azure_type(node: ast.AST) -> bool:
    """``os.environ["OPENAI_API_TYPE"] = "azure"`` or ``os.environ.setdefault(...)``."""
    pairs: list[tuple[ast.AST, ast.AST]] = []
    if isinstance(node, ast.Assign):
        pairs = [(t.slice, node.value) for t in node.targets if isinstance(t, ast.Subscript)]
    elif isinstance(node, ast.Call) and len(node.args) == 2:
        pairs = [(node.args[0], node.args[1])]
    return any(
        isinstance(k, ast.Constant) and k.value == "OPENAI_API_TYPE"
        and isinstance(v, ast.Constant) and v.value == "azure"
        for k, v in pairs
    )  # fmt: skip


def report(first: CallUse, azure: str | None, openai: str | None) -> Notice:
    if azure and openai:
        seen = (
            f"the file shows both Azure ({azure}) and OpenAI ({openai}), so a token provider "
            "could make openai refuse the OpenAI setup as ambiguous"
        )
    elif azure:
        seen = (
            f"the file shows Azure ({azure}), but not a module-level `import openai` the "
            "provider could be set on before the first call"
        )
    else:
        seen = "nothing in the file shows whether it is Azure"
    return Notice(
        first.line,
        0,
        RULE,
        f"openai.{first.chain}(...) uses the openai module client, configured from the "
        "environment: where OPENAI_API_TYPE=azure, AZURE_OPENAI_API_KEY or AZURE_OPENAI_ENDPOINT "
        f"is set, it sends the key in AZURE_OPENAI_API_KEY. Nothing was changed: {seen}. If it "
        "runs against Azure OpenAI, set `openai.azure_ad_token_provider = "
        'get_bearer_token_provider(<credential>, "https://cognitiveservices.azure.com/.default")` '
        "before the first call, then unset AZURE_OPENAI_API_KEY (and OPENAI_API_KEY)",
    )


def insertion(state: ModuleState, first_call_line: int) -> tuple[int, cst.Name] | None:
    """(index of the module-level statement the provider goes before, the name ``openai`` is
    imported as), or None when openai is not imported as a module at module level.

    The place is after the last import, ``openai.*`` setting or environment loading that comes
    before the statement of the first call."""
    base: cst.Name | None = None
    at = None
    for index, statement in enumerate(state.module.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        if state.get_metadata(PositionProvider, statement).end.line >= first_call_line:
            break
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if isinstance(alias.name, cst.Name) and alias.name.value == "openai":
                        base = (
                            alias.asname.name
                            if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                            else cst.Name("openai")
                        )
                at = index + 1
            elif isinstance(small, cst.ImportFrom):
                at = index + 1
            elif isinstance(small, cst.Assign) and any(
                n.startswith("openai.") for t in small.targets
                for n in qualified_names(state, t.target)
            ):  # fmt: skip
                at = index + 1
            elif (
                isinstance(small, cst.Expr)
                and isinstance(small.value, cst.Call)
                and qualified_names(state, small.value.func) & ENV_LOADERS
            ):
                at = index + 1
    if base is None or at is None:
        return None
    return at, base


def provider_statement(base: cst.Name, provider: str) -> cst.SimpleStatementLine:
    """``openai.azure_ad_token_provider = <provider>``."""
    target = cst.Attribute(base, cst.Name("azure_ad_token_provider"))
    return cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(target)], cst.Name(provider))])
