"""Slicing (codemods/slicing.py): LibCST sees only the statements that matter, with the same result.

Every test here compares the sliced migration with the whole-module one (``sliced=False``), so
a rule that leaves out a statement the migration needs shows up as a difference.
"""

from __future__ import annotations

import ast
import random
import sys
import textwrap
from pathlib import Path

import pytest

from codemods import slicing
from codemods.options import MigrationOptions
from migrator import api
from migrator.engine import MODE_CHECK, check_parseable, migrate_source, worth_parsing

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402


def _both(data: bytes, **options: object):  # type: ignore[no-untyped-def]
    opts = MigrationOptions(**options)  # type: ignore[arg-type]
    return migrate_source(data, opts, "m.py", sliced=True), migrate_source(
        data, opts, "m.py", sliced=False
    )


def _assert_same(data: bytes, **options: object) -> None:
    sliced, whole = _both(data, **options)
    assert sliced.new == whole.new
    assert sliced.clients == whole.clients
    assert sorted(map(repr, sliced.notices)) == sorted(map(repr, whole.notices))
    assert sliced.secrets == whole.secrets


def _src(text: str) -> bytes:
    return textwrap.dedent(text).encode()


FILLER = """
def helper_{n}(items):
    out = []
    for item in items:
        if item:
            out.append(str(item).strip())
    return out
"""


def _with_filler(text: str, count: int = 6) -> bytes:
    return _src(text) + "".join(FILLER.format(n=n) for n in range(count)).encode()


# -- the slice itself ---------------------------------------------------------------------------
def test_plan_leaves_out_unrelated_code_and_keeps_line_numbers():
    data = _with_filler(
        """\
        import os
        from openai import AzureOpenAI

        client = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"], azure_endpoint="https://x.openai.azure.com")
        """
    )
    piece = slicing.plan(data, check_parseable(data))
    assert piece is not None
    assert piece.kept_lines < piece.total_lines / 2
    assert piece.source.count(b"\n") == data.count(b"\n")
    assert b"def helper_3" not in piece.source
    assert slicing.splice(piece.source, piece) == data


def test_a_small_module_goes_through_whole():
    data = _src(
        """\
        from openai import AzureOpenAI
        client = AzureOpenAI(api_key="k")
        """
    )
    assert slicing.plan(data, check_parseable(data)) is None


def test_a_lost_placeholder_means_no_splice():
    data = _with_filler("from openai import AzureOpenAI\nclient = AzureOpenAI(api_key='k')\n")
    piece = slicing.plan(data, check_parseable(data))
    assert piece is not None
    assert slicing.splice(piece.source.replace(piece.gaps[0][0], b"x = 1\n"), piece) is None


# -- the same result as the whole module ---------------------------------------------------------
def test_generated_client_modules_migrate_the_same():
    rng = random.Random(7)
    for _ in range(12):
        data = corpus.client_module(rng, rng.randint(80, 400)).encode()
        piece = slicing.plan(data, check_parseable(data))
        assert piece is not None  # these modules are mostly filler: slicing must apply
        _assert_same(data)


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (ROOT / "fixtures").rglob("*.py") if worth_parsing(p.read_bytes())),
    ids=str,
)
def test_fixture_files_migrate_the_same(path: Path):
    _assert_same(path.read_bytes())


def test_an_import_used_only_in_left_out_code_is_kept():
    # The key credential's import is still needed by the code that is left out of the slice.
    data = _with_filler(
        """\
        from azure.core.credentials import AzureKeyCredential
        from azure.ai.inference import ChatCompletionsClient

        client = ChatCompletionsClient(endpoint="https://x.openai.azure.com/openai/deployments/d", credential=AzureKeyCredential("k"))


        def other_service(key):
            return AzureKeyCredential(key)
        """
    )
    sliced, whole = _both(data)
    assert b"from azure.core.credentials import AzureKeyCredential" in sliced.new
    _assert_same(data)


def test_new_names_avoid_names_of_left_out_code():
    data = _with_filler(
        """\
        from openai import AzureOpenAI

        client = AzureOpenAI(api_key="k", azure_endpoint="https://x.openai.azure.com", api_version="2024-10-21")


        def token_provider():
            return "not the one the migration adds"


        def credential(items):
            return helper_1(items)
        """
    )
    sliced, _ = _both(data)
    # The setup's module-level names are its functions; its credential is a local of one of them.
    assert b"def token_provider_2():" in sliced.new and b"def _token_provider_2():" in sliced.new
    _assert_same(data)


def test_async_use_in_left_out_code_counts():
    data = _with_filler(
        """\
        import os
        from langchain_openai import AzureChatOpenAI

        def make():
            return AzureChatOpenAI(azure_deployment="d", api_key=os.environ["AZURE_OPENAI_API_KEY"], api_version="2024-10-21")


        async def unrelated(chain):
            return await chain.ainvoke({})
        """
    )
    sliced, _ = _both(data)
    assert b"azure_ad_async_token_provider=async_token_provider" in sliced.new
    _assert_same(data)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
@pytest.mark.parametrize("final_newline", [True, False])
def test_line_endings_and_a_missing_final_newline(newline: bytes, final_newline: bool):
    data = _with_filler(
        """\
        # -*- coding: utf-8 -*-
        from openai import AzureOpenAI


        @staticmethod
        # a comment between decorator and def
        def decorated(x):  # trailing
            return x


        client = AzureOpenAI(api_key="k", azure_endpoint="https://x.openai.azure.com", api_version="2024-10-21")
        """
    ).replace(b"\n", newline)
    if not final_newline:
        data = data.rstrip(b"\r\n")
    assert slicing.plan(data, check_parseable(data)) is not None
    _assert_same(data)
    sliced, _ = _both(data)
    assert b"def decorated(x):  # trailing" + newline in sliced.new
    assert sliced.new.endswith(newline) == final_newline


def test_module_level_key_variable_read_in_a_function_is_followed():
    data = _with_filler(
        """\
        import os
        from openai import AzureOpenAI

        API_KEY = os.getenv("AZURE_OPENAI_API_KEY")
        client = AzureOpenAI(api_key=API_KEY, azure_endpoint="https://x.openai.azure.com", api_version="2024-10-21")


        def check():
            if not API_KEY:
                raise SystemExit("set the key")
        """
    )
    _assert_same(data)


# -- across modules ------------------------------------------------------------------------------
def test_a_helper_in_a_sliced_module_used_from_another_module(tmp_path: Path):
    # clients.py builds a client and is sliced: `ask` never touches the client there, but
    # app.py passes its own client to it. The role analysis must still see ask's call.
    (tmp_path / "clients.py").write_bytes(
        _with_filler(
            """\
            from openai import AzureOpenAI

            default = AzureOpenAI(api_key="k", azure_endpoint="https://x.openai.azure.com", api_version="2024-10-21")


            def ask(c, text):
                return c.embeddings.create(model="m", input=text)
            """
        )
    )
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """\
            from openai import AzureOpenAI
            from clients import ask

            mine = AzureOpenAI(api_key="k2", azure_endpoint="https://x.openai.azure.com", api_version="2024-10-21")
            ask(mine, "hello")
            """
        )
    )
    data = (tmp_path / "clients.py").read_bytes()
    assert b"def ask" not in slicing.plan(data, check_parseable(data)).source  # type: ignore[union-attr]
    report = api.run([str(tmp_path)], mode=MODE_CHECK, jobs=1)
    [(_, app_client)] = [(p, c) for p, c in report.clients() if p.endswith("app.py")]
    assert [call.chain for call in app_client.calls] == ["embeddings.create"]
    assert app_client.usage_known


def test_placeholders_are_valid_python_of_the_same_length():
    data = _with_filler(
        "from openai import AzureOpenAI\nclient = AzureOpenAI(api_key='k')\n", count=3
    )
    piece = slicing.plan(data, check_parseable(data))
    assert piece is not None
    tree = ast.parse(piece.source)
    assert tree.body[-1].end_lineno == ast.parse(data).body[-1].end_lineno
