"""Credential planning: the names a module's new setup takes, and where the setup goes.

The one thing the transforms may change besides the tree and the findings. A transform asks
``token_source`` for the name a client passes (the module's credential or a token provider,
or one the module already defines above the client), says where the setup is first needed
(``note_first_use``), and ``add_setup`` writes the statements once the module is done. New
names never clash with a name of the module; an import the setup needs is bound under an alias
when its own name means something else there (``bind``).
"""

from __future__ import annotations

import ast
from dataclasses import replace

import libcst as cst
from libcst.metadata import ImportAssignment, PositionProvider

from codemods import credential_setup, sdk_hooks
from codemods.findings import ModuleOutcome, Notice
from codemods.import_placement import ImportLayout, add_imports
from codemods.module_state import ModuleState
from codemods.targets import CREDENTIAL, ClientSpec

ImportNeed = credential_setup.ImportNeed


class CredentialPlan:
    def __init__(self, state: ModuleState, layout: ImportLayout | None = None) -> None:
        self.state = state
        self.layout = layout or ImportLayout()
        self.taken: set[str] = set(state.names)  # grows with every name handed out
        self.plans: dict[bool, credential_setup.SetupPlan] = {}
        self.component_providers: dict[str, str] = {}
        self._bound: dict[ImportNeed, ImportNeed] = {}
        self.current_top = 0  # the module-level statement the traversal is in
        self.first_top: int | None = None  # the first statement that needs the setup
        self.first_line = 1

    @property
    def hooks(self) -> PlanHookView:
        return PlanHookView(self.state, self)

    def credential_names(self) -> set[str]:
        return {p.credential_name for p in self.plans.values()}

    # -- names ---------------------------------------------------------------------------------
    def token_source(self, spec: ClientSpec) -> str:
        """The name a client passes: the module's credential or its token provider."""
        if spec.hook == "autogen" and sdk_hooks.autogen_serializes(self.hooks):
            return self._component_provider(spec)
        plan = self.plans.get(spec.is_async)
        if plan is None:
            base = "async_credential" if spec.is_async else "credential"
            plan = credential_setup.SetupPlan(spec.is_async, self.free(base))
            self.plans[spec.is_async] = plan
        if spec.supplies == CREDENTIAL:
            plan.credential_used = True
            return plan.credential_name
        scope = credential_setup.scope(self.state.options, spec.service)
        existing = self.state.existing.get((spec.is_async, scope))
        # Reused only when it is defined above the statement that builds the client: one defined
        # further down does not exist yet when this line runs (a NameError at import).
        if existing is not None and self.state.existing_index[existing] < self.current_top:
            return existing
        if scope not in plan.provider_names:
            base = "async_token_provider" if spec.is_async else "token_provider"
            if plan.provider_names:
                base = f"{spec.service}_{base}"
            plan.provider_names[scope] = self.free(base)
        return plan.provider_names[scope]

    def _component_provider(self, spec: ClientSpec) -> str:
        """autogen's serializable provider: only DefaultAzureCredential can be dumped and loaded."""
        scope = credential_setup.scope(self.state.options, spec.service)
        if scope not in self.component_providers:
            self.component_providers[scope] = self.free("azure_token_provider")
        return self.component_providers[scope]

    def free(self, base: str) -> str:
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name

    def bind(self, need: ImportNeed) -> ImportNeed:
        """``need`` as the module can take it: under its own name when that name is free or
        already bound to the very thing imported, else under an alias no code in it uses
        (``import os as _os`` next to ``import os.path as os``; ``from azure.identity import
        ManagedIdentityCredential as _ManagedIdentityCredential`` next to a class of that name)."""
        if need not in self._bound:
            bound = need
            if self._name_is_taken(need):
                base = need.obj or need.module.rsplit(".", 1)[-1]
                bound = replace(need, asname=self.free(f"_{base}"))
            self._bound[need] = bound
        return self._bound[need]

    def _name_is_taken(self, need: ImportNeed) -> bool:
        local = need.local
        if local in self.state.bound_elsewhere:
            return True
        assignments = self.state.module_assignments(local)
        if not assignments:
            # Not bound at module level; taken if something reads it there anyway (from a star
            # import, a builtin, code left out of the slice): an import would change what it
            # means. A function's own local of that name is no reason.
            return local in self.taken and self.state.read_unbound(local)
        return not all(_imports(a, need) for a in assignments)

    # -- where the setup goes ------------------------------------------------------------------
    def note_first_use(self, node: cst.CSTNode) -> None:
        """A module-level statement at or after the current one uses the credential setup."""
        if self.first_top is None or self.current_top < self.first_top:
            self.first_top = self.current_top
            self.first_line = self.state.position(node).line

    def needed_from(self, index: int) -> None:
        """Statement ``index`` (above the current one, possibly) refers to the setup."""
        if self.first_top is None or index < self.first_top:
            self.first_top = index

    def add_setup(self, updated_node: cst.Module, outcome: ModuleOutcome) -> cst.Module:
        plans = [p for p in self.plans.values() if p.provider_names or p.credential_used]
        if not (plans or self.component_providers) or self.first_top is None:
            return updated_node
        plans.sort(key=lambda p: p.is_async)
        options = self.state.options
        statements, imports = credential_setup.build_statements(
            plans,
            options,
            self.bind,
            self.free,
            width=self.layout.resolved_style().line_length,
            indent=self.state.module.default_indent,
        )
        extra, extra_imports = credential_setup.component_provider_statements(
            self.component_providers, self.bind
        )
        statements = credential_setup.space_defs(statements + extra)
        imports += extra_imports
        if self.component_providers:
            outcome.notices.append(
                Notice(
                    self.first_line,
                    0,
                    "autogen-serializable-provider",
                    "the module serializes autogen components, and AzureTokenProvider can only "
                    "dump and load DefaultAzureCredential: it is used here whatever credential was "
                    "chosen (it reads AZURE_CLIENT_ID for a user-assigned managed identity)",
                    severity="info",
                )
            )
        body = list(updated_node.body)
        lines = [self._lines(stmt) for stmt in self.state.module.body]
        first = self.first_top
        previous = body[first - 1] if first > 0 else None
        at = first + add_imports(body, imports, first, self.layout, lines)
        # Blank lines as black and ruff format put them: two next to a function or a class,
        # none at the top of the module or of a notebook cell, else one.
        anchor = body[at]
        defs = (cst.FunctionDef, cst.ClassDef)
        if at == 0 or (body[at - 1] is previous and self.layout.at_cell_top(lines, first)):
            magic = at > 0 and self.layout.under_cell_magic(lines, first)
            above = 2 if magic and isinstance(statements[0], defs) else 0
        elif isinstance(statements[0], defs) or (
            body[at - 1] is previous and self._is_definition_at(first - 1, lines)
        ):
            above = 2
        else:
            above = 1
        statements[0] = statements[0].with_changes(leading_lines=[cst.EmptyLine()] * above)
        wanted = 2 if _is_definition(anchor) or isinstance(statements[-1], defs) else 1
        blank = 0
        while blank < len(anchor.leading_lines) and anchor.leading_lines[blank].comment is None:
            blank += 1
        if blank < wanted and (blank or not anchor.leading_lines or wanted == 2):
            extra = [cst.EmptyLine()] * (wanted - blank)
            body[at] = anchor.with_changes(leading_lines=[*extra, *anchor.leading_lines])
        body[at:at] = statements
        return updated_node.with_changes(body=body)

    def _is_definition_at(self, index: int, lines: list[tuple[int, int]]) -> bool:
        """Whether top-level statement ``index`` ends with a def or class: the statement
        itself, or for code the slicer left out, the last statement of the file it stands for."""
        stmt = self.state.module.body[index]
        if _is_definition(stmt) or self.state.syntax_tree is None:
            return _is_definition(stmt)
        first, last = lines[index]
        inside = [
            s
            for s in self.state.syntax_tree.body
            if s.lineno >= first and (s.end_lineno or s.lineno) <= last
        ]
        return bool(inside) and isinstance(
            inside[-1], (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        )

    def _lines(self, stmt: cst.CSTNode) -> tuple[int, int]:
        where = self.state.get_metadata(PositionProvider, stmt)
        return where.start.line, where.end.line  # type: ignore[attr-defined]


def _is_definition(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, (cst.FunctionDef, cst.ClassDef))


class PlanHookView:
    """The :class:`codemods.hook_view.HookView` the SDK hooks read: the module state's facts
    (``get_metadata``, ``module_value``, ``module_values``, ``names_in_module``) and the
    credentials planned so far (``credential_names``)."""

    def __init__(self, state: ModuleState, plan: CredentialPlan) -> None:
        self._state = state
        self._plan = plan

    def get_metadata(self, *args: object) -> object:
        return self._state.get_metadata(*args)  # type: ignore[arg-type]

    def module_value(self, name: str) -> cst.BaseExpression | None:
        return self._state.module_value(name)

    def module_values(self) -> dict[str, cst.BaseExpression]:
        return self._state.module_values()

    def names_in_module(self) -> frozenset[str]:
        return self._state.names_in_module()

    def credential_names(self) -> set[str]:
        return self._plan.credential_names()

    def token_credential_classes(self) -> frozenset[str]:
        return self._state.token_credential_classes


def _imports(assignment: object, need: ImportNeed) -> bool:
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
