"""Property-based checks: what the transform must hold for every program, not just fixtures."""

from __future__ import annotations

import ast

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codemods.options import MigrationOptions
from migrator.engine import migrate_source

OPTIONS = MigrationOptions()

# An import that passes the byte prefilter, so the whole transform really runs on the program.
TRIGGER = "from openai import AzureOpenAI as _unused_client_class\n"


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_programs_without_clients_come_out_byte_identical(program: str) -> None:
    source = (TRIGGER + program).encode()
    try:
        result = migrate_source(source, OPTIONS)
    except Exception as exc:  # noqa: BLE001 - the grammar can produce what LibCST rejects
        if type(exc).__name__ in ("ParserSyntaxError", "RecursionError"):
            return
        raise
    assert result.new == source
    assert result.clients == ()


# -- programs with clients in random places ------------------------------------------------------
IMPORTS = {
    "plain": ("import openai", "openai.{cls}"),
    "alias": ("import openai as oa", "oa.{cls}"),
    "from": ("from openai import {cls}", "{cls}"),
    "from-as": ("from openai import {cls} as Client", "Client"),
    "lib": ("from openai.lib.azure import {cls}", "{cls}"),
}

ARGUMENTS = [
    'api_key=os.environ["AZURE_OPENAI_API_KEY"], azure_endpoint=ENDPOINT',
    "azure_endpoint=ENDPOINT, api_version='2024-10-21'",
    "\n    api_key=KEY,  # a comment\n    azure_endpoint=ENDPOINT,\n",
    "azure_endpoint=ENDPOINT,\n    api_key=KEY\n",
    "",
]

PLACES = [
    "client = {ctor}",
    "def build():\n    def inner():\n        return {ctor}\n    return inner()",
    "class Service:\n    def __init__(self):\n        self.client = {ctor}",
    "clients = [{ctor} for _ in range(2)]",
    "@functools.lru_cache\ndef get_client():\n    return {ctor}",
    "async def main():\n    async with {ctor} as c:\n        await c.models.list()",
    "if __name__ == '__main__':\n    print({ctor})",
    "handler = lambda: {ctor}",
]


@st.composite
def programs(draw: st.DrawFn) -> str:
    cls = draw(st.sampled_from(["AzureOpenAI", "AsyncAzureOpenAI"]))
    import_line, ref = IMPORTS[draw(st.sampled_from(sorted(IMPORTS)))]
    lines = [
        "import functools",
        "import os",
        import_line.format(cls=cls),
        "",
        'ENDPOINT = "https://r.openai.azure.com"',
    ]
    lines.append('KEY = os.getenv("AZURE_OPENAI_API_KEY")')
    for _ in range(draw(st.integers(1, 4))):
        ctor = f"{ref.format(cls=cls)}({draw(st.sampled_from(ARGUMENTS))})"
        place = draw(st.sampled_from(PLACES))
        lines.append("")
        lines.append(place.format(ctor=ctor))
    return "\n".join(lines) + "\n"


def _client_keywords(tree: ast.Module) -> list[set[str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else getattr(node.func, "id", "")
            )
            if name in ("AzureOpenAI", "AsyncAzureOpenAI", "Client"):
                found.append({k.arg for k in node.keywords if k.arg})
    return found


@settings(max_examples=60, deadline=None)
@given(programs())
def test_injected_clients_come_out_compiling_keyless_and_stable(program: str) -> None:
    compile(program, "<in>", "exec")
    once = migrate_source(program.encode(), OPTIONS)
    out = once.new.decode()
    tree = ast.parse(out)  # compiles
    keywords = _client_keywords(tree)
    assert keywords, out
    for kw in keywords:
        assert "api_key" not in kw, out
        assert "azure_ad_token_provider" in kw, out
    assert all(c.outcome == "migrated" for c in once.clients)
    # One credential setup per kind, at module level.
    assert out.count("get_bearer_token_provider(") == 1, out
    twice = migrate_source(once.new, OPTIONS)
    assert twice.new == once.new
    assert all(c.outcome == "already-keyless" for c in twice.clients)


@pytest.mark.parametrize("place", PLACES)
def test_every_place_is_reachable(place: str) -> None:
    """The strategy's places each migrate on their own (so a failure above is never vacuous)."""
    program = (
        "import functools\nimport os\nfrom openai import AzureOpenAI\n\n"
        + place.format(ctor="AzureOpenAI(api_key=KEY)")
        + "\n"
    )
    out = migrate_source(program.encode(), OPTIONS).new.decode()
    assert "AzureOpenAI(azure_ad_token_provider=token_provider)" in out
    compile(out, "<out>", "exec")
