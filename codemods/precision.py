"""Key-based client calls the tool must leave as they are, and what it reports for them.

A client call that passes a key is migrated by ``codemods.client_args`` unless one of these
shows that the key is not the tool's to remove:

* ``key-fallback-kept``: the code already offers Entra ID next to the key. The call forwards a
  key and a token (``AzureOpenAI(api_key=api_key, azure_ad_token_provider=provider)`` with
  values the caller supplies), or the key-based call sits in one branch of an ``if`` (a ternary,
  an early return) whose other branch builds a keyless client or an Entra ID credential, or the
  credential is ``AzureKeyCredential(KEY)`` on one path and an identity credential on another.
  Rewriting the key path would make both paths the same and drop the local-development one.
* ``key-parameter``: the key is a parameter of the function or class that builds the client
  (``def __init__(self, api_key=None)``): the caller chooses it, and rewriting the constructor
  would change a public API. Not when the key is a field of a parameter typed by a settings
  class the run itself defines (``config: AppConfig`` -> ``config.api_key``): that is the
  project's configuration, and the run confirms the class before the call is migrated.
* ``gateway-key``: the key is an API Management subscription key (the endpoint is under
  ``*.azure-api.net`` or named after a gateway, the key is named after one, or an
  ``Ocp-Apim-Subscription-Key`` header is sent). A bearer token gets a 401 there until the
  gateway validates Entra ID tokens.
* ``azure-ad-token``: ``openai.api_type = "azure_ad"`` makes ``openai.api_key`` an Entra ID
  token, so a client given ``openai.api_key`` is already token-based.

Each check reads the original tree only; a verdict leaves the call byte-identical.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import libcst as cst
from libcst.metadata import PositionProvider, ScopeProvider

from codemods import azure_endpoint, call_args
from codemods.findings import KEYLESS, REVIEW
from codemods.module_state import ModuleState
from codemods.precision_rules import RULES
from codemods.resolve import dotted, qualified_names
from codemods.settings_reads import field_reads
from codemods.targets import CREDENTIAL, TOKEN_PROVIDER_FUNCTIONS, ClientSpec, spec_for

__all__ = ["RULES", "Leave", "Precision"]

_IDENTITY = re.compile(r"^azure\.identity(\.aio)?\.[A-Za-z]*Credential$")
_KEY_CREDENTIAL = "azure.core.credentials.AzureKeyCredential"
_GATEWAY_HOST = re.compile(r"\.azure-api\.(net|us|cn)\b", re.IGNORECASE)
_GATEWAY_NAME = re.compile(r"apim|gateway", re.IGNORECASE)
# The portal's quickstart calls the Azure OpenAI key ``subscription_key``: "subscription" says
# gateway only when no name says openai.
_SUBSCRIPTION_NAME = re.compile(r"subscription", re.IGNORECASE)
_OPENAI_NAME = re.compile(r"openai|aoai", re.IGNORECASE)
_GATEWAY_HEADER = "ocp-apim-subscription-key"
_SELF = ("self", "cls")


@dataclass(frozen=True)
class Leave:
    """The call stays as it is: its record (outcome, reason) and one notice."""

    outcome: str
    reason: str
    rule: str
    message: str
    severity: str


class Precision:
    """The checks, over one module's original tree (a parent map is built on first need)."""

    def __init__(self, state: ModuleState) -> None:
        self.state = state
        self._parents: dict[int, cst.CSTNode] = {}
        self._walked: set[int] = set()
        # Reads of a field of a parameter typed by a class (``config: Settings`` ->
        # ``config.api_key``) in keys left as parameters: the run checks whether the class is
        # its own (``migrator.config_params``).
        self.typed_reads: list[tuple[int, str, int]] = []

    def check(self, spec: ClientSpec, call: cst.Call) -> Leave | None:
        present = call_args.present(spec, call.args)
        keys = [
            call.args[present[n]].value
            for n in spec.key_args
            if n in present and not call_args.is_none(call.args[present[n]].value)
        ]
        tokens = [
            call.args[present[n]].value
            for n in (*spec.keyless_args, *spec.static_token_args)
            if n in present
        ]
        if any(a.star for a in call.args):
            return None
        if not keys and (tokens or not spec.reads_env_key):
            return None
        return (
            self._legacy_token(keys)
            or self._gateway(spec, call, present, keys)
            or self._forwarded(keys, tokens)
            or self._branch(spec, call, keys)
            or self._parameter(spec, keys)
        )

    # -- gateway -------------------------------------------------------------------------------
    def _gateway(
        self,
        spec: ClientSpec,
        call: cst.Call,
        present: dict[str, int],
        keys: list[cst.BaseExpression],
    ) -> Leave | None:
        why = None
        for name in spec.endpoint_args:
            if name in present:
                # A key sent to an Azure OpenAI host is its key, whatever it is called.
                endpoint = call.args[present[name]].value
                if azure_endpoint.classify(endpoint, self.state.values) == azure_endpoint.AZURE:
                    return None
                literals, names = azure_endpoint.fragments(
                    call.args[present[name]].value, self.state.values
                )
                text = " ".join(literals + names)
                if _GATEWAY_HOST.search(text):
                    why = "its endpoint is an API Management gateway (*.azure-api.net)"
                elif _gateway_named(names):
                    why = "its endpoint is named after an API Management gateway"
        for key in keys:
            literals, names = azure_endpoint.fragments(key, self.state.values)
            if why is None and _gateway_named(literals + names):
                why = "the key is named after an API Management subscription"
        if why is None and _GATEWAY_HEADER in _code(call).lower():
            why = "it sends an Ocp-Apim-Subscription-Key header"
        if why is None:
            return None
        return Leave(
            REVIEW,
            f"an API Management gateway key, not an Azure OpenAI key: {why}; left as it is",
            "gateway-key",
            "the gateway takes a subscription key, and a bearer token gets a 401 there: first "
            "make the gateway accept Entra ID (a validate-azure-ad-token policy for the "
            "cognitiveservices audience, and the gateway's managed identity, with Cognitive "
            "Services OpenAI User, calling the backend), then migrate this client",
            "warning",
        )

    # -- openai 0.x azure_ad ---------------------------------------------------------------------
    def _legacy_token(self, keys: list[cst.BaseExpression]) -> Leave | None:
        if any("openai.api_key" in qualified_names(self.state, k) for k in keys):
            line = self._azure_ad.line
            if line is None:
                return None
            held = (
                "openai.api_key holds an Entra ID token "
                f"(openai.api_type = 'azure_ad' on line {line})"
            )
        elif not keys:
            # os.environ["OPENAI_API_TYPE"] = "azure_ad": OPENAI_API_KEY, which the class
            # reads, is given a token.
            line = self._azure_ad.env_line
            if line is None:
                return None
            held = (
                "the key variable the class reads holds an Entra ID token "
                f"(OPENAI_API_TYPE = 'azure_ad' on line {line})"
            )
        else:
            return None
        return Leave(
            KEYLESS,
            held,
            "azure-ad-token",
            f"already token-based: {held}. It is a static token that expires after about an "
            "hour; pass a token provider (azure_ad_token_provider=) instead when the code "
            "moves off the openai 0.x settings",
            "info",
        )

    @cached_property
    def _azure_ad(self) -> _AzureAdType:
        finder = _AzureAdType(self.state)
        if self.state.syntax_tree is not None:
            # Python's tree of the whole file: the slicer may have left the line out.
            finder.scan(self.state.syntax_tree)
        else:
            self.state.module.visit(finder)
        return finder

    # -- a key and a token, both forwarded -------------------------------------------------------
    def _forwarded(
        self, keys: list[cst.BaseExpression], tokens: list[cst.BaseExpression]
    ) -> Leave | None:
        if not tokens or not any(self._supplied(k) for k in keys):
            return None
        return _fallback("the call forwards its caller's key next to an Entra ID token")

    # -- a key branch next to a keyless one ------------------------------------------------------
    def _branch(
        self, spec: ClientSpec, call: cst.Call, keys: list[cst.BaseExpression]
    ) -> Leave | None:
        for other in self._other_paths(call):
            line = self._keyless_line(other)
            if line is not None:
                return _fallback(f"the other branch (line {line}) builds the Entra ID path")
        if spec.keyless_args or not keys:
            return None
        # azure-core clients: credential = AzureKeyCredential(KEY) on one path, an identity
        # credential on another.
        key = keys[0]
        values = [key] if not isinstance(key, cst.Name) else self._assigned(key)
        has_key = any(self._calls(v, lambda q: q == _KEY_CREDENTIAL) for v in values)
        has_identity = any(self._calls(v, lambda q: bool(_IDENTITY.match(q))) for v in values)
        if has_key and has_identity:
            return _fallback("the credential is a key on one path and an Entra ID one on another")
        return None

    def _other_paths(self, call: cst.Call) -> list[cst.CSTNode]:
        """The code that runs instead of ``call``: the other side of each enclosing ``if`` or
        ternary, and the rest of a block that an ``if`` with a ``return`` leaves early."""
        found: list[cst.CSTNode] = []
        child: cst.CSTNode = call
        node = self._parent(call)
        while node is not None and not isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            if isinstance(node, cst.IfExp):
                if child is node.body:
                    found.append(node.orelse)
                elif child is node.orelse:
                    found.append(node.body)
            elif isinstance(node, cst.If):
                if child is node.body and node.orelse is not None:
                    found.append(node.orelse)
                elif child is node.orelse:
                    found.append(node.body)
            elif isinstance(node, cst.Match):
                found += [case for case in node.cases if case is not child]
            elif isinstance(node, (cst.IndentedBlock, cst.Module)):
                found += _early_exits(node.body, child) + _complements(node.body, child)
            child, node = node, self._parent(node)
        return found

    def _keyless_line(self, node: cst.CSTNode) -> int | None:
        for inner in _calls_under(node):
            names = qualified_names(self.state, inner.func)
            if names & set(TOKEN_PROVIDER_FUNCTIONS) or any(_IDENTITY.match(n) for n in names):
                return self.state.position(inner).line
            for name in names:
                other = spec_for(name)
                if other is None:
                    continue
                present = call_args.present(other, inner.args)
                if any(n in present for n in other.keyless_args):
                    return self.state.position(inner).line
        return None

    def _calls(self, node: cst.CSTNode, wanted: Callable[[str], bool]) -> bool:
        return any(
            wanted(q) for c in _calls_under(node) for q in qualified_names(self.state, c.func)
        )

    def _assigned(self, name: cst.Name) -> list[cst.CSTNode]:
        """The values assigned to ``name`` in the scope it is read in."""
        scope = self.state.get_metadata(ScopeProvider, name, None)
        if scope is None:
            return []
        values: list[cst.CSTNode] = []
        for assignment in scope[name.value]:
            target = getattr(assignment, "node", None)
            parent = self._parent(target)
            if isinstance(parent, cst.AssignTarget):
                parent = self._parent(parent)
            if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is not None:
                values.append(parent.value)
        return values

    # -- the key is a parameter ----------------------------------------------------------------
    def _parameter(self, spec: ClientSpec, keys: list[cst.BaseExpression]) -> Leave | None:
        for key in keys:
            param = self._param_name(key)
            if param is None:
                continue
            if isinstance(key, cst.Attribute):
                reads = field_reads(self.state, [key])  # through the parameter's annotation
                confirmed = set(self.state.options.config_fields)
                if any((self.state.filename, r[0], r[1]) in confirmed for r in reads):
                    continue  # a field of the run's own settings class: configuration
                self.typed_reads += reads
            what = "key"
            if spec.supplies == CREDENTIAL and not (
                isinstance(key, cst.Call)
                and _KEY_CREDENTIAL in qualified_names(self.state, key.func)
            ):
                # credential=<parameter>: a key or a TokenCredential, as the caller chooses.
                what = "credential (a key or an Entra ID one)"
            return Leave(
                REVIEW,
                f"the {what} is the parameter {param} of reusable code: its caller chooses "
                "it; left as it is",
                "key-parameter",
                f"the {what} comes from the parameter {param}: rewriting this constructor "
                "would change a public API. Migrate the callers that pass a key from "
                "configuration (let them pass a token provider, or build the client "
                "themselves), then drop the parameter",
                "warning",
            )
        return None

    def _supplied(self, value: cst.BaseExpression) -> bool:
        """A value the caller of the enclosing code supplies (a parameter, an attribute of
        ``self``, a ternary between two)."""
        if isinstance(value, cst.IfExp):
            return True
        return self._param_name(value) is not None

    def _param_name(self, value: cst.BaseExpression) -> str | None:
        if (
            isinstance(value, cst.Call)
            and value.args
            and _KEY_CREDENTIAL in qualified_names(self.state, value.func)
        ):
            return self._param_name(value.args[0].value)  # AzureKeyCredential(key)
        if isinstance(value, cst.BooleanOperation):
            return self._param_name(value.left) or self._param_name(value.right)
        if isinstance(value, cst.Name):
            scope = self.state.get_metadata(ScopeProvider, value, None)
            if scope is None:
                return None
            # ``api_key = api_key or os.environ[...]`` still lets the caller choose; a default
            # written as a string is the code's own key (a script's, not a library's).
            params = [a.node for a in scope[value.value] if isinstance(a.node, cst.Param)]
            if params and not any(isinstance(p.default, cst.BaseString) for p in params):
                return f"`{value.value}`"
            return None
        text = dotted(value) if isinstance(value, cst.Attribute) else None
        if text is None or text.count(".") != 1:
            return None
        base = value.value if isinstance(value, cst.Attribute) else None
        if isinstance(base, cst.Name) and base.value not in _SELF:
            # config.api_key, args.api_key: a field of an object the caller passes.
            name = self._param_name(base)
            return None if name is None else f"{name} (as `{text}`)"
        if text.split(".")[0] not in _SELF:
            return None
        # self.api_key: an attribute some method of the class sets from one of its parameters.
        attr = text.split(".")[1]
        node = self._parent(value)
        while node is not None and not isinstance(node, cst.ClassDef):
            node = self._parent(node)
        if node is None:
            return None
        for assign in _self_assignments(node, attr):
            name = self._param_name(assign.value)
            if name is not None:
                return f"{name} (as `{text}`)"
        return None

    def _parent(self, node: cst.CSTNode | None) -> cst.CSTNode | None:
        """The parent of ``node`` (an original node): the top-level statement that holds it is
        walked once, on first need, not the whole module."""
        if node is None or node is self.state.module:
            return None
        if id(node) not in self._parents:
            line = self.state.position(node).line
            for stmt in self.state.module.body:
                where = self.state.get_metadata(PositionProvider, stmt)
                if where.start.line <= line <= where.end.line and id(stmt) not in self._walked:
                    self._walked.add(id(stmt))
                    self._parents[id(stmt)] = self.state.module
                    _walk(stmt, self._parents)
        return self._parents.get(id(node))


def _walk(node: cst.CSTNode, parents: dict[int, cst.CSTNode]) -> None:
    for child in node.children:
        parents[id(child)] = node
        _walk(child, parents)


def _gateway_named(names: list[str]) -> bool:
    if any(_GATEWAY_NAME.search(n) for n in names):
        return True
    return any(_SUBSCRIPTION_NAME.search(n) for n in names) and not any(
        _OPENAI_NAME.search(n) for n in names
    )


def _fallback(why: str) -> Leave:
    return Leave(
        KEYLESS,
        f"already offers Entra ID: {why}; the key path is kept as a fallback",
        "key-fallback-kept",
        "key path kept as a fallback next to the Entra ID one: remove it when every "
        "environment (local development included) signs in with Entra ID, then disable key "
        "access on the resource",
        "info",
    )


def _early_exits(body: object, child: cst.CSTNode) -> list[cst.CSTNode]:
    """In a block, the code ``child`` does not run with: an earlier ``if`` that returns, or,
    when ``child`` is such an ``if``, the statements after it."""
    statements = list(body)  # type: ignore[call-overload]
    if not any(s is child for s in statements):
        return []
    index = next(i for i, s in enumerate(statements) if s is child)
    found: list[cst.CSTNode] = [s for s in statements[:index] if _exits(s)]
    if _exits(child):
        found += statements[index + 1 :]
    return found


def _complements(body: object, child: cst.CSTNode) -> list[cst.CSTNode]:
    """When ``child`` is an ``if`` with no ``else``, the other ``if`` statements of the block
    whose condition is its opposite (``if not flag:`` ... ``if flag:``)."""
    if not isinstance(child, cst.If) or child.orelse is not None:
        return []
    return [
        s
        for s in body  # type: ignore[attr-defined]
        if isinstance(s, cst.If) and s is not child and _opposite(s.test, child.test)
    ]


def _opposite(a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
    for x, y in ((a, b), (b, a)):
        if isinstance(x, cst.UnaryOperation) and isinstance(x.operator, cst.Not):
            if x.expression.deep_equals(y):
                return True
    if (
        isinstance(a, cst.Comparison)
        and isinstance(b, cst.Comparison)
        and len(a.comparisons) == len(b.comparisons) == 1
        and a.left.deep_equals(b.left)
        and a.comparisons[0].comparator.deep_equals(b.comparisons[0].comparator)
    ):
        pair = {type(a.comparisons[0].operator), type(b.comparisons[0].operator)}
        return pair in ({cst.Equal, cst.NotEqual}, {cst.Is, cst.IsNot})
    return False


def _exits(stmt: cst.CSTNode) -> bool:
    if not isinstance(stmt, cst.If) or not isinstance(stmt.body, cst.IndentedBlock):
        return False
    last = stmt.body.body[-1] if stmt.body.body else None
    return isinstance(last, cst.SimpleStatementLine) and any(
        isinstance(s, (cst.Return, cst.Raise)) for s in last.body
    )


def _calls_under(node: cst.CSTNode) -> list[cst.Call]:
    found: list[cst.Call] = []

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, n: cst.Call) -> None:
            found.append(n)

    node.visit(_Calls())
    return found


def _self_assignments(cls: cst.ClassDef, attr: str) -> list[cst.Assign]:
    found: list[cst.Assign] = []

    class _Assigns(cst.CSTVisitor):
        def visit_Assign(self, n: cst.Assign) -> None:
            for target in n.targets:
                text = dotted(target.target) if isinstance(target.target, cst.Attribute) else None
                if text is not None and text.split(".")[0] in _SELF and text.endswith("." + attr):
                    found.append(n)

    cls.visit(_Assigns())
    return found


class _AzureAdType(cst.CSTVisitor):
    """The line of ``openai.api_type = "azure_ad"``, if the module has one."""

    def __init__(self, state: ModuleState) -> None:
        self.state = state
        self.line: int | None = None  # openai.api_type = "azure_ad"
        self.env_line: int | None = None  # os.environ["OPENAI_API_TYPE"] = "azure_ad"

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        if not isinstance(value, cst.SimpleString) or value.evaluated_value != "azure_ad":
            return
        for target in node.targets:
            line = self.state.position(node).line
            if "openai.api_type" in qualified_names(self.state, target.target):
                self.line = self.line or line
            elif _is_env_api_type(self.state, target.target):
                self.env_line = self.env_line or line

    def scan(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and node.value.value == "azure_ad"
            ):
                continue
            for target in node.targets:
                text = ast.unparse(target)
                if text == "openai.api_type":
                    self.line = self.line or node.lineno
                elif text in ("os.environ['OPENAI_API_TYPE']", 'os.environ["OPENAI_API_TYPE"]'):
                    self.env_line = self.env_line or node.lineno


def _is_env_api_type(state: ModuleState, target: cst.BaseExpression) -> bool:
    if not isinstance(target, cst.Subscript) or len(target.slice) != 1:
        return False
    index = target.slice[0].slice
    return (
        "os.environ" in qualified_names(state, target.value)
        and isinstance(index, cst.Index)
        and isinstance(index.value, cst.SimpleString)
        and index.value.evaluated_value == "OPENAI_API_TYPE"
    )


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)
