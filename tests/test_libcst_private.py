"""The speed-ups over LibCST's internals (codemods/libcst_private.py) give LibCST's answers."""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m
import pytest
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import (
    AddImportsVisitor,
    GatherExportsVisitor,
    GatherImportsVisitor,
    GatherUnusedImportsVisitor,
    RemoveImportsVisitor,
)
from libcst.codemod.visitors._gather_string_annotation_names import (
    GatherNamesFromStringAnnotationsVisitor,
)
from libcst.metadata import (
    ExpressionContextProvider,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from codemods import libcst_private
from codemods.key_guards import KeyGuardVisitor
from codemods.keyless import KeylessMigration
from codemods.libcst_private import LIBCST_DECORATOR_SEARCH, LIBCST_GET_VISITORS, PlainHooks
from codemods.pipeline import MigrateModule
from codemods.usage import UsageVisitor

SOURCE = (
    "import os\n"
    "from typing import List\n"
    "from openai import AzureOpenAI\n"
    "\n"
    "\n"
    "def make(n: 'List[int]') -> AzureOpenAI:\n"
    '    return AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"], api_version="v")\n'
    "\n"
    "\n"
    "client = make([1])\n"
    "x = client.chat.completions.create(model='m', messages=[])\n"
)


class Decorated(VisitorBasedCodemodCommand):
    """Matcher decorators of every kind, and an instance attribute the search also reads."""

    def __init__(self, context: CodemodContext) -> None:
        self.extra_leave = self.leave_any_name
        super().__init__(context)
        self.seen: list[str] = []

    @m.visit(m.Name())
    def visit_any_name(self, node: cst.Name) -> None:
        self.seen.append("visit " + node.value)

    @m.leave(m.Name("os"))
    def leave_any_name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(value="system")

    @m.call_if_inside(m.FunctionDef())
    def visit_Call(self, node: cst.Call) -> None:
        self.seen.append("call inside a function")

    @m.call_if_not_inside(m.FunctionDef())
    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.Attribute:
        self.seen.append("attribute outside a function")
        return updated_node


class PlainDecorated(PlainHooks, Decorated):
    pass


VISITORS = [
    KeylessMigration,
    UsageVisitor,
    KeyGuardVisitor,
    MigrateModule,
    AddImportsVisitor,
    GatherImportsVisitor,
    RemoveImportsVisitor,
    GatherUnusedImportsVisitor,
    GatherExportsVisitor,
    GatherNamesFromStringAnnotationsVisitor,
    Decorated,
    PlainDecorated,
]


@pytest.mark.parametrize("cls", VISITORS, ids=lambda c: c.__name__)
def test_the_decorator_search_once_per_class_finds_what_libcsts_finds(cls):
    wrapper = MetadataWrapper(cst.parse_module(SOURCE))
    wrapper.resolve_many(cls.get_inherited_dependencies())
    context = CodemodContext(wrapper=wrapper, metadata_manager=None)
    visitor = cls(context)
    visitor.instance_attribute = visitor.__init__  # read through the instance, as LibCST does
    for libcst_search, cached in zip(
        LIBCST_DECORATOR_SEARCH,
        (
            libcst_private._gather_constructed_visit_funcs,
            libcst_private._gather_constructed_leave_funcs,
            libcst_private._gather_matchers,
        ),
        strict=True,
    ):
        for _ in range(2):  # the class's methods are read once: the second answer is the same
            assert cached(visitor) == libcst_search(visitor)
    if cls in (Decorated, PlainDecorated):
        assert libcst_private._gather_matchers(visitor)  # the search did find decorators


def test_a_transformer_with_matcher_decorators_keeps_libcsts_traversal():
    results = []
    for cls in (Decorated, PlainDecorated):
        transformer = cls(CodemodContext())
        new = transformer.transform_module(cst.parse_module(SOURCE))
        results.append((new.code, transformer.seen))
    assert results[0] == results[1]
    assert "system.environ" in results[0][0]
    assert "call inside a function" in results[0][1]


def test_qualified_names_from_the_scopes_are_libcsts():
    module = cst.parse_module(SOURCE)
    libcsts = MetadataWrapper(module, unsafe_skip_copy=True).resolve(QualifiedNameProvider)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    libcst_private.qualified_names_without_a_traversal(wrapper)
    ours = wrapper.resolve(QualifiedNameProvider)
    assert set(ours) == set(libcsts) == set(wrapper.resolve(PositionProvider))

    def value(names, node):  # type: ignore[no-untyped-def]
        found = names[node]
        return found() if callable(found) else found

    assert {n: value(ours, n) for n in ours} == {n: value(libcsts, n) for n in libcsts}
    assert any(value(ours, n) for n in ours)
    stranger = cst.Name("client")
    assert stranger not in ours
    with pytest.raises(KeyError):
        ours[stranger]


class Batched(cst.BatchableCSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.renamed = self.visit_Name  # an instance attribute: read as LibCST reads it

    def visit_Name(self, node: cst.Name) -> None:
        pass

    def leave_Call_func(self, node: cst.Call) -> None:
        pass


@pytest.mark.parametrize(
    "provider",
    [
        ExpressionContextProvider,
        ScopeProvider,
        QualifiedNameProvider,
        ParentNodeProvider,
        Batched,
    ],
    ids=lambda c: c.__name__,
)
def test_a_batched_visitors_hooks_read_once_per_class_are_libcsts(provider):
    visitor = provider()
    for _ in range(2):
        ours = visitor.get_visitors()
        assert list(ours.items()) == list(LIBCST_GET_VISITORS(visitor).items())
    assert ours
