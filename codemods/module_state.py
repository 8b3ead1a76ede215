"""What the transforms know about one module: facts collected once, before anything changes.

The transforms (``codemods.client_args``, ``config_dicts``, ``module_client``, ``key_cleanup``)
and the SDK hooks read these facts and never change them; what they change goes through
``codemods.credential_plan.CredentialPlan`` (names and setup) and ``codemods.key_report``
(removed keys and findings).

Facts of the module's top-level statements are read when the state is made; names used
anywhere come from ``collector``, a read-only visitor that runs batched with the others
(``codemods.batched``) before the state is used.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Mapping
from functools import cached_property

import libcst as cst
from libcst.metadata import PositionProvider, QualifiedNameProvider, ScopeProvider

from codemods import credential_setup
from codemods.options import MigrationOptions
from codemods.resolve import bound_other_than_by_import, qualified_names
from codemods.targets import TOKEN_PROVIDER_FUNCTIONS
from codemods.usage import ClientUsage

TOKEN_CREDENTIALS = frozenset(
    {"azure.core.credentials.TokenCredential", "azure.core.credentials_async.AsyncTokenCredential"}
)


class Collector(cst.CSTVisitor):
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
        self.counts: Counter[str] = Counter()  # as ``codemods.resolve.name_counts`` counts
        self._not_bindings: set[int] = set()
        self._attributes: set[int] = set()

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
        self._attributes.add(id(node.attr))

    def visit_Name(self, node: cst.Name) -> None:
        self.words.add(node.value)
        if id(node) not in self._attributes:
            self.counts[node.value] += 1
        if id(node) not in self._not_bindings:
            self.names.add(node.value)

    def visit_Comment(self, node: cst.Comment) -> None:
        self.comments += 1


def collect(node: cst.CSTNode) -> Collector:
    collector = Collector()
    node.visit(collector)
    return collector


class ModuleState(cst.MetadataDependent):
    """Read-only facts of one module (original nodes) and its metadata.

    ``metadata`` is what LibCST resolved for the module (provider -> node -> value); the state
    answers ``get_metadata`` as a LibCST visitor does, so ``codemods.resolve`` and the SDK hooks
    take it where they take a visitor.
    """

    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider, ScopeProvider)

    def __init__(
        self,
        module: cst.Module,
        metadata: Mapping[object, Mapping[cst.CSTNode, object]],
        options: MigrationOptions,
        filename: str | None = None,
        usage: Mapping[tuple[int, int], ClientUsage] | None = None,
        outside_words: frozenset[str] = frozenset(),
        syntax_tree: ast.Module | None = None,
    ) -> None:
        super().__init__()
        self.module = module
        self.metadata = metadata  # type: ignore[assignment]
        self.options = options
        self.filename = filename
        self.usage: Mapping[tuple[int, int], ClientUsage] = usage if usage is not None else {}
        self.outside_words = outside_words
        self.syntax_tree = syntax_tree
        self.collector = Collector()
        self.top_index: dict[int, int] = {}  # id(top-level statement) -> its index
        self.values: dict[str, cst.BaseExpression] = {}  # module-level NAME = value
        # (is_async, scope) -> name of a token provider the module defines, and its statement
        self.existing: dict[tuple[bool, str], str] = {}
        self.existing_index: dict[str, int] = {}
        for index, stmt in enumerate(module.body):
            self.top_index[id(stmt)] = index
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target = small.targets[0].target
                    if isinstance(target, cst.Name):
                        self.values[target.value] = small.value
                        self._note_existing_provider(target.value, small.value, index)
        for index, name, is_async, scope in credential_setup.lazy_providers(
            module.body, self._provider_scope
        ):
            self.existing.setdefault((is_async, scope), name)
            self.existing_index.setdefault(name, index)

    def _provider_scope(self, value: cst.BaseExpression) -> str | None:
        """The scope of a ``get_bearer_token_provider(credential, "<scope>")`` call."""
        if not isinstance(value, cst.Call) or len(value.args) != 2:
            return None
        scope = value.args[1].value
        if qualified_names(self, value.func) & set(TOKEN_PROVIDER_FUNCTIONS) and isinstance(
            scope, cst.SimpleString
        ):
            return str(scope.evaluated_value)
        return None

    def _note_existing_provider(self, name: str, value: cst.BaseExpression, index: int) -> None:
        if not isinstance(value, cst.Call) or len(value.args) != 2:
            return
        funcs = qualified_names(self, value.func) & set(TOKEN_PROVIDER_FUNCTIONS)
        scope = value.args[1].value
        if funcs and isinstance(scope, cst.SimpleString):
            is_async = any(f.startswith("azure.identity.aio") for f in funcs)
            self.existing.setdefault((is_async, str(scope.evaluated_value)), name)
            self.existing_index.setdefault(name, index)

    @cached_property
    def token_credential_classes(self) -> frozenset[str]:
        """Module-level classes with azure-core's ``TokenCredential`` or ``AsyncTokenCredential``
        among their bases."""
        return frozenset(
            stmt.name.value
            for stmt in self.module.body
            if isinstance(stmt, cst.ClassDef)
            and any(qualified_names(self, base.value) & TOKEN_CREDENTIALS for base in stmt.bases)
        )

    # -- metadata ------------------------------------------------------------------------------
    def position(self, node: cst.CSTNode) -> cst.metadata.CodePosition:
        return self.get_metadata(PositionProvider, node).start  # type: ignore[attr-defined]

    # -- names ---------------------------------------------------------------------------------
    @property
    def names(self) -> set[str]:
        """Identifiers a new module-level name could clash with (read them, do not change them)."""
        return self.collector.names

    @cached_property
    def words(self) -> frozenset[str]:
        """Every identifier in the module or in code left out of it, attribute names included."""
        return frozenset(self.collector.words) | self.outside_words

    @property
    def imported(self) -> set[str]:
        return self.collector.imported

    @property
    def name_counts(self) -> Counter[str]:
        """How often each name is used in the module (attribute names are not names)."""
        return self.collector.counts

    @cached_property
    def bound_elsewhere(self) -> frozenset[str]:
        """Names code the slicer left out binds (LibCST never sees them; its placeholder only
        reads them)."""
        if self.syntax_tree is None:
            return frozenset()
        return frozenset(bound_other_than_by_import(self.syntax_tree))

    def module_assignments(self, name: str) -> list[object]:
        scope = self.get_metadata(ScopeProvider, self.module, None)
        return list(scope.assignments[name]) if scope is not None else []  # type: ignore[attr-defined]

    def read_unbound(self, name: str) -> bool:
        """Whether some scope reads ``name`` without a binding LibCST can see."""
        scopes = {s for s in self.metadata.get(ScopeProvider, {}).values() if s is not None}
        return not scopes or any(not a.referents for s in scopes for a in s.accesses[name])  # type: ignore[attr-defined]

    def usage_at(self, node: cst.CSTNode) -> ClientUsage:
        pos = self.position(node)
        return self.usage.get((pos.line, pos.column), ClientUsage())

    # -- what the SDK hooks ask (``codemods.sdk_hooks``) -----------------------------------------
    def module_value(self, name: str) -> cst.BaseExpression | None:
        return self.values.get(name)

    def module_values(self) -> dict[str, cst.BaseExpression]:
        return self.values

    def names_in_module(self) -> frozenset[str]:
        return self.words
