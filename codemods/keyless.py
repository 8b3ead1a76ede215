"""The transform: key-based Azure client constructions become token-based ones.

For every call of a known client class (``codemods.targets``), resolved by qualified name:

* a key argument is replaced, in place, by the token argument (so its comma, comments and
  layout stay where they were);
* a client with no credential argument, which would read a key from the environment, gets the
  token argument appended;
* what cannot be migrated safely is left as it is and recorded with the reason.

The module gets one credential and one token provider per kind (sync/async), inserted before
the first module-level statement that needs them, and the imports they use.
"""

from __future__ import annotations

import re

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import PositionProvider, QualifiedNameProvider

from codemods import azure_endpoint, credential_setup
from codemods.findings import KEYLESS, MANUAL, MIGRATED, REVIEW, ClientRecord, ModuleOutcome, Notice
from codemods.options import MigrationOptions
from codemods.resolve import client_spec, qualified_names
from codemods.targets import CREDENTIAL, KEY_OVERRIDE_METHODS, TOKEN_PROVIDER_FUNCTIONS, ClientSpec
from codemods.usage import ClientUsage

_NOT_A_SECRET = re.compile(r"your|<|>|x{4,}|placeholder|api[_-]?key|\s|^https?://", re.IGNORECASE)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def looks_like_secret(value: str) -> bool:
    """A literal that is plausibly a real key (not a variable name, URL or placeholder)."""
    if len(value) < 16 or _NOT_A_SECRET.search(value):
        return False
    if _ENV_NAME.match(value) and (value.isupper() or "_" in value):
        return False
    return True


def masked(value: str) -> str:
    return f"<masked, {len(value)} characters>"


class _Collector(cst.CSTVisitor):
    """Names used anywhere (so new names never collide) and comments under a node."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.comments = 0
        self.strings: list[cst.SimpleString] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Comment(self, node: cst.Comment) -> None:
        self.comments += 1

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.strings.append(node)


def _collect(node: cst.CSTNode) -> _Collector:
    collector = _Collector()
    node.visit(collector)
    return collector


class KeylessMigration(VisitorBasedCodemodCommand):
    DESCRIPTION = "Replace Azure OpenAI API keys with Entra ID token providers."
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(
        self,
        context: CodemodContext,
        options: MigrationOptions | None = None,
        usage: dict[tuple[int, int], ClientUsage] | None = None,
    ) -> None:
        super().__init__(context)
        self.options = options or MigrationOptions()
        self.usage = usage or {}
        self.outcome = ModuleOutcome()
        self._taken: set[str] = set()
        self._values: dict[str, cst.BaseExpression] = {}
        self._assign_nodes: dict[str, cst.CSTNode] = {}
        self._existing: dict[tuple[bool, str], str] = {}
        self._plans: dict[bool, credential_setup.SetupPlan] = {}
        self._top_index: dict[int, int] = {}
        self._current_top = 0
        self._first_top: int | None = None
        self._first_line = 1

    # -- module facts ----------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self._taken = _collect(node).names
        for index, stmt in enumerate(node.body):
            self._top_index[id(stmt)] = index
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target = small.targets[0].target
                    if isinstance(target, cst.Name):
                        self._values[target.value] = small.value
                        self._assign_nodes[target.value] = small
                        self._note_existing_provider(target.value, small.value)

    def _note_existing_provider(self, name: str, value: cst.BaseExpression) -> None:
        if not isinstance(value, cst.Call) or len(value.args) != 2:
            return
        funcs = qualified_names(self, value.func) & set(TOKEN_PROVIDER_FUNCTIONS)
        scope = value.args[1].value
        if funcs and isinstance(scope, cst.SimpleString):
            is_async = any(f.startswith("azure.identity.aio") for f in funcs)
            self._existing[(is_async, str(scope.evaluated_value))] = name

    def on_visit(self, node: cst.CSTNode) -> bool:
        index = self._top_index.get(id(node))
        if index is not None:
            self._current_top = index
        return super().on_visit(node)

    # -- calls -------------------------------------------------------------------------------
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        spec = client_spec(self, original_node)
        if spec is None:
            self._check_key_override(original_node)
            return updated_node
        return self._migrate(spec, original_node, updated_node)

    def _check_key_override(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in KEY_OVERRIDE_METHODS):
            return
        if any(a.keyword is not None and a.keyword.value == "api_key" for a in node.args):
            pos = self.get_metadata(PositionProvider, node).start
            self.outcome.notices.append(
                Notice(
                    pos.line,
                    pos.column,
                    "key-override",
                    f".{func.attr.value}(api_key=...) sets a key on a client copy; "
                    "remove it by hand once the client uses a token provider",
                )
            )

    def _record(self, spec: ClientSpec, node: cst.Call, outcome: str, reason: str, **extra) -> None:  # type: ignore[no-untyped-def]
        pos = self.get_metadata(PositionProvider, node).start
        usage = self.usage.get((pos.line, pos.column), ClientUsage())
        endpoint = None
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in spec.endpoint_args:
                value = arg.value
                if isinstance(value, cst.Name) and value.value in self._values:
                    value = self._values[value.value]  # endpoint = os.getenv("AZURE_OPENAI_ENDPOINT")
                endpoint = cst.Module([]).code_for_node(value)
                break
        self.outcome.clients.append(
            ClientRecord(
                line=pos.line,
                column=pos.column,
                sdk=spec.sdk,
                cls=spec.label,
                outcome=outcome,
                reason=reason,
                service=spec.service,
                is_async=extra.get("is_async", spec.is_async),
                endpoint=endpoint,
                binding=usage.binding,
                calls=tuple(usage.calls),
                usage_known=usage.known,
                usage_note=usage.note,
            )
        )

    def _is_provider(self, value: cst.BaseExpression) -> bool:
        if isinstance(value, cst.Name):
            if value.value in self._existing.values():
                return True
            value = self._values.get(value.value, value)
        return isinstance(value, cst.Call) and bool(
            qualified_names(self, value.func) & set(TOKEN_PROVIDER_FUNCTIONS)
        )

    def _migrate(self, spec: ClientSpec, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        args = original.args
        if any(a.star for a in args):
            names = {a.keyword.value for a in args if a.keyword is not None}
            if names & set(spec.keyless_args):
                self._record(spec, original, KEYLESS, "token provider passed explicitly")
            else:
                self._record(
                    spec,
                    original,
                    MANUAL,
                    "built from *args/**kwargs (a config dict): the key may be inside; "
                    "pass the token provider where the dict is built",
                )
            return updated
        kw = {a.keyword.value: i for i, a in enumerate(args) if a.keyword is not None}

        if spec.needs_azure_base_url:
            base = args[kw["base_url"]].value if "base_url" in kw else None
            verdict = azure_endpoint.NOT_AZURE if base is None else azure_endpoint.classify(base, self._values)
            if verdict == azure_endpoint.NOT_AZURE:
                return updated
            if verdict == azure_endpoint.UNKNOWN:
                self._record(
                    spec,
                    original,
                    REVIEW,
                    "the code does not show whether base_url is an Azure OpenAI endpoint; left as it is",
                )
                return updated
            if "api_key" in kw and self._is_provider(args[kw["api_key"]].value):
                self._record(spec, original, KEYLESS, "api_key is already a token provider")
                return updated

        keyless = [n for n in spec.keyless_args if n in kw]
        static = [n for n in spec.static_token_args if n in kw]
        keys = [n for n in spec.key_args if n in kw]
        if static and not keyless:
            self._record(
                spec,
                original,
                MANUAL,
                f"{static[0]}= is a static token that expires after about an hour; "
                f"use {spec.token_arg}= with a token provider instead",
            )
            return updated
        if keyless and not keys:
            self._record(spec, original, KEYLESS, f"uses {keyless[0]}=")
            return updated
        if not keys and not spec.reads_env_key:
            return updated

        new_args = list(updated.args)
        if keyless:
            # Already has a token argument; the key next to it would make openai raise.
            for name in keys:
                self._drop_key(original.args[kw[name]])
            self._record(spec, original, MIGRATED, f"removed {', '.join(keys)} next to {keyless[0]}=")
            return updated.with_changes(args=_remove_args(new_args, {kw[n] for n in keys}))
        token_value = cst.Name(self._token_source(spec))
        if keys:
            first = kw[keys[0]]
            for name in keys:
                self._drop_key(original.args[kw[name]])
            new_args[first] = new_args[first].with_changes(keyword=cst.Name(spec.token_arg), value=token_value)
            new_args = _remove_args(new_args, {kw[n] for n in keys[1:]})
            reason = f"{keys[0]}= replaced by {spec.token_arg}="
        else:
            new_args = _append_arg(updated, new_args, spec.token_arg, token_value)
            reason = f"no key argument (the key came from the environment); {spec.token_arg}= added"
        present = {a.keyword.value for a in new_args if a.keyword is not None}
        for name, template in spec.extra_args:
            if name not in present:
                scope = credential_setup.scope(self.options, spec.service)
                new_args = _append_arg(updated, new_args, name, cst.parse_expression(template.format(scope=scope)))
        self._record(spec, original, MIGRATED, reason)
        if self._first_top is None or self._current_top < self._first_top:
            self._first_top = self._current_top
            self._first_line = self.get_metadata(PositionProvider, original).start.line
        return updated.with_changes(args=new_args)

    def _drop_key(self, arg: cst.Arg) -> None:
        """Account for a key expression that is about to leave the code."""
        pos = self.get_metadata(PositionProvider, arg).start
        found = _collect(arg.value)
        if found.comments:
            self.outcome.notices.append(
                Notice(pos.line, pos.column, "comment-dropped", "a comment inside the removed key expression was dropped")
            )
        literals = list(found.strings)
        if isinstance(arg.value, cst.Name) and arg.value.value in self._assign_nodes:
            assigned = self._assign_nodes[arg.value.value]
            for string in _collect(assigned).strings:
                self._report_literal(string, assigned)
        for string in literals:
            self._report_literal(string, string)
        RemoveImportsVisitor.remove_unused_import_by_node(self.context, arg.value)

    def _report_literal(self, string: cst.SimpleString, where: cst.CSTNode) -> None:
        try:
            value = string.evaluated_value
        except Exception:  # noqa: BLE001
            return
        if not isinstance(value, str) or not looks_like_secret(value):
            return
        self.outcome.secrets.append(value)
        pos = self.get_metadata(PositionProvider, where).start
        self.outcome.notices.append(
            Notice(
                pos.line,
                pos.column,
                "literal-key",
                f"an API key is written in the code ({masked(value)}): rotate it, "
                "it stays in version-control history",
            )
        )

    def _token_source(self, spec: ClientSpec) -> str:
        """The name a client passes: the module's credential or its token provider."""
        plan = self._plans.get(spec.is_async)
        if plan is None:
            base = "async_credential" if spec.is_async else "credential"
            plan = credential_setup.SetupPlan(spec.is_async, self._free(base))
            self._plans[spec.is_async] = plan
        if spec.supplies == CREDENTIAL:
            plan.credential_used = True
            return plan.credential_name
        scope = credential_setup.scope(self.options, spec.service)
        existing = self._existing.get((spec.is_async, scope))
        if existing is not None:
            return existing
        if scope not in plan.provider_names:
            base = "async_token_provider" if spec.is_async else "token_provider"
            if plan.provider_names:
                base = f"{spec.service}_{base}"
            plan.provider_names[scope] = self._free(base)
        return plan.provider_names[scope]

    def _free(self, base: str) -> str:
        name, n = base, 1
        while name in self._taken:
            n += 1
            name = f"{base}_{n}"
        self._taken.add(name)
        return name

    # -- module setup ------------------------------------------------------------------------
    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        plans = [p for p in self._plans.values() if p.provider_names or p.credential_used]
        if not plans or self._first_top is None:
            return updated_node
        plans.sort(key=lambda p: p.is_async)
        statements, imports = credential_setup.build_statements(plans, self.options)
        for plan in plans:
            if plan.is_async:
                self.outcome.notices.append(
                    Notice(
                        self._first_line,
                        0,
                        "close-async-credential",
                        f"{plan.credential_name} is created once for the module and nothing closes it: "
                        f"`await {plan.credential_name}.close()` at shutdown avoids aiohttp's "
                        "'Unclosed client session' warnings",
                        severity="info",
                    )
                )
        for need in imports:
            AddImportsVisitor.add_needed_import(self.context, need.module, need.obj, need.asname)

        body = list(updated_node.body)
        at = self._first_top
        anchor = body[at]
        blank = [cst.EmptyLine()]
        statements[0] = statements[0].with_changes(leading_lines=blank if at > 0 else [])
        if not anchor.leading_lines:
            wanted = 2 if isinstance(anchor, (cst.FunctionDef, cst.ClassDef)) else 1
            body[at] = anchor.with_changes(leading_lines=[cst.EmptyLine()] * wanted)
        body[at:at] = statements
        return updated_node.with_changes(body=body)


def _separator(call: cst.Call, args: list[cst.Arg]) -> cst.Comma:
    """The comma that goes between arguments, in the call's own layout, without comments."""
    for arg in args[:-1]:
        if isinstance(arg.comma, cst.Comma):
            return arg.comma.with_changes(whitespace_after=_without_comment(arg.comma.whitespace_after))
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        # One argument on its own line: the next one goes on a line of its own too.
        return cst.Comma(whitespace_after=_without_comment(call.whitespace_before_args))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _without_comment(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return ws


def _append_arg(call: cst.Call, args: list[cst.Arg], name: str, value: cst.BaseExpression) -> list[cst.Arg]:
    """``args`` with ``name=value`` added last, laid out like the arguments before it.

    A comment after the old last argument stays on that argument's line; the new argument takes
    over what followed it (the line break before ``)`` and the trailing comma, if there was one).
    """
    new = cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    if not args:
        return [new]
    last = args[-1]
    separator = _separator(call, args)
    had_comma = isinstance(last.comma, cst.Comma)
    tail = last.comma.whitespace_after if isinstance(last.comma, cst.Comma) else last.whitespace_after_arg
    if isinstance(tail, cst.ParenthesizedWhitespace):
        sep_ws = separator.whitespace_after
        if isinstance(sep_ws, cst.ParenthesizedWhitespace):
            separator = separator.with_changes(
                whitespace_after=sep_ws.with_changes(first_line=tail.first_line, empty_lines=tail.empty_lines)
            )
        tail = _without_comment(tail)
    if had_comma:
        new = new.with_changes(comma=last.comma.with_changes(whitespace_after=tail))  # type: ignore[union-attr]
    else:
        new = new.with_changes(whitespace_after_arg=tail)
    last = last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace(""))
    return [*args[:-1], last, new]


def _remove_args(args: list[cst.Arg], drop: set[int]) -> list[cst.Arg]:
    kept: list[cst.Arg] = []
    for i, arg in enumerate(args):
        if i in drop:
            if i == len(args) - 1 and kept:
                # The last argument goes: the one before it takes its comma and trailing space.
                kept[-1] = kept[-1].with_changes(comma=arg.comma, whitespace_after_arg=arg.whitespace_after_arg)
            continue
        kept.append(arg)
    return kept
