"""bench/name_index.py's NameIndex against Python's scoping rules and against QualifiedNameProvider.

Every case lists, call by call in source order, the imported qualified names the call's
``func`` can refer to. The same answers are checked against LibCST's QualifiedNameProvider
(import-sourced names only): where the two differ, the case says so and why, and the test
pins the provider's answer too, so a change on either side shows up here.

The last tests run both over standard-library modules: every call whose function is a name or
an attribute chain must get the provider's answer, or a difference that one of the documented
rules explains.
"""

from __future__ import annotations

import random
import sys
import sysconfig
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, QualifiedNameProvider, QualifiedNameSource

# Bench-only code (no production module uses it): it lives in bench/, imported from there.
sys.path.append(str(Path(__file__).resolve().parent.parent / "bench"))

from name_index import NameIndex, dotted_name  # noqa: E402

A = "openai.AzureOpenAI"
LIB = "openai.lib.azure.AzureOpenAI"


def _call_funcs(module: cst.Module) -> list[cst.BaseExpression]:
    found: list[cst.BaseExpression] = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if dotted_name(node.func) is not None:
                found.append(node.func)

    module.visit(Calls())
    return found


def _qnp(wrapper: MetadataWrapper) -> dict[cst.CSTNode, set[str]]:
    resolved = wrapper.resolve(QualifiedNameProvider)
    out = {}
    for node, value in resolved.items():
        names = value() if callable(value) else value
        out[node] = {q.name for q in names if q.source is QualifiedNameSource.IMPORT}
    return out


def analyse(source: str) -> tuple[list[set[str]], list[set[str]], list[str]]:
    """(index answers, provider answers, index rules) for each call func, in source order."""
    wrapper = MetadataWrapper(cst.parse_module(textwrap.dedent(source)))
    module = wrapper.module
    index = NameIndex.build(module)
    provider = _qnp(wrapper)
    funcs = _call_funcs(module)
    return (
        [index.qualified_names(f) for f in funcs],
        [provider.get(f, set()) for f in funcs],
        [index.explain(f) for f in funcs],
    )


# (id, source, expected answer per call, the provider's answer when it differs, why)
CASES = [
    ("from-import", "from openai import AzureOpenAI\nAzureOpenAI()\n", [{A}], None, ""),
    (
        "from-import-as",
        "from openai import AzureOpenAI as AOAI\nAOAI()\nAzureOpenAI()\n",
        [{A}, set()],
        None,
        "",
    ),
    (
        "module-alias",
        "import openai as oa\noa.AzureOpenAI()\nopenai.AzureOpenAI()\n",
        [{A}, set()],
        None,
        "",
    ),
    (
        "dotted-import",
        "import openai.lib.azure\nopenai.lib.azure.AzureOpenAI()\nopenai.OpenAI()\n",
        [{LIB}, {"openai.OpenAI"}],
        None,
        "",
    ),
    ("import-dotted-as", "import openai.lib.azure as az\naz.AzureOpenAI()\n", [{LIB}], None, ""),
    (
        "relative",
        """
        from . import utils
        from ..pkg.mod import make as mk
        from .settings import *
        utils.client()
        mk()
        """,
        [{".utils.client"}, {"..pkg.mod.make"}],
        None,
        "",
    ),
    (
        "parameter-shadows",
        """
        from openai import AzureOpenAI
        def build(AzureOpenAI):
            return AzureOpenAI()
        def other(x):
            return AzureOpenAI()
        """,
        [set(), {A}],
        None,
        "",
    ),
    (
        "local-assignment-shadows",
        """
        from openai import AzureOpenAI
        def f():
            AzureOpenAI = make_fake
            return AzureOpenAI()
        """,
        [set()],
        None,
        "",
    ),
    ("local-class", "class AzureOpenAI:\n    pass\nAzureOpenAI()\n", [set()], None, ""),
    (
        "class-scope-not-visible-from-methods",
        """
        class Service:
            from openai import AzureOpenAI
            client = AzureOpenAI()
            def method(self):
                return AzureOpenAI()
        """,
        [{A}, set()],
        None,
        "",
    ),
    (
        "class-attribute-shadows-in-class-body-only",
        """
        from openai import AzureOpenAI
        class Service:
            AzureOpenAI = None
            def method(self):
                return AzureOpenAI()
            fallback = AzureOpenAI()
        """,
        [{A}, set()],
        None,
        "",
    ),
    (
        "class-body-reads-enclosing-before-own-binding",
        """
        from openai import AzureOpenAI
        class Service:
            client = AzureOpenAI()
            AzureOpenAI = None
        """,
        [{A}],
        None,
        "",
    ),
    (
        "class-body-attribute-reads-enclosing-before-own-binding",
        """
        from email import policy
        class Case:
            policy = policy.default.clone(linesep="\\r\\n")
        """,
        [{"email.policy.default.clone"}],
        [set()],
        (
            "the class body reads the module's `policy` before binding its own (Python looks the "
            "name up in the globals); the provider's attribute lookup ignores the order"
        ),
    ),
    (
        "comprehension-target-shadows",
        """
        from openai import AzureOpenAI
        a = [AzureOpenAI() for AzureOpenAI in factories]
        b = [AzureOpenAI() for f in factories]
        c = [x for x in AzureOpenAI()]
        d = {k: AzureOpenAI() for k, AzureOpenAI in pairs}
        """,
        [set(), {A}, {A}, set()],
        None,
        "",
    ),
    (
        "comprehension-in-class-body",
        """
        from openai import AzureOpenAI
        class C:
            AzureOpenAI = None
            clients = [AzureOpenAI() for _ in range(2)]
        """,
        [{A}, set()],
        None,
        "the class-level name is invisible inside the comprehension",
    ),
    (
        "global",
        """
        AzureOpenAI = None
        def setup():
            global AzureOpenAI
            from openai import AzureOpenAI
        def use():
            return AzureOpenAI()
        """,
        [{A}],
        None,
        "",
    ),
    (
        "nonlocal",
        """
        from openai import AzureOpenAI
        def outer():
            AzureOpenAI = None
            def inner():
                nonlocal AzureOpenAI
                return AzureOpenAI()
            return inner
        """,
        [set()],
        None,
        "",
    ),
    (
        "try-except-imports",
        """
        try:
            from openai import AzureOpenAI
        except ImportError:
            from openai.lib.azure import AzureOpenAI
        AzureOpenAI()
        """,
        [{A, LIB}],
        None,
        "",
    ),
    (
        "conditional-imports",
        """
        if USE_AZURE:
            from openai import AzureOpenAI as Client
        else:
            from openai import OpenAI as Client
        Client()
        """,
        [{A, "openai.OpenAI"}],
        None,
        "",
    ),
    (
        "conditional-reassignment-keeps-the-import",
        """
        from openai import AzureOpenAI
        if TESTING:
            AzureOpenAI = FakeClient
        AzureOpenAI()
        """,
        [{A}],
        None,
        "",
    ),
    (
        "reassignment-after-import",
        """
        from openai import AzureOpenAI
        AzureOpenAI = FakeClient
        AzureOpenAI()
        """,
        [set()],
        [{A}],
        (
            "an unconditional rebinding in the same scope hides the import from every later read; "
            "the provider keeps every earlier binding"
        ),
    ),
    (
        "del-at-module-level",
        """
        from openai import AzureOpenAI
        del AzureOpenAI
        AzureOpenAI()
        from openai.lib.azure import AzureOpenAI
        AzureOpenAI()
        """,
        [set(), {LIB}],
        [{A}, {A, LIB}],
        "del is an unconditional unbinding (the provider records it as a read)",
    ),
    (
        "del-makes-local",
        """
        from openai import AzureOpenAI
        def f():
            client = AzureOpenAI()
            del AzureOpenAI
        """,
        [set()],
        [{A}],
        "del binds the name in the function, so the read is UnboundLocalError",
    ),
    (
        "function-local-import",
        """
        def f():
            from openai import AzureOpenAI
            return AzureOpenAI()
        def g():
            return AzureOpenAI()
        """,
        [{A}, set()],
        None,
        "",
    ),
    (
        "read-before-local-import",
        """
        from openai.lib.azure import AzureOpenAI
        def f():
            client = AzureOpenAI()
            from openai import AzureOpenAI
            return client
        """,
        [set()],
        [{LIB}],
        (
            "the name is local to f, so the read raises UnboundLocalError; the provider falls back "
            "to the module's import"
        ),
    ),
    (
        "lambda",
        """
        from openai import AzureOpenAI
        f = lambda AzureOpenAI: AzureOpenAI()
        g = lambda: AzureOpenAI()
        """,
        [set(), {A}],
        None,
        "",
    ),
    (
        "defaults-decorators-annotations-are-outside",
        """
        from openai import AzureOpenAI
        @register(AzureOpenAI())
        def f(AzureOpenAI=AzureOpenAI()) -> AzureOpenAI():
            return AzureOpenAI()
        """,
        [set(), {A}, {A}, {A}, set()],
        None,
        "",
    ),
    (
        "walrus",
        """
        from openai import AzureOpenAI
        def f():
            if (AzureOpenAI := pick()):
                return AzureOpenAI()
        """,
        [set(), set()],
        None,
        "",
    ),
    (
        "walrus-in-comprehension-binds-outside",
        """
        from openai import AzureOpenAI
        def f(xs):
            [(AzureOpenAI := x) for x in xs]
            return AzureOpenAI()
        """,
        [set()],
        [{A}],
        "PEP 572: the walrus binds in f; the provider binds it in the comprehension",
    ),
    (
        "with-and-except-targets",
        """
        from openai import AzureOpenAI
        def f():
            with factory() as AzureOpenAI:
                return AzureOpenAI()
        def g():
            try:
                pass
            except Exception as AzureOpenAI:
                AzureOpenAI()
        def h():
            for AzureOpenAI in candidates:
                AzureOpenAI()
        """,
        [set(), set(), set(), set()],
        None,
        "",
    ),
    (
        "for-iterable-is-read-before-the-target",
        """
        def f():
            from openai import AzureOpenAI
            for AzureOpenAI in AzureOpenAI():
                pass
        """,
        [{A}],
        None,
        "",
    ),
    (
        "star-import-is-unknown",
        "from openai import *\nAzureOpenAI()\n",
        [set()],
        None,
        "",
    ),
    (
        "nested-function-sees-later-module-binding",
        """
        def make():
            return AzureOpenAI()
        from openai import AzureOpenAI
        """,
        [{A}],
        None,
        "",
    ),
    (
        "module-read-before-import",
        "AzureOpenAI()\nfrom openai import AzureOpenAI\n",
        [set()],
        None,
        "",
    ),
    (
        "attribute-on-shadowed-module",
        """
        import openai
        def f(openai):
            return openai.AzureOpenAI()
        """,
        [set()],
        None,
        "",
    ),
    (
        "dotted-import-under-a-local-root",
        """
        import openai.lib.azure
        def f():
            openai = load()
            return openai.lib.azure.AzureOpenAI()
        """,
        [set(), set()],
        [set(), {LIB}],
        (
            "the local `openai` hides the module; the provider matches the longest imported prefix "
            "`openai.lib.azure` in any visible scope"
        ),
    ),
    (
        "match-capture",
        """
        from openai import AzureOpenAI
        def f(x):
            match x:
                case AzureOpenAI:
                    return AzureOpenAI()
        """,
        [set()],
        [{A}],
        "a capture pattern binds the name (the provider records it as a read)",
    ),
    (
        "type-checking-import",
        """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from openai import AzureOpenAI
        def f():
            return AzureOpenAI()
        """,
        [{A}],
        None,
        "",
    ),
]


@pytest.mark.parametrize(
    "case_id, source, expected, provider, why", CASES, ids=[c[0] for c in CASES]
)
def test_case(case_id, source, expected, provider, why):
    index, qnp, _ = analyse(source)
    assert index == expected
    # The provider agrees, or differs exactly as documented.
    assert qnp == (expected if provider is None else provider), why or "the provider disagrees"
    if provider is not None:
        assert why, "a documented difference says why"


def test_answers_are_per_node_not_per_spelling():
    source = """
    from openai import AzureOpenAI
    def a():
        return AzureOpenAI()
    def b(AzureOpenAI):
        return AzureOpenAI()
    """
    index, _, rules = analyse(source)
    assert index == [{A}, set()]
    assert rules == ["enclosing", "earlier"]


def test_unknown_nodes_give_nothing():
    module = cst.parse_module("f()(x)\nobj.method()[0]()\n")
    index = NameIndex.build(module)
    other = cst.parse_module("AzureOpenAI()\n")
    assert index.qualified_names(other.body[0].body[0].value.func) == set()  # not from this module
    assert index.qualified_names(cst.Integer("1")) == set()


def test_star_modules():
    module = cst.parse_module(
        "from openai import *\nfrom os import getcwd\nAzureOpenAI()\ngetcwd()\n"
    )
    index = NameIndex.build(module)
    calls = _call_funcs(module)
    assert index.star_modules(calls[0]) == ("openai",)
    assert index.star_modules(calls[1]) == ()


# -- the standard library ------------------------------------------------------------------

# Rules whose answer may legitimately differ from QualifiedNameProvider's (see CASES).
EXPLAINED = {"killed", "unbound-local", "class-fallback"}
STDLIB_SAMPLE = 25  # bench/names_agreement.py runs the same check on 300 files


def _stdlib_sample(count: int, seed: int = 7) -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    small = [p for p in files if p.stat().st_size < 40_000]
    return sorted(random.Random(seed).sample(small, min(count, len(small))))


def compare_file(path: Path) -> tuple[int, int, list[str]]:
    """(call funcs, agreements, unexplained differences) for one file."""
    try:
        wrapper = MetadataWrapper(cst.parse_module(path.read_bytes()))
    except (cst.ParserSyntaxError, RecursionError):
        return 0, 0, []
    index = NameIndex.build(wrapper.module)
    provider = _qnp(wrapper)
    total = agree = 0
    unexplained = []
    for func in _call_funcs(wrapper.module):
        total += 1
        mine, theirs = index.qualified_names(func), provider.get(func, set())
        if mine == theirs:
            agree += 1
        elif index.explain(func) not in EXPLAINED:
            code = wrapper.module.code_for_node(func)
            unexplained.append(f"{path}: {code}: index {sorted(mine)}, provider {sorted(theirs)}")
    return total, agree, unexplained


def test_standard_library_agrees_with_the_provider():
    total = agree = 0
    unexplained: list[str] = []
    for path in _stdlib_sample(STDLIB_SAMPLE):
        t, a, u = compare_file(path)
        total, agree, unexplained = total + t, agree + a, unexplained + u
    assert total > 1500  # the sample really exercised the resolver
    assert not unexplained, "\n".join(unexplained)
    assert agree / total > 0.99


def test_calls_are_listed_with_their_module_statement():
    module = cst.parse_module(
        "import os\nx = f(g())\nclass C:\n    def m(self):\n        return h()\n"
    )
    index = NameIndex.build(module)
    assert [(module.code_for_node(call.func), top) for call, top in index.calls] == [
        ("f", 1),
        ("g", 1),
        ("h", 2),
    ]
