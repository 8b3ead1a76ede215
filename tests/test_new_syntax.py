"""Code valid for a newer Python than the one running the tool is read, not reported
"cannot parse": PEP 701 f-strings, ``type`` aliases, PEP 695/696 type parameters.

Python's own parser refuses these before 3.12/3.13; LibCST reads them on any Python. The deep
nesting guard for such files counts from the tokens (``migrator.syntax.nesting_depth``).
"""

from __future__ import annotations

import json
import sys

import pytest

from codemods.options import MigrationOptions
from migrator.engine import (
    CHANGED,
    FAILED,
    MAX_NESTING,
    MODE_CHECK,
    UNCHANGED,
    analyse_bytes,
)
from migrator.notebooks import migrate_notebook
from migrator.syntax import nesting_depth

CLIENT = (
    "import os\n"
    "\n"
    "from openai import AzureOpenAI\n"
    "\n"
    "client = AzureOpenAI(\n"
    '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n'
    '    azure_endpoint="https://contoso.openai.azure.com",\n'
    '    api_version="2024-10-21",\n'
    ")\n"
)

# Each is valid Python 3.12 or 3.13; none is valid Python 3.11.
CONSTRUCTS = {
    "f-string, nested same quotes": 'label = f"{name.replace(" ", "_")}"\n',
    "f-string, backslash in braces": 'joined = f"{"\\n".join(lines)}"\n',
    "f-string, nested deeper": 'deep = f"{f\'{f"{x}"}\'}"\n',
    "f-string, multi-line braces": 'total = f"{\n    a + b\n}"\n',
    "f-string, comment in braces": 'shown = f"{value  # the value\n}"\n',
    "type alias": "type Vector = list[float]\n",
    "generic type alias": "type Pair[T] = tuple[T, T]\n",
    "generic function": "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    "generic class": "class Box[T: (int, str)]:\n    item: T\n",
    "type parameter default": "def pick[T = int](x: T) -> T:\n    return x\n",
}


def _analyse(source: str):
    return analyse_bytes("mod.py", source.encode(), MigrationOptions(), MODE_CHECK)


def _is_new_syntax(source: str) -> bool:
    try:
        compile(source, "<x>", "exec", dont_inherit=True)
    except SyntaxError:
        return True
    return False


@pytest.mark.parametrize("construct", sorted(CONSTRUCTS))
def test_a_client_next_to_newer_syntax_is_migrated(construct):
    extra = CONSTRUCTS[construct]
    source = CLIENT + "\n\n" + extra
    result = _analyse(source)
    assert result.status == CHANGED, result.error
    assert [c.outcome for c in result.clients] == ["migrated"]
    new = result.new.decode()
    assert "api_key=" not in new and "azure_ad_token_provider=token_provider" in new
    assert new.endswith("\n\n" + extra)  # the newer code comes through byte for byte


@pytest.mark.parametrize("construct", sorted(CONSTRUCTS))
def test_newer_syntax_without_a_client_is_left_byte_identical_and_read(construct):
    # It reads a key variable, so the file is parsed to look for code that needs the key.
    source = 'import os\n\nKEY = os.environ["AZURE_OPENAI_API_KEY"]\n' + CONSTRUCTS[construct]
    result = _analyse(source)
    assert result.status == UNCHANGED, result.error
    assert result.parsed  # read, not given up on
    assert [n.rule for n in result.notices] == ["key-read"]


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="the running Python reads all of these")
def test_the_constructs_are_newer_than_this_python():
    # Without this, the tests above would not show what they claim on this interpreter.
    newer = [name for name, text in CONSTRUCTS.items() if _is_new_syntax(text)]
    assert newer, "none of the constructs is new syntax for this Python"
    if sys.version_info < (3, 12):
        assert len(newer) == len(CONSTRUCTS)


def test_python2_code_is_still_refused():
    source = 'from openai import AzureOpenAI\ntry:\n    c = AzureOpenAI(api_key="k")\nexcept ValueError, e:\n    pass\n'
    result = _analyse(source)
    assert result.status == FAILED
    assert result.error.startswith("cannot parse (line 4)")


def test_invalid_code_keeps_pythons_message():
    result = _analyse(CLIENT + "def broken(:\n    pass\n")
    assert result.status == FAILED
    assert result.error.startswith("cannot parse (line 10)")


def test_deep_nesting_in_newer_syntax_is_refused_before_libcst_sees_it():
    depth = MAX_NESTING + 100
    source = CLIENT + 'x = f"{" ".join([])}"\n' + "y = " + "[" * depth + "]" * depth + "\n"
    assert nesting_depth(source.encode()) > MAX_NESTING
    result = _analyse(source)
    assert result.status == FAILED


@pytest.mark.parametrize(
    ("source", "at_least"),
    [
        ("x = 1\n", 0),
        ("def f():\n    if x:\n        return (1, [2])\n", 4),
        ('v = f"{a[(b)]}"\n', 3),  # inside an f-string: counted on every Python
        ("x = " + "(" * 40 + ")" * 40 + "\n", 40),
        ("x = ((((\n", 4),  # the tokenizer gives up: the bytes are counted
    ],
)
def test_nesting_depth(source, at_least):
    assert nesting_depth(source.encode()) >= at_least
    assert nesting_depth(source.encode()) <= at_least + 1


def test_nesting_depth_does_not_accumulate_over_statements():
    line = 'label = f"{name.replace(" ", "_")}"\n'
    assert nesting_depth((line * 1000).encode()) < 10


# -- notebooks: each code cell is read the same way --------------------------------------------


def _notebook(*sources: str) -> bytes:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": source.splitlines(keepends=True),
        }
        for source in sources
    ]
    document = {
        "cells": cells,
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return (json.dumps(document, indent=1, sort_keys=True) + "\n").encode()


def _cells(data: bytes) -> list[str]:
    return ["".join(cell["source"]) for cell in json.loads(data)["cells"]]


def _migrate_notebook(data: bytes):
    return migrate_notebook(data, MigrationOptions(), "nb.ipynb")


def _not_valid(outcome) -> list[str]:
    return [n.message for n in outcome.notices if "not valid Python" in n.message]


NOTEBOOK_CLIENT = (
    "import os\n"
    "\n"
    "from openai import AzureOpenAI\n"
    "\n"
    "client = AzureOpenAI(\n"
    '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n'
    '    azure_endpoint="https://contoso.openai.azure.com",\n'
    '    api_version="2024-10-21",\n'
    ")\n"
)


@pytest.mark.parametrize("construct", sorted(CONSTRUCTS))
def test_a_notebook_client_next_to_a_cell_in_newer_syntax_is_migrated(construct):
    extra = CONSTRUCTS[construct]
    outcome = _migrate_notebook(_notebook(extra, NOTEBOOK_CLIENT))
    # The same notebook with a cell every Python reads in place of the newer one.
    plain = _migrate_notebook(_notebook("x = 1\n", NOTEBOOK_CLIENT))
    assert not _not_valid(outcome)
    assert [c.outcome for c in outcome.clients] == ["migrated"]
    assert not [n for n in outcome.notices if n.rule == "notebook-cell-order"]
    new = _cells(outcome.new)
    assert new == [extra, _cells(plain.new)[1]]  # whole cells: the newer one byte for byte
    assert "api_key=" not in new[1] and "azure_ad_token_provider=token_provider" in new[1]


@pytest.mark.parametrize("construct", sorted(CONSTRUCTS))
def test_a_notebook_client_in_the_same_cell_as_newer_syntax_is_migrated(construct):
    extra = CONSTRUCTS[construct]
    outcome = _migrate_notebook(_notebook(NOTEBOOK_CLIENT + "\n\n" + extra))
    plain = _migrate_notebook(_notebook(NOTEBOOK_CLIENT))
    assert not _not_valid(outcome)
    assert [c.outcome for c in outcome.clients] == ["migrated"]
    assert _cells(outcome.new) == [_cells(plain.new)[0] + "\n\n" + extra]


@pytest.mark.parametrize("construct", sorted(CONSTRUCTS))
def test_a_notebook_in_newer_syntax_without_a_client_is_byte_identical_and_read(construct):
    data = _notebook(
        'import os\n\nKEY = os.environ["AZURE_OPENAI_API_KEY"]\n', CONSTRUCTS[construct]
    )
    outcome = _migrate_notebook(data)
    assert outcome.new == data
    assert not _not_valid(outcome)
    assert outcome.parsed
    assert [n.rule for n in outcome.notices] == ["key-read"]


@pytest.mark.parametrize(
    ("invalid", "line"),
    [
        ("def broken(:\n    pass\n", 1),
        ("x = 1\nprint 'python 2'\n", 2),
        ("try:\n    pass\nexcept ValueError, e:\n    pass\n", 3),
    ],
)
def test_a_truly_invalid_notebook_cell_is_still_reported_next_to_newer_syntax(invalid, line):
    newer = CONSTRUCTS["f-string, nested same quotes"]
    data = _notebook(newer, invalid, NOTEBOOK_CLIENT)
    outcome = _migrate_notebook(data)
    assert [(n.cell, n.rule) for n in outcome.notices if n.severity != "info"] == [
        (2, "notebook-cell-skipped")
    ]
    assert _not_valid(outcome) == [
        f"not valid Python (line {line}): left as it is; names it defines are not followed"
    ]
    new = _cells(outcome.new)
    assert new[:2] == [newer, invalid]
    assert [c.outcome for c in outcome.clients] == ["migrated"]


# Code every Python reads, with the shapes where LibCST's tree and Python's differ in what is a
# name: attributes, keywords, parameters, imports, handlers, globals, patterns, comprehensions.
BOTH_READ = [
    "import os.path, json as j\nfrom a.b import c, d as e\nfrom f import *\n",
    "@functools.cache\ndef make(key=DEFAULT, *args, flag: Flag = None, **kw) -> Client:\n"
    "    global STATE\n    client = AzureOpenAI(api_key=key, base=os.environ['X'])\n"
    "    return client\n",
    "class Box(Base, metaclass=Meta):\n    item: Item = make()\n",
    "squares = [n * n for n in numbers if (m := n) > limit]\nfn = lambda v, w=z: v + w\n",
    "for i, (a, *rest) in enumerate(pairs):\n    total += a\nelse:\n    del total\n",
    "try:\n    run()\nexcept (ValueError, KeyError) as error:\n    log(error)\n",
    "with open(p) as handle, lock:\n    data: bytes = handle.read()\n",
    "match command:\n    case Point(x=0, y=yy) | [first, *others]:\n        go(yy)\n"
    "    case {'k': value, **extra}:\n        pass\n    case Cls() as whole:\n        pass\n",
    'label = f"{name!r:>{width}} {obj.attr}"\nthing.attr = other[key]\nx, = y\n',
    "café = 1\nprint('é', café, naïve)\n",
    "if (n := count()) > 1:\n    pass\n(lambda: q)()\n{k: v for k, v in items}\n",
]


@pytest.mark.parametrize("text", BOTH_READ)
def test_libcsts_reading_of_a_cell_is_pythons(text):
    import ast

    from migrator.notebook_names import _from_ast, _from_libcst

    assert _from_libcst(text) == _from_ast(ast.parse(text))


def test_a_name_only_a_later_cell_binds_is_found_in_newer_syntax():
    from migrator.notebook_cells import RULE_ORDER, _Cell, _order_problems
    from migrator.notebook_ipython import _Masked

    first = 'label = f"{name.replace(" ", "_")}"\n'
    migrated = first + "client = AzureOpenAI(azure_ad_token_provider=token_provider)\n"
    later = "def token_provider[T](x: T) -> T:\n    return x\n"
    cells = [_Cell(0, first, _Masked(first, {})), _Cell(1, later, _Masked(later, {}))]
    problems = _order_problems(cells, {0: migrated, 1: later})
    assert [(p.rule, p.cell, p.line, p.column) for p in problems] == [(RULE_ORDER, 1, 2, 45)]
    assert "`token_provider`, which only cell 2 defines" in problems[0].message
    assert not _order_problems(cells[:1], {0: migrated})  # nothing later binds it


def test_a_cell_too_deeply_nested_for_libcst_is_still_refused():
    depth = MAX_NESTING + 100
    newer = CONSTRUCTS["f-string, nested same quotes"]
    deep = 'x = f"{" ".join([])}"\ny = ' + "[" * depth + "]" * depth + "\n"
    outcome = _migrate_notebook(_notebook(newer, deep, NOTEBOOK_CLIENT))
    assert [(n.cell, n.rule) for n in outcome.notices if n.severity != "info"] == [
        (2, "notebook-cell-skipped")
    ]
    assert _cells(outcome.new)[:2] == [newer, deep]
    assert [c.outcome for c in outcome.clients] == ["migrated"]
