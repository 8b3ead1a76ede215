"""Keys leaving the code: literal keys reported (masked), removed key expressions accounted for.

``LiteralKeys`` reports every literal key a key expression is built from, once per place it is
written, and collects the texts every output masks. ``Removals`` is what a transform calls
when it takes a key expression out of the code: the literal keys in it are reported, a comment
inside it that goes with it is reported, ``codemods.key_cleanup`` is told (the variable that
held it may now be unread), and imports only it used are scheduled for removal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor

from codemods import call_args, credential_setup
from codemods.credential_plan import CredentialPlan
from codemods.findings import ModuleOutcome, Notice
from codemods.key_literals import Resolver, masked
from codemods.module_state import ModuleState, collect
from codemods.resolve import name_counts
from codemods.targets import ClientSpec


class LiteralKeys:
    def __init__(self, state: ModuleState, outcome: ModuleOutcome) -> None:
        self.state = state
        self.outcome = outcome
        self.resolver = Resolver(state, state.module)
        self._reported: set[tuple[int, int]] = set()

    def report(self, value: cst.BaseExpression) -> None:
        """Report (masked) every literal key ``value`` is built from, wherever it is written."""
        for key in self.resolver.keys_in(value):
            self.outcome.secrets.extend(key.texts())
            pos = self.state.position(key.node)
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
                    severity="error",  # a key left in the code: --check fails on it
                )
            )

    def report_in(self, node: cst.CSTNode) -> None:
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.report(child)

    def report_arguments(self, spec: ClientSpec, node: cst.Call) -> None:
        """A literal key a client is given is reported whatever becomes of the client."""
        present = call_args.present(spec, node.args)
        for name in spec.key_args:
            if name in present:
                self.report(node.args[present[name]].value)
        for arg in node.args:
            if arg.star == "**":
                for entry in self.resolver.entries(arg.value, spec.key_args):
                    self.report(entry)


class Removals:
    """Key expressions (original nodes) the transforms took out of the code."""

    def __init__(
        self,
        state: ModuleState,
        outcome: ModuleOutcome,
        literals: LiteralKeys,
        dropped: Callable[[cst.BaseExpression], None],
    ) -> None:
        self.state = state
        self.outcome = outcome
        self.literals = literals
        self._dropped = dropped  # codemods.key_cleanup: what held the key may now be unread
        self.values: list[cst.BaseExpression] = []

    def drop_arg(self, arg: cst.Arg) -> None:
        self.drop(arg.value, arg)

    def drop(self, value: cst.BaseExpression, where: cst.CSTNode) -> None:
        """Account for a key expression (an original node) that is about to leave the code."""
        pos = self.state.position(where)
        if collect(value).comments:
            self.outcome.notices.append(
                Notice(
                    pos.line,
                    pos.column,
                    "comment-dropped",
                    "a comment inside the removed key expression was dropped",
                )
            )
        self.literals.report(value)
        self._dropped(value)
        self.values.append(value)

    def schedule_import_removal(self, plan: CredentialPlan, context: CodemodContext) -> None:
        """Ask LibCST to remove imports only the removed key expressions used.

        Its remover re-resolves the whole module's metadata, the costliest step of a run, so it is
        scheduled only when a name in a removed expression has no other use in the module (the
        remover still checks for itself before it removes anything).
        """
        if not self.values:
            return
        counts = self.state.name_counts
        removed: Counter[str] = Counter()
        for value in self.values:
            removed.update(name_counts(value))
        kept_by_setup: set[str] = set()
        options = self.state.options
        if plan.plans and options.credential != "default" and not options.system_assigned:
            kept_by_setup.add(plan.bind(credential_setup.ImportNeed("os")).local)
        for value in self.values:
            # The remover only removes imports. An import binds its name once; any count above
            # that and the removed uses is another use.
            names = set(name_counts(value)) & self.state.imported
            if any(counts[n] - removed[n] <= 1 and n not in kept_by_setup for n in names):
                RemoveImportsVisitor.remove_unused_import_by_node(context, value)
