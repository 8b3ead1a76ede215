"""The migration: key-based Azure client constructions become token-based ones.

The work is done by transforms that each own one kind of change, over one read-only
``ModuleState`` (``codemods.module_state``):

* ``codemods.client_args``: a client call's key argument becomes the token argument;
* ``codemods.config_dicts``: ``Client(**CONFIG)`` gets the key entry of its dict rewritten;
* ``codemods.module_client``: ``openai.api_key = ...`` on an Azure-configured module client;
* ``codemods.key_cleanup``: what held a removed key, and its imports;
* ``codemods.credential_plan``: the names the setup takes, and the setup itself, inserted
  before the first module-level statement that needs it.

They run in one traversal (they read metadata of the original nodes, so they share the tree
LibCST resolved it for); the read-only visitors they need (``Analyses``) run batched with the
caller's before it (``codemods.batched``).
"""

from __future__ import annotations

import ast

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.metadata import PositionProvider, QualifiedNameProvider, ScopeProvider

from codemods import batched, module_client, unseen_clients
from codemods.client_args import ClientArgs
from codemods.client_records import ClientRecords
from codemods.config_dicts import ConfigDicts
from codemods.credential_plan import CredentialPlan
from codemods.findings import ModuleOutcome
from codemods.import_placement import ImportLayout
from codemods.key_cleanup import KeyCleanup
from codemods.key_facts import KeyFacts
from codemods.key_literals import looks_like_secret, masked
from codemods.key_report import LiteralKeys, Removals
from codemods.libcst_private import PlainHooks
from codemods.module_state import ModuleState
from codemods.options import MigrationOptions
from codemods.usage import ClientUsage

__all__ = ["Analyses", "KeylessMigration", "looks_like_secret", "masked"]


class Analyses:
    """The read-only visitors the migration needs, to be run (batched) before it."""

    def __init__(self, state: ModuleState) -> None:
        self.state = state
        self.module_client = module_client.Scan(state)
        self.unseen = unseen_clients.Finder(state)
        self.key_facts = KeyFacts()

    @property
    def visitors(self) -> list[cst.CSTVisitor]:
        return [self.state.collector, self.module_client, self.unseen, self.key_facts]


class KeylessMigration(PlainHooks, VisitorBasedCodemodCommand):
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
        analyses: Analyses | None = None,
        layout: ImportLayout | None = None,
    ) -> None:
        """``analyses``: already run over the module this visits (else they run on entry);
        ``layout``: where the imports the setup needs may go."""
        super().__init__(context)
        self.options = options or MigrationOptions()
        self._usage = usage
        self._outside_words = outside_words
        self._syntax_tree = syntax_tree
        self._analyses = analyses
        self._layout = layout
        self.outcome = ModuleOutcome()
        self._top_index: dict[int, int] = {}

    def visit_Module(self, node: cst.Module) -> None:
        analyses = self._analyses
        if analyses is None:
            state = ModuleState(
                node,
                self.metadata,
                self.options,
                self.context.filename,
                self._usage,
                self._outside_words,
                self._syntax_tree,
            )
            analyses = Analyses(state)
            batched.visit(node, analyses.visitors)
        state = analyses.state
        outcome = self.outcome
        plan = module_client.prepare(analyses.module_client, outcome)
        outcome.notices.extend(analyses.unseen.notices)
        self.credentials = CredentialPlan(state, self._layout)
        literals = LiteralKeys(state, outcome)
        self.cleanup = KeyCleanup(
            state, outcome, self.context, literals.report_in, analyses.key_facts
        )
        self.removals = Removals(state, outcome, literals, self.cleanup.dropped_here)
        records = ClientRecords(state, outcome, literals, self.credentials)
        self.config_dicts = ConfigDicts(state, records, self.credentials, self.removals)
        self.client_args = ClientArgs(
            state, records, self.credentials, self.removals, self.config_dicts
        )
        self.module_client = (
            None
            if plan is None
            else module_client.ModuleClientTransform(plan, self.credentials, self.removals)
        )
        self._top_index = state.top_index

    def on_visit(self, node: cst.CSTNode) -> bool:
        index = self._top_index.get(id(node))
        if index is not None:
            self.credentials.current_top = index
        return super().on_visit(node)

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        result = super().on_leave(original_node, updated_node)
        self.cleanup.track(original_node, result)
        return result

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.cleanup.visit_FunctionDef(node)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        return self.cleanup.leave_FunctionDef(original_node, updated_node)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        if self.module_client is None:
            return updated_node
        return self.module_client.leave_SimpleStatementLine(original_node, updated_node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        return self.client_args.leave_Call(original_node, updated_node)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        self.removals.schedule_import_removal(self.credentials, self.context)
        updated_node = self.config_dicts.leave_Module(original_node, updated_node)
        if self.module_client is not None:
            updated_node = self.module_client.leave_Module(updated_node)
        updated_node = self.credentials.add_setup(updated_node, self.outcome)
        return self.cleanup.leave_module(original_node, updated_node)

    @property
    def removed_values(self) -> list[cst.BaseExpression]:
        """The key expressions (original nodes) this transform removed, and the names, attributes
        and lookups a removed call wrapped (``AzureKeyCredential(KEY)``: ``KEY`` left too), as the
        key clean-up counts them."""
        out: list[cst.BaseExpression] = []
        for value in self.removals.values:
            out.append(value)
            if isinstance(value, cst.Call):
                out += [
                    a.value
                    for a in value.args
                    if isinstance(a.value, (cst.Name, cst.Attribute, cst.Subscript))
                ]
        return out

    @property
    def edited_statements(self) -> list[cst.CSTNode]:
        """Key reads and checks (original statements) the key clean-up removed or rewrote."""
        return list(self.cleanup.edited)
