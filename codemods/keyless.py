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

import ast
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import PositionProvider, QualifiedNameProvider, ScopeProvider
from libcst.metadata.scope_provider import ImportAssignment

from codemods import (
    azure_endpoint,
    config_dicts,
    credential_setup,
    key_literals,
    module_client,
    sdk_hooks,
    unseen_clients,
)
from codemods.findings import KEYLESS, MANUAL, MIGRATED, REVIEW, ClientRecord, ModuleOutcome, Notice
from codemods.key_cleanup import KeyCleanup
from codemods.options import MigrationOptions
from codemods.resolve import bound_other_than_by_import, client_spec, name_counts, qualified_names
from codemods.targets import (
    CREDENTIAL,
    KEY_OVERRIDE_METHODS,
    TOKEN_PROVIDER_FUNCTIONS,
    ClientSpec,
    audience_for,
)
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
    """Names used anywhere (so new names never collide) and comments under a node.

    ``names`` are identifiers a new module-level name could clash with; a keyword argument's
    name (``credential=``) or an attribute's (``self.credential``) is not one, but both are in
    ``words``.
    """

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.words: set[str] = set()
        self.comments = 0
        self.imported: set[str] = set()  # names an import statement binds, anywhere
        self._not_bindings: set[int] = set()

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is not None and isinstance(node.asname.name, cst.Name):
            self.imported.add(node.asname.name.value)
        else:
            root = node.name
            while isinstance(root, cst.Attribute):
                root = root.value
            if isinstance(root, cst.Name):
                self.imported.add(root.value)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._not_bindings.add(id(node.keyword))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._not_bindings.add(id(node.attr))

    def visit_Name(self, node: cst.Name) -> None:
        self.words.add(node.value)
        if id(node) not in self._not_bindings:
            self.names.add(node.value)

    def visit_Comment(self, node: cst.Comment) -> None:
        self.comments += 1


def _collect(node: cst.CSTNode) -> _Collector:
    collector = _Collector()
    node.visit(collector)
    return collector


class KeylessMigration(VisitorBasedCodemodCommand):
    DESCRIPTION = "Replace Azure OpenAI API keys with Entra ID token providers."
    # ScopeProvider is resolved for QualifiedNameProvider anyway: asking for it costs nothing.
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider, ScopeProvider)

    def __init__(
        self,
        context: CodemodContext,
        options: MigrationOptions | None = None,
        usage: dict[tuple[int, int], ClientUsage] | None = None,
        outside_words: frozenset[str] = frozenset(),
        syntax_tree: ast.Module | None = None,
    ) -> None:
        super().__init__(context)
        self.outside_words = outside_words
        self._syntax_tree = syntax_tree
        self._bound_elsewhere: set[str] | None = None
        self.options = options or MigrationOptions()
        self.usage = usage or {}
        self.outcome = ModuleOutcome()
        self._taken: set[str] = set()
        self._values: dict[str, cst.BaseExpression] = {}
        self._assign_nodes: dict[str, cst.CSTNode] = {}
        self._existing: dict[tuple[bool, str], str] = {}
        self._existing_index: dict[str, int] = {}  # provider name -> its module statement
        self._plans: dict[bool, credential_setup.SetupPlan] = {}
        self._top_index: dict[int, int] = {}
        self._current_top = 0
        self._first_top: int | None = None
        self._first_line = 1
        self._module_node: cst.Module | None = None
        self._name_counts: Counter[str] | None = None
        self._config_rewrites: dict[str, tuple[int, cst.BaseExpression]] = {}
        self._removed_values: list[cst.BaseExpression] = []
        self._taken_before: set[str] = set()
        self._imported: set[str] = set()
        self._noted: set[tuple[str, int]] = set()
        self._component_providers: dict[str, str] = {}
        self._functions: list[cst.FunctionDef] = []
        self.cleanup = KeyCleanup(self)
        self._module_client: module_client.ModuleClientPlan | None = None
        self._key_literals: key_literals.Resolver | None = None
        self._reported: set[tuple[int, int]] = set()
        self._bound: dict[credential_setup.ImportNeed, credential_setup.ImportNeed] = {}

    # -- module facts ----------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self._module_node = node
        collected = _collect(node)
        self._taken = collected.names
        self._taken_before = set(collected.words) | self.outside_words
        self._imported = collected.imported
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
                        self._note_existing_provider(target.value, small.value, index)

        self._module_client = module_client.prepare(self, node)
        self._key_literals = key_literals.Resolver(self, node)
        self.outcome.notices.extend(unseen_clients.find(self))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        self._functions.pop()
        return self.cleanup.leave_function(original_node, updated_node)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        if self._module_client is None:
            return updated_node
        return module_client.rewrite_line(self, self._module_client, original_node, updated_node)

    def _function_binds(self, name: str) -> bool:
        return bool(self._functions) and self.cleanup._binds_locally(self._functions[-1], name)

    def report_literals_in(self, node: cst.CSTNode) -> None:
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.report_key_literals(child)

    def _note_existing_provider(self, name: str, value: cst.BaseExpression, index: int) -> None:
        if not isinstance(value, cst.Call) or len(value.args) != 2:
            return
        funcs = qualified_names(self, value.func) & set(TOKEN_PROVIDER_FUNCTIONS)
        scope = value.args[1].value
        if funcs and isinstance(scope, cst.SimpleString):
            is_async = any(f.startswith("azure.identity.aio") for f in funcs)
            self._existing.setdefault((is_async, str(scope.evaluated_value)), name)
            self._existing_index.setdefault(name, index)

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
        message = sdk_hooks.search_definition_key(self, node)
        if message is not None:
            pos = self.get_metadata(PositionProvider, node).start
            self.outcome.notices.append(Notice(pos.line, pos.column, "search-service-key", message))
            return
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
        self._report_key_arguments(spec, node)
        usage = self.usage.get((pos.line, pos.column), ClientUsage())
        endpoint = None
        present = self._present(spec, node.args)
        for name in spec.endpoint_args:
            if name in present:
                value = node.args[present[name]].value
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

    def _present(self, spec: ClientSpec, args: Sequence[cst.Arg]) -> dict[str, int]:
        """Argument name -> index, keywords and the leading positionals the spec names."""
        present: dict[str, int] = {}
        for i, arg in enumerate(args):
            if arg.keyword is not None:
                present[arg.keyword.value] = i
            elif i < len(spec.positional) and not arg.star:
                present[spec.positional[i]] = i
        return present

    def _migrate(self, spec: ClientSpec, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        args = original.args
        kw = self._present(spec, args)
        if spec.hook is not None:
            verdict = sdk_hooks.decide(self, spec, original, {n: args[i] for n, i in kw.items()})
            if verdict == sdk_hooks.SKIP:
                return updated
            if isinstance(verdict, sdk_hooks.Verdict):
                self._record(spec, original, verdict.outcome, verdict.reason)
                if verdict.outcome == KEYLESS:
                    self._notes(spec, original)
                return updated
        if any(a.star for a in args):
            names = {a.keyword.value for a in args if a.keyword is not None}
            if names & set(spec.keyless_args):
                self._record(spec, original, KEYLESS, "token provider passed explicitly")
            elif (rewritten := self._migrate_config_dict(spec, original, updated)) is not None:
                return rewritten
            else:
                self._record(
                    spec,
                    original,
                    MANUAL,
                    "built from *args/**kwargs (a config dict): the key may be inside; "
                    "pass the token provider where the dict is built",
                )
            return updated

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
        if spec.token_replaces_key_in_place and spec.token_arg in kw and self._is_provider(args[kw[spec.token_arg]].value):
            self._record(spec, original, KEYLESS, f"{spec.token_arg} is already a token provider")
            return updated

        keyless = [n for n in spec.keyless_args if n in kw]
        static = [n for n in spec.static_token_args if n in kw]
        keys = [n for n in spec.key_args if n in kw and not _is_none(args[kw[n]].value)]
        switched_off = spec.none_key_means_no_key and any(
            n in kw and _is_none(args[kw[n]].value) for n in spec.key_args
        )
        if static and not keyless:
            self._record(spec, original, MANUAL, _static_reason(spec, static[0]))
            return updated
        if keyless and not keys:
            self._record(spec, original, KEYLESS, f"uses {keyless[0]}=")
            self._notes(spec, original)
            return updated
        if not keys and (not spec.reads_env_key or switched_off):
            return updated

        use = self._async_use(spec, original)
        if use == "both" and spec.async_token_arg is None:
            self._record(
                spec,
                original,
                MANUAL,
                f"used from both sync and async code, and {spec.token_arg}= takes one provider: a sync "
                "provider fails in the async calls and an async one in the sync calls",
            )
            return updated
        new_args = list(updated.args)
        if keyless:
            # Already has a token argument; the key next to it would make openai raise. Nothing
            # new is needed, so no credential setup either.
            for name in keys:
                self._drop_key(original.args[kw[name]])
            self._record(spec, original, MIGRATED, f"removed {', '.join(keys)} next to {keyless[0]}=")
            self._notes(spec, original)
            return updated.with_changes(args=_remove_args(new_args, {kw[n] for n in keys}))
        token_spec = spec
        if use == "async" and spec.async_token_arg is None and not spec.is_async:
            token_spec = replace(spec, is_async=True)
        token_value = cst.Name(self._token_source(token_spec))
        if keys:
            first = kw[keys[0]]
            for name in keys:
                self._drop_key(original.args[kw[name]])
            keyword = None if new_args[first].keyword is None else cst.Name(spec.token_arg)
            new_args[first] = new_args[first].with_changes(keyword=keyword, value=token_value)
            new_args = _remove_args(new_args, {kw[n] for n in keys[1:]})
            if keys[0] == spec.token_arg:
                what = "token credential" if spec.supplies == CREDENTIAL else "token provider"
                reason = f"the key in {keys[0]} replaced by the module's {what}"
            else:
                reason = f"{keys[0]}= replaced by {spec.token_arg}="
        else:
            new_args = _append_arg(updated, new_args, spec.token_arg, token_value)
            reason = f"no key argument (the key came from the environment); {spec.token_arg}= added"
        if use in ("async", "both") and spec.async_token_arg is not None:
            present = {a.keyword.value for a in new_args if a.keyword is not None}
            if spec.async_token_arg not in present:
                async_value = cst.Name(self._token_source(replace(spec, is_async=True)))
                new_args = _append_arg(updated, new_args, spec.async_token_arg, async_value)
                reason += f"; {spec.async_token_arg}= added for the async calls"
        elif use == "async" and token_spec.is_async and not spec.is_async:
            reason += " (an async provider: the object is used from async code)"
        new_args = self._write_extra_args(spec, updated, new_args)
        self._record(spec, original, MIGRATED, reason)
        self._notes(spec, original)
        self.note_first_use(original)
        return updated.with_changes(args=new_args)

    def _write_extra_args(self, spec: ClientSpec, updated: cst.Call, new_args: list[cst.Arg]) -> list[cst.Arg]:
        scope = credential_setup.scope(self.options, spec.service)
        audience = audience_for(spec.service, self.options.cloud)
        wanted = list(spec.extra_args)
        if self.options.cloud != "public":
            wanted += list(spec.cloud_args)
        for name, template in [*spec.set_args, *wanted]:
            value = cst.parse_expression(template.format(scope=scope, audience=audience))
            index = next((i for i, a in enumerate(new_args) if a.keyword is not None and a.keyword.value == name), None)
            if index is None:
                new_args = _append_arg(updated, new_args, name, value)
            elif (name, template) in spec.set_args and not new_args[index].value.deep_equals(value):
                new_args[index] = new_args[index].with_changes(value=value)
        return new_args

    def _async_use(self, spec: ClientSpec, node: cst.Call) -> str | None:
        """``async``, ``both`` or None: whether the object is used from async code.

        Decided from the calls made on it in this module; when its use cannot be followed (it
        goes into a chain or is passed away), from whether the module calls any of the async
        methods at all.
        """
        if not spec.async_use_methods:
            return None
        pos = self.get_metadata(PositionProvider, node).start
        usage = self.usage.get((pos.line, pos.column), ClientUsage())
        methods = {c.chain.split(".")[0] for c in usage.calls}
        asynchronous = bool(methods & set(spec.async_use_methods))
        if not usage.known and set(spec.async_use_methods) & self._taken_before:
            asynchronous = True
        if not asynchronous:
            return None
        sync_methods = {m[1:] for m in spec.async_use_methods if m.startswith("a")} | {
            m.removesuffix("_async") for m in spec.async_use_methods
        }
        return "both" if methods & sync_methods else "async"

    def _notes(self, spec: ClientSpec, node: cst.Call) -> None:
        pos = self.get_metadata(PositionProvider, node).start
        for rule, message, severity in spec.notes:
            if (rule, pos.line) in self._noted:
                continue
            self._noted.add((rule, pos.line))
            self.outcome.notices.append(Notice(pos.line, pos.column, rule, message, severity=severity))

    # -- facts other codemod modules ask for --------------------------------------------------
    def module_value(self, name: str) -> cst.BaseExpression | None:
        return self._values.get(name)

    def module_values(self) -> dict[str, cst.BaseExpression]:
        return self._values

    def names_in_module(self) -> set[str]:
        return self._taken_before

    def credential_names(self) -> set[str]:
        return {p.credential_name for p in self._plans.values()}

    def _drop_key(self, arg: cst.Arg) -> None:
        self.drop_key_value(arg.value, arg)

    def drop_key_value(self, value: cst.BaseExpression, where: cst.CSTNode) -> None:
        """Account for a key expression (an original node) that is about to leave the code."""
        pos = self.get_metadata(PositionProvider, where).start
        found = _collect(value)
        if found.comments:
            self.outcome.notices.append(
                Notice(pos.line, pos.column, "comment-dropped", "a comment inside the removed key expression was dropped")
            )
        self.report_key_literals(value)
        self.cleanup.dropped(value, self._functions[-1] if self._functions else None)
        self._removed_values.append(value)

    @property
    def removed_values(self) -> list[cst.BaseExpression]:
        """The key expressions (original nodes) this transform removed."""
        return list(self._removed_values)

    def _schedule_import_removal(self) -> None:
        """Ask LibCST to remove imports only the removed key expressions used.

        Its remover re-resolves the whole module's metadata, the costliest step of a run, so it is
        scheduled only when a name in a removed expression has no other use in the module (the
        remover still checks for itself before it removes anything).
        """
        if not self._removed_values or self._module_node is None:
            return
        if self._name_counts is None:
            self._name_counts = name_counts(self._module_node)
        removed: Counter[str] = Counter()
        for value in self._removed_values:
            removed.update(name_counts(value))
        kept_by_setup: set[str] = set()
        options = self.options
        if self._plans and options.credential != "default" and not options.system_assigned:
            kept_by_setup.add(self._bind(credential_setup.ImportNeed("os")).local)
        for value in self._removed_values:
            names = set(name_counts(value)) & self._imported  # the remover only removes imports
            # An import binds its name once; any count above that and the removed uses is another use.
            if any(self._name_counts[n] - removed[n] <= 1 and n not in kept_by_setup for n in names):
                RemoveImportsVisitor.remove_unused_import_by_node(self.context, value)

    def token_source(self, spec: ClientSpec) -> str:
        return self._token_source(spec)

    def note_first_use(self, node: cst.CSTNode) -> None:
        """A module-level statement at or after the current one uses the credential setup."""
        if self._first_top is None or self._current_top < self._first_top:
            self._first_top = self._current_top
            self._first_line = self.get_metadata(PositionProvider, node).start.line

    def report_key_literals(self, value: cst.BaseExpression) -> None:
        """Report (masked) every literal key ``value`` is built from, wherever it is written."""
        if self._key_literals is None:
            return
        for key in self._key_literals.keys_in(value):
            self.outcome.secrets.extend(key.texts())
            pos = self.get_metadata(PositionProvider, key.node).start
            if (pos.line, pos.column) in self._reported:
                continue
            self._reported.add((pos.line, pos.column))
            self.outcome.notices.append(
                Notice(
                    pos.line,
                    pos.column,
                    "literal-key",
                    f"an API key is written in the code ({masked(key.value)}): rotate it, "
                    "it stays in version-control history",
                )
            )

    def _report_key_arguments(self, spec: ClientSpec, node: cst.Call) -> None:
        """A literal key a client is given is reported whatever becomes of the client."""
        if self._key_literals is None:
            return
        present = self._present(spec, node.args)
        for name in spec.key_args:
            if name in present:
                self.report_key_literals(node.args[present[name]].value)
        for arg in node.args:
            if arg.star == "**":
                for entry in self._key_literals.entries(arg.value, spec.key_args):
                    self.report_key_literals(entry)

    def _token_source(self, spec: ClientSpec) -> str:
        """The name a client passes: the module's credential or its token provider."""
        if spec.hook == "autogen" and sdk_hooks.autogen_serializes(self):
            return self._component_provider(spec)
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
        # Reused only when it is defined above the statement that builds the client: one defined
        # further down does not exist yet when this line runs (a NameError at import).
        if existing is not None and self._existing_index[existing] < self._current_top:
            return existing
        if scope not in plan.provider_names:
            base = "async_token_provider" if spec.is_async else "token_provider"
            if plan.provider_names:
                base = f"{spec.service}_{base}"
            plan.provider_names[scope] = self._free(base)
        return plan.provider_names[scope]

    def _component_provider(self, spec: ClientSpec) -> str:
        """autogen's serializable provider: only DefaultAzureCredential can be dumped and loaded."""
        scope = credential_setup.scope(self.options, spec.service)
        if scope not in self._component_providers:
            self._component_providers[scope] = self._free("azure_token_provider")
        return self._component_providers[scope]

    def _free(self, base: str) -> str:
        name, n = base, 1
        while name in self._taken:
            n += 1
            name = f"{base}_{n}"
        self._taken.add(name)
        return name

    def _bind(self, need: credential_setup.ImportNeed) -> credential_setup.ImportNeed:
        """``need`` as the module can take it: under its own name when that name is free or
        already bound to the very thing imported, else under an alias no code in it uses
        (``import os as _os`` next to ``import os.path as os``; ``from azure.identity import
        ManagedIdentityCredential as _ManagedIdentityCredential`` next to a class of that name)."""
        if need not in self._bound:
            bound = need
            if self._name_is_taken(need):
                base = need.obj or need.module.rsplit(".", 1)[-1]
                bound = replace(need, asname=self._free(f"_{base}"))
            self._bound[need] = bound
        return self._bound[need]

    def _name_is_taken(self, need: credential_setup.ImportNeed) -> bool:
        local = need.local
        if self._syntax_tree is not None:
            # Code the slicer left out binds names LibCST never sees (its placeholder only
            # reads them).
            if self._bound_elsewhere is None:
                self._bound_elsewhere = bound_other_than_by_import(self._syntax_tree)
            if local in self._bound_elsewhere:
                return True
        if self._module_node is None:
            return local in self._taken
        scope = self.get_metadata(ScopeProvider, self._module_node, None)
        assignments = list(scope.assignments[local]) if scope is not None else []
        if not assignments:
            # Not bound at module level; taken if something reads it there anyway (from a star
            # import, a builtin, code left out of the slice): an import would change what it
            # means. A function's own local of that name is no reason.
            return local in self._taken and self._read_unbound(local)
        return not all(_imports(a, need) for a in assignments)

    def _read_unbound(self, local: str) -> bool:
        scopes = {s for s in self.metadata.get(ScopeProvider, {}).values() if s is not None}
        return not scopes or any(not a.referents for s in scopes for a in s.accesses[local])

    # -- module setup ------------------------------------------------------------------------
    def _migrate_config_dict(self, spec: ClientSpec, original: cst.Call, updated: cst.Call) -> cst.Call | None:
        """``Client(**CONFIG)`` with a module-level dict literal: rewrite the dict's key entry."""
        if self._module_node is None or spec.needs_azure_base_url:
            return None
        if self._name_counts is None:
            self._name_counts = name_counts(self._module_node)
        found = config_dicts.find(original, self._module_node, self._name_counts)
        if found is None:
            return None
        explicit = {a.keyword.value for a in original.args if a.keyword is not None}
        present = set(found.keys) | explicit
        if present & set(spec.keyless_args):
            self._record(spec, original, KEYLESS, f"the config dict {found.name} passes a token provider")
            return updated
        if present & set(spec.static_token_args):
            return None
        keys = [k for k in spec.key_args if k in found.keys]
        if not keys and (present & set(spec.key_args) or not spec.reads_env_key):
            return None
        if len(keys) > 1 or found.name in self._config_rewrites:
            return None
        token_value = cst.Name(self._token_source(spec))
        if keys:
            element = found.keys[keys[0]]
            self._drop_key(element)  # type: ignore[arg-type]
            self._config_rewrites[found.name] = (
                found.statement_index,
                config_dicts.rewrite_key(found, keys[0], spec.token_arg, token_value),
            )
            reason = f"the {keys[0]!r} entry of the config dict {found.name} replaced by {spec.token_arg!r}"
            new_call = updated
        else:
            new_call = updated.with_changes(args=_append_arg(updated, list(updated.args), spec.token_arg, token_value))
            reason = f"the config dict {found.name} holds no key (it came from the environment); {spec.token_arg}= added"
        self._record(spec, original, MIGRATED, reason)
        self.note_first_use(original)
        if keys and (self._first_top is None or found.statement_index < self._first_top):
            self._first_top = found.statement_index  # the dict refers to the provider: define it first
        return new_call

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        self._schedule_import_removal()
        if self._config_rewrites:
            body = list(updated_node.body)
            for index, value in self._config_rewrites.values():
                stmt = body[index]
                assign = next(s for s in stmt.body if isinstance(s, cst.Assign))  # type: ignore[union-attr]
                body[index] = stmt.deep_replace(assign, assign.with_changes(value=value))  # type: ignore[assignment]
            updated_node = updated_node.with_changes(body=body)
        return self.cleanup.leave_module(original_node, self._add_setup(updated_node))

    def _add_setup(self, updated_node: cst.Module) -> cst.Module:
        plans = [p for p in self._plans.values() if p.provider_names or p.credential_used]
        if not (plans or self._component_providers) or self._first_top is None:
            return updated_node
        plans.sort(key=lambda p: p.is_async)
        statements, imports = credential_setup.build_statements(plans, self.options, self._bind)
        extra, extra_imports = credential_setup.component_provider_statements(
            self._component_providers, self._bind
        )
        statements += extra
        imports += extra_imports
        if self._component_providers:
            self.outcome.notices.append(
                Notice(
                    self._first_line,
                    0,
                    "autogen-serializable-provider",
                    "the module serializes autogen components, and AzureTokenProvider can only dump "
                    "and load DefaultAzureCredential: it is used here whatever credential was chosen "
                    "(it reads AZURE_CLIENT_ID for a user-assigned managed identity)",
                    severity="info",
                )
            )
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


def _imports(assignment: object, need: credential_setup.ImportNeed) -> bool:
    """Whether a module-level binding is an import of what ``need`` imports, under its name."""
    if not isinstance(assignment, ImportAssignment):
        return False
    node = assignment.node
    local = need.local
    if isinstance(node, cst.Import) and need.obj is None:
        for alias in node.names:
            dotted = cst.Module([]).code_for_node(alias.name)
            if alias.asname is None and dotted.split(".", 1)[0] == local:
                return True  # ``import os.path`` binds ``os`` to the os package too
            if alias.evaluated_alias == local and dotted == need.module:
                return True
        return False
    if isinstance(node, cst.ImportFrom) and need.obj is not None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return False
        if cst.Module([]).code_for_node(node.module) != need.module:
            return False
        return any(
            cst.Module([]).code_for_node(alias.name) == need.obj
            and (alias.evaluated_alias or need.obj) == local
            for alias in node.names
        )
    return False


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


def _is_none(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"


def _static_reason(spec: ClientSpec, name: str) -> str:
    if name == "credential":
        return (
            "credential= fetches one token when the service is built and never refreshes it "
            f"(it expires after about an hour); pass {spec.token_arg}= with a token provider instead"
        )
    return (
        f"{name}= is a static token that expires after about an hour; "
        f"use {spec.token_arg}= with a token provider instead"
    )
