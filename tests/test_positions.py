"""bench/node_positions.py: start_positions gives PositionProvider's start for every node asked."""

from __future__ import annotations

import random
import sys
import sysconfig
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

# Bench-only code (no production module uses it): it lives in bench/, imported from there.
sys.path.append(str(Path(__file__).resolve().parent.parent / "bench"))

from node_positions import start_positions  # noqa: E402


def _all_nodes(module: cst.Module) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []

    class Every(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            found.append(node)
            return True

    module.visit(Every())
    return found


def _check(source: bytes | str) -> int:
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = _all_nodes(module)
    got = start_positions(module, nodes)
    mismatches = [
        (
            type(n).__name__,
            module.code_for_node(n)[:40],
            got.get(id(n)),
            (expected[n].start.line, expected[n].start.column),
        )
        for n in nodes
        if got.get(id(n)) != (expected[n].start.line, expected[n].start.column)
    ]
    assert not mismatches, mismatches[:10]
    return len(nodes)


SOURCES = {
    "decorators-and-blocks": '''
        import os  # comment

        @decorator(arg)
        @other
        def f(a, b=1, *args, c: int = 2, **kw) -> None:
            """Doc."""
            if a:
                return (yield)
            client = AzureOpenAI(
                api_key=os.environ["KEY"],  # the key
                azure_endpoint=ENDPOINT,
            )
            x = [i for i in range(3) if i]; y = {k: v for k, v in z}
            class Inner(Base, metaclass=Meta):
                pass
        ''',
    "parentheses-and-strings": """
        value = ((a)) + (b
            * c)
        text = ("one"
                "two") + f"{x!r:>{width}}"
        call = (obj.method)(  arg  )[0].attr
        lam = lambda q, *, r=1: q
        """,
    "crlf-and-tabs": "def f():\r\n\tif x:\r\n\t\treturn g(1,\r\n\t\t\t2)\r\n",
    "match-and-try": """
        match command:
            case ["go", direction] if direction:
                move(direction)
            case {"x": 1, **rest}:
                pass
        try:
            pass
        except* ValueError as err:
            raise
        finally:
            done()
        """,
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_handwritten_sources(name):
    source = SOURCES[name]
    if not source.startswith("def"):
        source = textwrap.dedent(source)
    assert _check(source) > 20


def test_subset_of_nodes():
    module = cst.parse_module("a = 1\n\nb = f(\n    x,\n    y=2,\n)\n")
    call = module.body[1].body[0].value
    got = start_positions(module, [call, call.args[1]])
    assert got == {id(call): (3, 4), id(call.args[1]): (5, 4)}
    assert start_positions(module, []) == {}


def test_standard_library_sample():
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(
        p
        for p in root.rglob("*.py")
        if "site-packages" not in p.parts and p.stat().st_size < 30_000
    )
    checked = 0
    for path in random.Random(3).sample(files, 12):
        try:
            checked += _check(path.read_bytes())
        except cst.ParserSyntaxError:
            continue
    assert checked > 10_000
