"""Role assignments: the role table, golden output per format, and real Bicep / HCL parsers.

Golden files live in fixtures/roles_project/expected/; regenerate them with
``UPDATE_GOLDEN=1 python -m pytest tests/test_roles_formats.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import hcl2
import pytest
import tree_sitter_bicep
from lark.exceptions import LarkError
from pycep import BicepParser
from tree_sitter import Language, Parser

from codemods.findings import MIGRATED, CallUse, ClientRecord
from migrator import api, roles
from migrator.engine import MODE_CHECK
from migrator.role_formats import render

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "roles_project"
EXPECTED = FIXTURE / "expected"
GOLDEN = {
    "az": "roles.az.sh",
    "bicep": "roles.bicep",
    "terraform": "roles.tf",
    "json": "roles.json",
}
ROLE_NAMES = {r.name for r in roles.ROLES.values()}
ROLE_IDS = {r.id for r in roles.ROLES.values()}


@pytest.fixture(scope="module")
def report():
    old = os.getcwd()
    os.chdir(FIXTURE)
    try:
        return api.run(["."], mode=MODE_CHECK, jobs=1)
    finally:
        os.chdir(old)


def _golden(name: str, text: str) -> None:
    path = EXPECTED / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs from the golden file"


@pytest.mark.parametrize("fmt", sorted(GOLDEN))
def test_golden_output_per_format(report, fmt):
    _golden(GOLDEN[fmt], report.render_roles(fmt))


def test_golden_text_report(report):
    _golden("report.txt", report.render_text())


def test_fixture_needs_user_on_serving_and_contributor_on_training(report):
    got = {
        (a.resource, a.role.name): [(e.path, e.line, e.call) for e in a.evidence]
        for a in report.assignments()
    }
    assert got == {
        ("env:AZURE_OPENAI_ENDPOINT", "Cognitive Services OpenAI User"): [
            ("./app.py", 10, "chat.completions.create"),
            ("./app.py", 18, "embeddings.create"),
        ],
        ("env:TRAINING_OPENAI_ENDPOINT", "Cognitive Services OpenAI Contributor"): [
            ("./training.py", 11, "files.create"),
            ("./training.py", 12, "fine_tuning.jobs.create"),
            ("./training.py", 17, "fine_tuning.jobs.retrieve"),
        ],
    }


def test_worker_processes_give_the_same_answer(report):
    old = os.getcwd()
    os.chdir(FIXTURE)
    try:
        pooled = api.run(["."], mode=MODE_CHECK, jobs=2)
    finally:
        os.chdir(old)
    assert pooled.render_roles("json") == report.render_roles("json")


# -- the role table ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "service, chain, role, basis",
    [
        ("openai", "chat.completions.create", "openai-user", "documented"),
        ("openai", "beta.chat.completions.parse", "openai-user", "documented"),
        ("openai", "chat.completions.list", "openai-contributor", "documented"),
        ("openai", "files.create", "openai-contributor", "documented"),
        ("openai", "files.retrieve", "openai-user", "documented"),
        (
            "openai",
            "vector_stores.file_batches.upload_and_poll",
            "openai-contributor",
            "documented",
        ),
        ("openai", "batches.create", "openai-contributor", "documented"),
        ("openai", "audio.transcriptions.create", "openai-user", "documented"),
        ("openai", "beta.assistants.create", "openai-user", "documented"),
        ("openai", "responses.create", "openai-user", "unverified"),
        ("openai", "audio.speech.create", "openai-user", "unverified"),
        ("openai", "images.edit", "openai-user", "unverified"),
        ("search", "search", "search-index-data-reader", "documented"),
        ("search", "get_document_count", "search-index-data-reader", "documented"),
        ("search", "merge_or_upload_documents", "search-index-data-contributor", "documented"),
        ("search", "index_documents", "search-index-data-contributor", "documented"),
        ("search", "create_or_update_index", "search-service-contributor", "documented"),
        ("search", "delete_indexer", "search-service-contributor", "documented"),
        ("search", "create_data_source_connection", "search-service-contributor", "documented"),
        ("search", "create_skillset", "search-service-contributor", "documented"),
    ],
)
def test_role_table(service, chain, role, basis):
    assert roles.role_for_call(service, chain) == (roles.ROLES[role], basis)


def test_unknown_calls_are_not_guessed():
    assert roles.role_for_call("openai", "containers.create") is None
    assert roles.role_for_call("projects", "agents.create") is None


def _client(
    line: int, chains: list[str], endpoint: str, service: str = "openai", **kw
) -> ClientRecord:  # type: ignore[no-untyped-def]
    return ClientRecord(
        line=line,
        column=0,
        sdk=service,
        cls="X",
        outcome=MIGRATED,
        reason="",
        service=service,
        endpoint=endpoint,
        calls=tuple(CallUse(c, line + 1 + i) for i, c in enumerate(chains)),
        usage_known=kw.get("usage_known", True),
        usage_note=kw.get("usage_note", ""),
    )


def test_search_roles_do_not_nest_linearly():
    clients = [
        (
            "search.py",
            _client(
                1, ["search", "upload_documents"], 'os.environ["AZURE_SEARCH_ENDPOINT"]', "search"
            ),
        ),
        (
            "admin.py",
            _client(
                10, ["create_or_update_index"], 'os.environ["AZURE_SEARCH_ENDPOINT"]', "search"
            ),
        ),
    ]
    got = {a.role.name: [e.call for e in a.evidence] for a in roles.assignments(clients)}
    # Data Contributor includes the reader's query; Service Contributor is control plane only.
    assert got == {
        "Search Index Data Contributor": ["search", "upload_documents"],
        "Search Service Contributor": ["create_or_update_index"],
    }


def test_unverified_calls_say_so_and_name_the_next_role():
    [a] = roles.assignments(
        [("v1.py", _client(3, ["responses.create"], '"https://x.openai.azure.com/openai/v1/"'))]
    )
    assert (a.role, a.unverified, a.next_role) == (
        roles.OPENAI_USER,
        True,
        roles.OPENAI_CONTRIBUTOR,
    )
    for fmt in ("az", "bicep", "terraform"):
        assert (
            "unverified: least privilege for some calls is not confirmed; if the service answers 403, grant "
            "Cognitive Services OpenAI Contributor" in render(fmt, [a])
        )
    assert json.loads(render("json", [a]))["resources"][0]["assignments"][0]["next_role"] == (
        "Cognitive Services OpenAI Contributor"
    )


def test_escaped_and_unmapped_usage_is_assumed_with_the_reason():
    escaped = _client(
        5,
        [],
        'os.environ["E"]',
        usage_known=False,
        usage_note="the client is stored in a list at line 6",
    )
    unmapped = _client(20, ["containers.create"], 'os.environ["F"]')
    items = roles.assignments([("a.py", escaped), ("b.py", unmapped)])
    assert [(a.resource, a.role, a.assumed) for a in items] == [
        ("env:E", roles.OPENAI_USER, True),
        ("env:F", roles.OPENAI_USER, True),
    ]
    assert items[0].evidence[0].reason == "the client is stored in a list at line 6"
    assert (
        items[1].evidence[0].reason
        == "calls the role table does not know: containers.create (line 21)"
    )
    assert "a.py:5 assumed: the client is stored in a list at line 6" in render("az", items)


def test_an_assumed_client_next_to_a_known_contributor_is_covered():
    known = _client(1, ["files.create"], 'os.environ["E"]')
    escaped = _client(9, [], 'os.environ["E"]', usage_known=False, usage_note="passed away")
    [a] = roles.assignments([("a.py", known), ("b.py", escaped)])
    assert a.role == roles.OPENAI_CONTRIBUTOR and not a.assumed
    assert [e.basis for e in a.evidence] == ["documented", "assumed"]


# -- the generated infrastructure code parses, and means what it should --------------------------------
def _awkward_assignments() -> list[roles.Assignment]:
    """Names and text that stress escaping: quotes, `${`, two services on one variable, no endpoint."""
    return roles.assignments(
        [
            (
                "a.py",
                _client(1, ["chat.completions.create"], 'os.environ["AZURE_OPENAI_ENDPOINT"]'),
            ),
            (
                "b.py",
                _client(
                    5, ["search", "create_index"], 'os.environ["AZURE_OPENAI_ENDPOINT"]', "search"
                ),
            ),
            ("c.py", _client(9, ["files.create"], "cfg['endpoint'] + \"${x}\" % {y}")),
            ("d.py", _client(12, ["responses.create"], None)),  # type: ignore[arg-type]
            (
                "e's dir/f.py",
                _client(
                    14, ["embed"], "'https://my-models.services.ai.azure.com/models'", "inference"
                ),
            ),
        ]
    )


def _bicep_ok(text: str) -> dict:
    tree = Parser(Language(tree_sitter_bicep.language())).parse(text.encode())
    assert not tree.root_node.has_error, "tree-sitter-bicep found a syntax error"
    return BicepParser().parse(text=text)


def _check_bicep(text: str, items: list[roles.Assignment]) -> None:
    doc = _bicep_ok(text)
    params = doc["parameters"]
    resources = doc["resources"]
    existing = {name for name, r in resources.items() if r["existing"]}
    assigned = {
        name: r
        for name, r in resources.items()
        if r["type"] == "Microsoft.Authorization/roleAssignments"
    }
    assert len(assigned) == 2 * len(items)  # workload identity and developers, per role
    for r in existing:
        assert resources[r]["config"]["name"] in params
    seen_ids = set()
    for name, r in assigned.items():
        config = r["config"]
        principals = {"principalId": "ServicePrincipal"}
        if (
            "loop_type" in config
        ):  # the developers: one assignment per object id in the array parameter
            loop = config["loop_type"]["detail"]
            assert loop["array_name"] in params
            principals = {loop["item_name"]: "User"}
            config = config["config"]
        assert config["scope"] in existing, name
        properties = config["properties"]
        role_id = properties["roleDefinitionId"]["function"]["parameters"]["resource_name_1"]
        assert role_id in ROLE_IDS
        seen_ids.add(role_id)
        assert principals.get(properties["principalId"]) == properties["principalType"], name
        guid = config["name"]["function"]["parameters"]
        assert guid["base_string"]["operator"]["operands"]["operand_1"] == config["scope"]
        assert (guid["extra_string_1"], guid["extra_string_2"]) == (
            properties["principalId"],
            role_id,
        )
    assert seen_ids == {a.role.id for a in items}


def _hcl_unquote(value: str) -> str:
    return value[1:-1] if value.startswith('"') and value.endswith('"') else value


def _check_terraform(text: str, items: list[roles.Assignment]) -> None:
    doc = hcl2.loads(text)
    variables = {_hcl_unquote(k) for block in doc["variable"] for k in block}
    blocks = [
        (_hcl_unquote(name), body)
        for resource in doc["resource"]
        for kind, named in resource.items()
        if _hcl_unquote(kind) == "azurerm_role_assignment"
        for name, body in named.items()
    ]
    assert len(blocks) == 2 * len(items)
    names = set()
    for name, body in blocks:
        names.add(name)
        scope = re.fullmatch(r"\$\{var\.(\w+)\}", body["scope"])
        assert scope and scope.group(1) in variables, name
        assert _hcl_unquote(body["role_definition_name"]) in ROLE_NAMES
        assert body["principal_id"] in ("${var.principal_id}", "${each.value}")
        assert _hcl_unquote(body["principal_type"]) in ("ServicePrincipal", "User")
    assert len(names) == len(blocks)  # no two blocks share a name


def test_fixture_bicep_parses_and_is_consistent(report):
    _check_bicep(report.render_roles("bicep"), report.assignments())


def test_fixture_terraform_parses_and_is_consistent(report):
    _check_terraform(report.render_roles("terraform"), report.assignments())


def test_awkward_names_still_parse():
    items = _awkward_assignments()
    assert {a.service for a in items} == {"openai", "search", "inference"}
    _check_bicep(render("bicep", items), items)
    _check_terraform(render("terraform", items), items)
    json.loads(render("json", items))


def test_the_parsers_do_reject_broken_output(report):
    """The checks above would catch a real syntax error: each parser rejects a damaged file."""
    bicep = report.render_roles("bicep").replace(
        "  scope: azureOpenai\n", "  scope: azureOpenai(\n", 1
    )
    with pytest.raises(LarkError):
        BicepParser().parse(text=bicep)
    assert Parser(Language(tree_sitter_bicep.language())).parse(bicep.encode()).root_node.has_error
    terraform = report.render_roles("terraform").replace(
        "principal_id         = var.principal_id", "principal_id = =", 1
    )
    with pytest.raises(LarkError):
        hcl2.loads(terraform)


def test_every_format_recommends_turning_keys_off(report):
    assert (
        '# az resource update --ids "${AZURE_OPENAI_RESOURCE_ID:?set AZURE_OPENAI_RESOURCE_ID}" '
        "--set properties.disableLocalAuth=true" in (report.render_roles("az"))
    )
    assert "properties: { disableLocalAuth: true }" in report.render_roles("bicep")
    assert (
        "azurerm_cognitive_account for var.training_openai_resource_id: local_auth_enabled = false"
        in (report.render_roles("terraform"))
    )
    resource = json.loads(report.render_roles("json"))["resources"][0]
    assert resource["disable_local_auth"]["arm_property"] == "properties.disableLocalAuth"


def test_az_separates_workload_identity_from_developers(report):
    text = report.render_roles("az")
    workload, developers = text.split("# == Developers", 1)
    assert "--assignee-principal-type ServicePrincipal" in workload
    assert "--assignee-principal-type User" not in workload
    assert developers.count("--assignee-principal-type User") == len(report.assignments())
