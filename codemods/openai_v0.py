"""openai 0.x Azure code rewritten to an explicit 1.x client, before the keyless migration.

A module that configures the 0.x module (``openai.api_type = "azure"`` or ``"azure_ad"``,
``openai.api_base``, ``openai.api_version``, ``openai.api_key``) and calls
``openai.ChatCompletion.create(engine=...)`` and friends is rewritten, as a whole or not at all:

* the configuration lines go; in place of the last one, ``client = openai.AzureOpenAI(
  azure_endpoint=<api_base>, api_version=<api_version>, api_key=<api_key>)`` (and an
  ``openai.AsyncAzureOpenAI`` where ``acreate`` is used). The keyless migration that runs next
  on the rewritten module turns the key into a token provider (``codemods.keyless``). A static
  ``azure_ad`` token is not carried over: the client reads no key, and the keyless migration
  gives it a provider;
* ``openai.ChatCompletion.create(engine=|deployment_id=...)`` → ``client.chat.completions.create(
  model=...)``, likewise ``Completion`` and ``Embedding``, and ``acreate`` on the async client;
  ``request_timeout=`` → ``timeout=``;
* reads of the responses (``codemods.openai_v0_results``);
* ``openai.error.X`` → its 1.x exception (``InvalidRequestError``, which 0.x raised for 400 and
  404, → ``(openai.BadRequestError, openai.NotFoundError)``); ``e.http_status`` → ``e.status_code``.

Anything the rewrite cannot carry over leaves the module byte-identical, with the reasons.
Non-Azure 0.x code (``api_type`` left at ``open_ai``, a local server) is not touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import (
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    ScopeProvider,
)

from codemods import openai_v0_pins
from codemods.openai_v0_apply import Apply
from codemods.openai_v0_results import MODEL, STREAM, ResponseReads

RULE_REWRITTEN = "openai-v0-rewritten"
RULE_LEFT = "openai-v0-left"

RESOURCES = {"ChatCompletion": "chat.completions", "Completion": "completions",
             "Embedding": "embeddings"}  # fmt: skip
CONFIG = ("api_type", "api_base", "api_version", "api_key")
AZURE_TYPES = ("azure", "azure_ad", "azuread")
ERRORS = {
    "OpenAIError": ("OpenAIError",),
    "APIError": ("APIError",),
    "Timeout": ("APITimeoutError",),
    "APIConnectionError": ("APIConnectionError",),
    "InvalidRequestError": ("BadRequestError", "NotFoundError"),
    "AuthenticationError": ("AuthenticationError",),
    "PermissionError": ("PermissionDeniedError",),
    "RateLimitError": ("RateLimitError",),
    "ServiceUnavailableError": ("InternalServerError",),
}
# Arguments of a 0.x call with no 1.x counterpart on a call (they configure a request).
_PER_CALL = ("api_key", "api_base", "api_type", "api_version", "organization", "request_id",
             "headers", "timeout")  # fmt: skip
# Attributes of a 0.x error that 1.x errors do not have.
_ERROR_FIELDS = ("user_message", "json_body", "http_body", "headers", "code", "error",
                 "request_id", "organization")  # fmt: skip
# A cheap look at the source before any analysis (also used by the slicer).
MARKERS = re.compile(rb"openai\.(?:ChatCompletion|Completion|Embedding|api_base|error)\b")


class Scan(cst.CSTVisitor):
    """Read-only, batched with the migration's visitors: does the module use the 0.x API?"""

    def __init__(self) -> None:
        self.found = False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if (
            isinstance(node.value, cst.Name)
            and node.value.value == "openai"
            and (node.attr.value in RESOURCES or node.attr.value in ("api_base", "error"))
        ):
            self.found = True


@dataclass
class Result:
    """``module``: the rewritten module, or None when it is left as it is (``reasons``)."""

    module: cst.Module | None
    line: int
    reasons: list[str] = field(default_factory=list)
    summary: str = ""


def rewrite(wrapper: MetadataWrapper, filename: str | None = None) -> Result | None:
    """The 1.x module for ``wrapper.module``'s 0.x Azure use; None when it is not Azure 0.x.
    ``filename``: where the module is (its project's dependency files may forbid openai 1.x)."""
    return _Analysis(wrapper, filename).run()


class _Analysis:
    def __init__(self, wrapper: MetadataWrapper, filename: str | None = None) -> None:
        self.filename = filename
        self.module = wrapper.module
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.scopes = wrapper.resolve(ScopeProvider)
        self.positions = wrapper.resolve(PositionProvider)
        self.reasons: list[str] = []
        self.config: dict[str, list[cst.SimpleStatementLine]] = {n: [] for n in CONFIG}
        self.calls: list[tuple[cst.Call, str, bool]] = []  # (call, 1.x chain, async)
        self.errors: list[cst.Attribute] = []
        self.edits: dict[int, object] = {}
        self.reads = ResponseReads(self.parents, self.scopes, self.line_of)

    def line_of(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def _block(self, node: cst.CSTNode, why: str) -> None:
        self.reasons.append(f"{why} (line {self.line_of(node)})")

    # -- what the module does with openai ------------------------------------------------------
    def _collect(self) -> None:
        imported = False
        for stmt in self.module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Import) and any(
                        isinstance(a.name, cst.Name) and a.name.value == "openai" and not a.asname
                        for a in small.names
                    ):
                        imported = True
        self.imported = imported
        self.module.visit(_Uses(self))

    def on_openai(self, node: cst.Attribute) -> None:
        name = node.attr.value
        parent = self.parents.get(node)
        if name in CONFIG:
            self._config(node, parent)
        elif name in RESOURCES:
            self._call(node, parent, name)
        elif name == "error" and isinstance(parent, cst.Attribute) and parent.value is node:
            self._error(parent)
        else:
            self._block(node, f"openai.{name} is used, which the rewrite does not carry over")

    def on_from_import(self, node: cst.ImportFrom) -> None:
        module = node.module
        dotted = cst.Module([]).code_for_node(module) if module is not None else ""
        if dotted == "openai" or dotted.startswith("openai."):
            self._block(node, f"names are imported from {dotted}")

    def _config(self, node: cst.Attribute, parent: cst.CSTNode | None) -> None:
        assign = self.parents.get(parent) if isinstance(parent, cst.AssignTarget) else None
        line = self.parents.get(assign) if isinstance(assign, cst.Assign) else None
        if (
            not isinstance(assign, cst.Assign)
            or len(assign.targets) != 1
            or not isinstance(line, cst.SimpleStatementLine)
            or len(line.body) != 1
            or self.parents.get(line) is not self.module
        ):
            self._block(node, f"openai.{node.attr.value} is read or set other than once at the top")
            return
        self.config[node.attr.value].append(line)

    def _call(self, node: cst.Attribute, parent: cst.CSTNode | None, name: str) -> None:
        call = self.parents.get(parent) if isinstance(parent, cst.Attribute) else None
        method = parent.attr.value if isinstance(parent, cst.Attribute) else ""
        if (
            not isinstance(call, cst.Call)
            or call.func is not parent
            or method not in ("create", "acreate")
        ):
            self._block(node, f"openai.{name}.{method or '...'} is used other than as a call")
            return
        self.calls.append((call, RESOURCES[name], method == "acreate"))

    def _error(self, attr: cst.Attribute) -> None:
        name = attr.attr.value
        if name not in ERRORS:
            self._block(attr, f"openai.error.{name} has no 1.x equivalent here")
            return
        parent = self.parents.get(attr)
        if isinstance(parent, cst.Element):  # one of a tuple of exceptions
            parent = self.parents.get(self.parents.get(parent))
        call = self.parents.get(parent) if isinstance(parent, cst.Arg) else None
        checked = (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Name)
            and call.func.value == "isinstance"
        )
        if not isinstance(parent, cst.ExceptHandler) and not checked:
            self._block(attr, f"openai.error.{name} is used other than in an except clause")
            return
        self.errors.append(attr)

    # -- the plan --------------------------------------------------------------------------------
    def _azure(self) -> bool | None:
        """Whether the configuration is Azure: True, False (leave it), None (cannot tell)."""
        kinds = self.config["api_type"]
        if not kinds:
            return False
        value = kinds[-1].body[0].value  # type: ignore[attr-defined]
        text = _text(value)
        if text is None:
            text = _env_default(value)
        if text is not None:
            return text.lower() in AZURE_TYPES
        return None

    def run(self) -> Result | None:
        self._collect()
        azure = self._azure()
        engines = any(_keyword(c, "engine", "deployment_id") for c, _, _ in self.calls)
        if not self.config["api_type"] and engines and self.calls:
            line = self.line_of(self.calls[0][0])
            why = "openai.api_type is not set in the code (0.x read OPENAI_API_TYPE; the calls name"
            return Result(None, line, [f"{why} deployments, but whether it is Azure is not shown)"])
        if azure is False or (azure is None and not engines) or not self.calls:
            return None  # not Azure, or no 0.x call: the 0.x report says the rest
        first = min((self.line_of(s[0]) for s in self.config.values() if s), default=1)
        if not self.imported:
            self.reasons.append("openai is not imported as `import openai`")
        for name, lines in self.config.items():
            if len(lines) > 1:
                self._block(lines[1], f"openai.{name} is set more than once")
        if not self.config["api_base"]:
            self.reasons.append(
                "openai.api_base is not set in the code (0.x read OPENAI_API_BASE, which 1.x "
                "does not)"
            )
        if not self.config["api_version"]:
            self.reasons.append("openai.api_version is not set in the code")
        self.reasons.extend(
            f"{pin}, and openai 1.x would break it: upgrade it first"
            for pin in openai_v0_pins.blocking_pins(self.filename)
        )
        if self.reasons:
            return Result(None, first, self.reasons)
        kind = self.config["api_type"][0].body[0].value  # type: ignore[attr-defined]
        is_ad = (_text(kind) or _env_default(kind) or "").lower() in AZURE_TYPES[1:]
        last = max((s[0] for s in self.config.values() if s), key=self.line_of)
        names = _names(self.module)
        sync_name = _fresh(names, ("client", "azure_client", "openai_client"))
        async_name = _fresh(names | {sync_name}, ("aclient", "async_client", "azure_async_client"))
        uses_async = any(a for _, _, a in self.calls)
        uses_sync = any(not a for _, _, a in self.calls)
        for call, chain, is_async in self.calls:
            self._plan_call(call, chain, async_name if is_async else sync_name, last)
        for attr in self.errors:
            self._plan_error(attr)
        self.reads.finish()
        self.reasons.extend(self.reads.blockers)
        if self.reasons:
            return Result(None, first, self.reasons)
        provider = None
        if is_ad and self.config["api_key"]:
            key = self.config["api_key"][0].body[0].value  # type: ignore[attr-defined]
            provider = self._their_credential(key, last)
            if provider is None:
                self._drop_static_token(key)
        clients = []
        if uses_sync:
            clients.append(self._client(sync_name, "AzureOpenAI", is_ad, provider))
        if uses_async:
            clients.append(self._client(async_name, "AsyncAzureOpenAI", is_ad, provider))
        self._plan_config(last, clients)
        new = self.module.visit(Apply(self.edits, self.reads))
        summary = (
            f"the openai 0.x module API was rewritten to the 1.x client ("
            f"{' and '.join(n for n, u in ((sync_name, uses_sync), (async_name, uses_async)) if u)}"
            f"; {len(self.calls)} call{'s' if len(self.calls) != 1 else ''}"
            + (", a static azure_ad token replaced" if is_ad else "")
            + ")"
        )
        return Result(new, self.line_of(last), [], summary)

    def _plan_call(self, call: cst.Call, chain: str, client: str, last: cst.CSTNode) -> None:
        if any(a.keyword is None for a in call.args):
            self._block(call, "a 0.x call takes positional or ** arguments")
            return
        names = [a.keyword.value for a in call.args if a.keyword is not None]
        bad = [n for n in names if n in _PER_CALL]
        if bad:
            self._block(call, f"a 0.x call passes {', '.join(bad)}=, which a 1.x call has not")
            return
        if not _keyword(call, "engine", "deployment_id"):
            self._block(call, "a 0.x call names no deployment (engine= or deployment_id=)")
            return
        if self._at_top(call) and self.line_of(call) < self.line_of(last):
            self._block(call, "a call comes before the configuration is complete")
            return
        stream = next(
            (a.value for a in call.args if a.keyword and a.keyword.value == "stream"), None
        )
        streaming = isinstance(stream, cst.Name) and stream.value == "True"
        if stream is not None and not (
            isinstance(stream, cst.Name) and stream.value in ("True", "False")
        ):
            self._block(call, "stream= is not a literal True or False")
            return
        root: cst.BaseExpression = call
        parent = self.parents.get(call)
        if isinstance(parent, cst.Await):
            root = parent
        elif self._is_acreate(call):
            self._block(call, "an acreate(...) coroutine is not awaited where it is made")
            return
        self.edits[id(call)] = ("call", client, chain)
        self.reads.follow(root, STREAM if streaming else MODEL)

    def _is_acreate(self, call: cst.Call) -> bool:
        return isinstance(call.func, cst.Attribute) and call.func.attr.value == "acreate"

    def _at_top(self, node: cst.CSTNode) -> bool:
        while node is not None and not isinstance(node, (cst.FunctionDef, cst.Lambda)):
            if node is self.module:
                return True
            node = self.parents.get(node)
        return False

    def _plan_error(self, attr: cst.Attribute) -> None:
        self.edits[id(attr)] = ("error", ERRORS[attr.attr.value])
        handler = self.parents.get(attr)
        while handler is not None and not isinstance(handler, cst.ExceptHandler):
            handler = self.parents.get(handler)
        if handler is None or handler.name is None:
            return
        bound = handler.name.name
        if not isinstance(bound, cst.Name):
            return
        scope = self.scopes.get(bound)
        if scope is None:
            return
        for assignment in scope.assignments[bound.value]:
            if getattr(assignment, "node", None) is not bound:
                continue
            for access in assignment.references:
                read = self.parents.get(access.node)
                if not isinstance(read, cst.Attribute) or read.value is not access.node:
                    continue
                if read.attr.value == "http_status":
                    self.edits[id(read)] = ("rename", "status_code")
                elif read.attr.value in _ERROR_FIELDS:
                    self._block(read, f"a 0.x error's .{read.attr.value} is read")

    def _client(self, name: str, cls: str, is_ad: bool, provider: str | None) -> str:
        values = {n: self.config[n][0].body[0].value for n in CONFIG if self.config[n]}  # type: ignore[attr-defined]
        code = self.module.code_for_node
        args = [
            f"    azure_endpoint={code(values['api_base'])},",
            f"    api_version={code(values['api_version'])},",
        ]
        if provider is not None:
            line = f"    azure_ad_token_provider={provider},"
            if len(line) > 100:  # the project's line length; the call split as ruff would
                call, _, inner = provider.partition("(")
                line = f"    azure_ad_token_provider={call}(\n        {inner[:-1]}\n    ),"
            args.append(line)
        elif "api_key" in values and not is_ad:
            args.append(f"    api_key={code(values['api_key'])},")
        return f"{name} = openai.{cls}(\n" + "\n".join(args) + "\n)\n"

    def _plan_config(self, last: cst.SimpleStatementLine, clients: list[str]) -> None:
        comments: list[cst.EmptyLine] = []
        ordered = sorted((s[0] for s in self.config.values() if s), key=self.line_of)
        for line in ordered:
            kept = [e for e in line.leading_lines if e.comment is not None]
            if line is ordered[0]:
                kept = list(line.leading_lines)  # blank lines too: the block stays set apart
            if line is last:
                statements = [cst.parse_statement(c) for c in clients]
                own = line.leading_lines if line is ordered[0] else kept
                leading = [*comments, *own]
                statements[0] = statements[0].with_changes(leading_lines=leading)
                self.edits[id(line)] = ("replace", statements)
            else:
                comments.extend(kept)
                self.edits[id(line)] = ("drop",)

    def _their_credential(self, key: cst.BaseExpression, last: cst.CSTNode) -> str | None:
        """``get_bearer_token_provider(<their credential>, <scope>)`` for a static token read as
        ``credential.get_token(scope).token`` (directly or through a top-level name read only
        there), with ``get_bearer_token_provider`` added to the module's ``from azure.identity
        import``; None when the token comes some other way (the keyless step then gives the
        client the tool's own provider)."""
        if not (isinstance(key, cst.Attribute) and key.attr.value == "token"):
            return None
        fetch, line = key.value, None
        if isinstance(fetch, cst.Name):
            line = self._only_use(fetch)
            fetch = line.body[0].value if line is not None else None  # type: ignore[attr-defined]
        if not (
            isinstance(fetch, cst.Call)
            and isinstance(fetch.func, cst.Attribute)
            and fetch.func.attr.value == "get_token"
            and len(fetch.args) == 1
            and fetch.args[0].keyword is None
            and not fetch.args[0].star
        ):
            return None
        credential = fetch.func.value
        if isinstance(credential, cst.Name):
            scope = self.scopes.get(credential)
            bound = list(scope.assignments[credential.value]) if scope is not None else []
            if len(bound) != 1 or not isinstance(bound[0].node, cst.Name):
                return None
            if self.line_of(bound[0].node) > self.line_of(last):
                return None
        elif not isinstance(credential, cst.Call):
            return None
        importer = self._identity_import()
        if importer is None:
            return None
        if line is not None:
            self.edits[id(line)] = ("drop",)
        code = self.module.code_for_node
        return f"get_bearer_token_provider({code(credential)}, {code(fetch.args[0].value)})"

    def _identity_import(self) -> cst.ImportFrom | None:
        for stmt in self.module.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if (
                    isinstance(small, cst.ImportFrom)
                    and not isinstance(small.names, cst.ImportStar)
                    and small.module is not None
                    and self.module.code_for_node(small.module) == "azure.identity"
                    and not small.relative
                ):
                    names = [a.name.value for a in small.names if isinstance(a.name, cst.Name)]
                    if "get_bearer_token_provider" not in names:
                        added = [*small.names]
                        added[-1] = added[-1].with_changes(
                            comma=cst.Comma(cst.SimpleWhitespace(""), cst.SimpleWhitespace(" "))
                        )
                        added.append(cst.ImportAlias(cst.Name("get_bearer_token_provider")))
                        self.edits[id(small)] = ("node", small.with_changes(names=added))
                    return small
        return None

    def _drop_static_token(self, value: cst.BaseExpression) -> None:
        """The lines that fetched the static token (``token = credential.get_token(...)``, and
        the credential made only for it) go with it, when nothing else reads them."""
        while True:
            if isinstance(value, cst.Attribute):
                value = value.value
            name = value.func.value if isinstance(value, cst.Call) else value
            if isinstance(name, cst.Attribute):
                name = name.value
            line = self._only_use(name) if isinstance(name, cst.Name) else None
            if line is None:
                return
            self.edits[id(line)] = ("drop",)
            value = line.body[0].value  # type: ignore[attr-defined]

    def _only_use(self, name: cst.Name) -> cst.SimpleStatementLine | None:
        """The top-level ``name = ...`` line, when ``name`` is bound there only and read only
        at ``name`` (the token's way into ``openai.api_key``)."""
        scope = self.scopes.get(name)
        if scope is None:
            return None
        assignments = list(scope.assignments[name.value])
        if len(assignments) != 1 or not isinstance(assignments[0].node, cst.Name):
            return None
        references = list(assignments[0].references)
        if len(references) != 1 or references[0].node is not name:
            return None
        assign = self.parents.get(self.parents.get(assignments[0].node))
        line = self.parents.get(assign)
        if (
            not isinstance(assign, cst.Assign)
            or not isinstance(line, cst.SimpleStatementLine)
            or len(line.body) != 1
            or self.parents.get(line) is not self.module
        ):
            return None
        return line


class _Uses(cst.CSTVisitor):
    def __init__(self, analysis: _Analysis) -> None:
        self.analysis = analysis

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if isinstance(node.value, cst.Name) and node.value.value == "openai":
            self.analysis.on_openai(node)
        return True

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.analysis.on_from_import(node)


def _keyword(call: cst.Call, *names: str) -> bool:
    return any(a.keyword is not None and a.keyword.value in names for a in call.args)


def _text(value: cst.BaseExpression) -> str | None:
    if isinstance(value, cst.SimpleString):
        text = value.evaluated_value
        return text if isinstance(text, str) else None
    return None


def _env_default(value: cst.BaseExpression) -> str | None:
    """``os.getenv("X", "azure")`` / ``os.environ.get("X", "azure")``: the default."""
    if not isinstance(value, cst.Call) or len(value.args) != 2:
        return None
    code = cst.Module([]).code_for_node(value.func)
    if code not in ("os.getenv", "os.environ.get", "getenv", "environ.get"):
        return None
    return _text(value.args[1].value)


def _names(module: cst.Module) -> set[str]:
    found: set[str] = set()

    class _All(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.add(node.value)

    module.visit(_All())
    return found


def _fresh(taken: set[str], choices: tuple[str, ...]) -> str:
    for name in choices:
        if name not in taken:
            return name
    index = 2
    while f"{choices[0]}_{index}" in taken:
        index += 1
    return f"{choices[0]}_{index}"


__all__ = ["MARKERS", "RULE_LEFT", "RULE_REWRITTEN", "Result", "Scan", "rewrite"]
