"""The SDK registry (codemods/sdks/): discovered modules, and the tables derived from them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from libcst.codemod import CodemodTest

from codemods import sdk_hooks, sdks, targets
from codemods.key_names import is_key_env_name, mentions_key_name
from codemods.options import MigrationOptions
from codemods.pipeline import MigrateModule
from codemods.sdks import ClientSpec, Invalid, Valid
from migrator import formats, roles
from migrator.engine import worth_parsing

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_module_of_the_package_is_an_sdk_of_the_registry():
    here = Path(sdks.__file__).parent
    modules = {p.stem for p in here.glob("*.py") if not p.stem.startswith("_")}
    assert len(sdks.REGISTRY) == len(modules)
    assert targets.SPECS == sdks.SPECS
    assert {s.sdk for s in targets.SPECS} >= {
        "openai", "langchain-openai", "llama-index", "semantic-kernel", "autogen",
        "azure-ai-inference", "azure-search-documents", "haystack", "litellm",
    }  # fmt: skip


def test_readme_rule_table_is_the_registry():
    text = README.read_text(encoding="utf-8")
    table = re.search(r"<!-- sdk-rules:begin -->\n(.*?)<!-- sdk-rules:end -->", text, re.S)
    assert table is not None and table.group(1) == sdks.rules_table()


def test_sdk_rules_are_in_the_report_rule_registry():
    for rule_id, (rule, _) in sdks.RULES.items():
        assert formats.RULES[rule_id] == (rule.description, rule.level)
    # Every notice an SDK's specs give has a declared rule.
    for spec in sdks.SPECS:
        for rule_id, _, _ in spec.notes:
            assert rule_id in sdks.RULES, rule_id


def test_a_hook_is_a_callable_never_a_name():
    with pytest.raises(TypeError):
        ClientSpec(sdk="x", label="x.X", names=("x.X",), hook="no_such_hook")  # type: ignore[call-arg]
    hooked = [s for s in sdks.SPECS if s.hook is not None]
    assert {s.sdk for s in hooked} == {
        "llama-index", "azure-ai-inference", "azure-search-documents", "litellm", "autogen",
        "dspy", "pydantic-ai", "crewai", "langchain-community",
    }  # fmt: skip
    for spec in hooked:
        assert callable(spec.decide) or callable(spec.serializes)


def test_dispatcher_calls_the_spec_own_callable():
    seen = []
    spec = ClientSpec(
        sdk="x", label="x.X", names=("x.X",), decide=lambda m, s, c, p: seen.append(s) or "skip"
    )
    assert sdk_hooks.decide(None, spec, None, {}) == sdk_hooks.SKIP and seen == [spec]


def test_prefilter_never_drops_a_client_without_azure_or_openai_in_its_name():
    spec = ClientSpec(sdk="crewai", label="crewai.LLM", names=("crewai.LLM", "crewai.llm.LLM"))
    assert sdks.anchors_for(spec) == {b"crewai"}
    for spec in sdks.SPECS:
        for name in spec.names:
            module, cls = name.rsplit(".", 1)
            assert worth_parsing(f"from {module} import {cls}\n{cls}(api_key=k)\n".encode()), name


def test_key_names_come_from_the_modules():
    for name in sdks.KEY_ENV_NAMES:
        assert is_key_env_name(name) and mentions_key_name(f'os.environ["{name}"]'.encode())
    assert is_key_env_name("AZURE_OPENAI_API_KEY") and not is_key_env_name("AZURE_OPENAI_ENDPOINT")


def test_roles_come_from_the_modules():
    search = [s for s in sdks.SPECS if s.service == "search"]
    assert {s.default_role for s in search} == {
        "search-index-data-reader", "search-index-data-contributor", "search-service-contributor",
    }  # fmt: skip
    assert roles.role_for_call("openai", "files.create")[0] == roles.OPENAI_CONTRIBUTOR
    assert roles.role_for_call("search", "upload_documents")[0] == roles.SEARCH_CONTRIBUTOR


def test_dependency_needs_come_from_the_migrated_specs():
    declared = {s.label for s in sdks.SPECS if s.needs}
    # The callable api_key (openai >= 1.106) is what the v1 clients and haystack's Responses
    # generator need; an azure-core credential does not.
    assert "openai.OpenAI" in declared and "openai.AsyncOpenAI" in declared
    assert not any(s.needs for s in sdks.SPECS if s.supplies == sdks.CREDENTIAL)


EXAMPLES = [
    pytest.param(sdk.name, example, id=f"{sdk.name}-{i}-{type(example).__name__.lower()}")
    for sdk in sdks.REGISTRY
    for i, example in enumerate(sdk.examples)
]


class _Examples(CodemodTest):
    TRANSFORM = MigrateModule


@pytest.mark.parametrize(("sdk", "example"), EXAMPLES)
def test_inline_example(sdk: str, example: Valid | Invalid) -> None:
    case = _Examples()
    options = MigrationOptions(**example.options)
    expected = example.expected if isinstance(example, Invalid) else example.code
    case.assertCodemod(example.code, expected, options=options)


def test_every_sdk_shows_a_rewrite():
    for sdk in sdks.REGISTRY:
        rewrites = any(isinstance(e, Invalid) for e in sdk.examples)
        assert rewrites == sdk.rewrites, sdk.name
    assert [s.name for s in sdks.REGISTRY if not s.rewrites] == ["crewai"]
    assert any(isinstance(p.values[1], Valid) for p in EXAMPLES)


def _needs_of(label: str) -> set[str]:
    from codemods.findings import MIGRATED, ClientRecord
    from migrator.engine import CHANGED, FileResult
    from migrator.project_files import _needs

    client = ClientRecord(1, 0, "sdk", label, MIGRATED, "")
    return {n.name for n in _needs([FileResult("a.py", CHANGED, clients=(client,))])}


def test_a_migrated_search_client_does_not_raise_openai():
    # Only a callable api_key needs openai 1.106; a TokenCredential in place of an
    # AzureKeyCredential does not (it used to be counted as a callable key).
    assert _needs_of("azure.search.documents.SearchClient") == {"azure-identity"}
    assert _needs_of("openai.OpenAI") == {"azure-identity", "openai"}


def test_reading_the_registry_loads_no_parser():
    import subprocess
    import sys

    code = "import sys, codemods.sdks, codemods.targets; print('libcst' in sys.modules)"
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
