"""Key configuration: reported where it is, never changed, never with its value."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.keyconfig import scan

SECRET = "f4k3k3y0123456789abcdef0123456789"


def found(root: Path, files: dict[str, str], **kwargs) -> list[tuple[str, int, int]]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    before = {name: (root / name).read_bytes() for name in files}
    findings = scan([root], **kwargs)
    assert {name: (root / name).read_bytes() for name in files} == before  # never changed
    assert all(SECRET not in f.notice.message for f in findings)  # never printed
    return [(f.path.relative_to(root).as_posix(), f.notice.line, f.notice.column) for f in findings]


@pytest.mark.parametrize(
    "name, text, line",
    [
        (
            ".env",
            f"AZURE_OPENAI_ENDPOINT=https://x.openai.azure.com/\nAZURE_OPENAI_API_KEY={SECRET}\n",
            2,
        ),
        (".env.local", f"# comment\nexport AZURE_OPENAI_KEY='{SECRET}'\n", 2),
        (".azure/dev/.env", f'AZURE_OPENAI_API_KEY="{SECRET}"\n', 1),
        (".envrc", f"use flake\nexport AZURE_OPENAI_API_KEY={SECRET}\n", 2),
        (
            "src/local.settings.json",
            '{\n  "IsEncrypted": false,\n  "Values": {\n    "AzureWebJobsStorage": "",\n'
            f'    "AZURE_OPENAI_API_KEY": "{SECRET}"\n  }}\n}}\n',
            5,
        ),
        (
            "azure.yaml",
            "name: app\nservices:\n  api:\n    env:\n      AZURE_OPENAI_API_KEY: ${AZURE_OPENAI_API_KEY}\n",
            5,
        ),
        (
            "docker-compose.yml",
            f"services:\n  app:\n    environment:\n      - AOAI_API_KEY={SECRET}\n",
            4,
        ),
    ],
)
def test_key_variables_in_settings_files(tmp_path, name, text, line):
    assert found(tmp_path, {name: text}) == [
        (
            name,
            line,
            text.splitlines()[line - 1].index(
                next(
                    k
                    for k in ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_KEY", "AOAI_API_KEY")
                    if k in text.splitlines()[line - 1]
                )
            ),
        )
    ]


def test_commented_and_unrelated_variables_are_not_reported(tmp_path):
    assert (
        found(
            tmp_path,
            {
                ".env": "# AZURE_OPENAI_API_KEY=old\nAZURE_OPENAI_ENDPOINT=x\nOPENAI_API_KEY=y\nAZURE_SEARCH_KEY=z\n"
            },
        )
        == []
    )


def test_openai_api_key_counts_when_a_v1_client_was_migrated(tmp_path):
    assert found(tmp_path, {".env": "OPENAI_API_KEY=y\n"}, extra=frozenset({"OPENAI_API_KEY"})) == [
        (".env", 1, 0)
    ]


def test_workflow_secret_references(tmp_path):
    workflow = (
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n"
        "      AZURE_OPENAI_API_KEY: ${{ secrets.AZURE_OPENAI_API_KEY }}\n"
        "      OTHER: ${{ secrets.PYPI_TOKEN }}\n"
    )
    column = workflow.splitlines()[5].index("secrets.AZURE_OPENAI_API_KEY")
    assert found(tmp_path, {".github/workflows/ci.yml": workflow}) == [
        (".github/workflows/ci.yml", 6, column)
    ]


BICEP = """\
param location string = resourceGroup().location

resource openai 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: 'contoso-openai'
  location: location
  kind: 'OpenAI'
  sku: { name: 'S0' }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: 'contosodata'
}

var storageKey = storage.listKeys().keys[0].value
output openaiKey string = openai.listKeys().key1
"""


def test_bicep_list_keys_of_an_openai_account_not_of_storage(tmp_path):
    [(path, line, column)] = found(tmp_path, {"infra/main.bicep": BICEP})
    assert (path, line) == ("infra/main.bicep", 15)
    assert scan([tmp_path])[0].notice.message.startswith(
        "this output exposes the keys of openai (listKeys())"
    )


def test_arm_and_terraform(tmp_path):
    arm = (
        '{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n'
        '  "outputs": {\n    "key": {\n      "type": "string",\n'
        "      \"value\": \"[listKeys(resourceId('Microsoft.CognitiveServices/accounts', 'aoai'), '2023-05-01').key1]\"\n"
        "    }\n  }\n}\n"
    )
    terraform = (
        'resource "azurerm_cognitive_account" "openai" {\n  name = "aoai"\n  kind = "OpenAI"\n}\n\n'
        'output "openai_key" {\n  value     = azurerm_cognitive_account.openai.primary_access_key\n  sensitive = true\n}\n'
    )
    result = found(
        tmp_path, {"infra/azuredeploy.json": arm, "infra/main.tf": terraform, "package.json": "{}"}
    )
    assert [(p, line) for p, line, _ in result] == [
        ("infra/azuredeploy.json", 6),
        ("infra/main.tf", 7),
    ]


def test_virtual_environments_and_node_modules_are_skipped(tmp_path):
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    files = {
        "venv/.env": "AZURE_OPENAI_API_KEY=x\n",
        "node_modules/pkg/.env": "AZURE_OPENAI_API_KEY=x\n",
    }
    assert found(tmp_path, files) == []


def test_a_scan_that_goes_on_from_the_discovery_walk_finds_what_a_scan_alone_finds(tmp_path):
    """The run's key-configuration scan takes the directories the discovery walk listed and lists
    the others itself (gitignored, excluded): the same findings, the same files left out."""
    import os

    from migrator.discovery import FileSelection, iter_files
    from migrator.keyconfig import Listing

    line = f"AZURE_OPENAI_API_KEY={SECRET}\n"
    files = {
        ".gitignore": "secrets/\nignored.env\n",
        "app.py": "print(1)\n",
        ".env": line,
        "ignored.env": line,
        "secrets/.env": line,
        "secrets/deeper/.env": line,
        "build/.env": line,
        ".github/workflows/ci.yml": "env:\n  K: ${{ secrets.AZURE_OPENAI_API_KEY }}\n",
        ".hidden/.env": line,
        ".azure/dev/.env": line,
        "venv/pyvenv.cfg": "",
        "venv/.env": line,
        "node_modules/pkg/.env": line,
        "sub/project/.env.local": line,
    }
    outside, tmp_path = tmp_path / "outside.env", tmp_path / "tree"
    outside.write_text(line)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    os.symlink(outside, tmp_path / "linked.env")  # a link to a file is read
    os.symlink(tmp_path / "secrets", tmp_path / "linked_dir")  # a link to a directory is not
    shallow = [tmp_path / ".github" / "workflows", tmp_path / "infra", tmp_path / "sub"]
    alone = scan([tmp_path], shallow)
    listing = Listing()
    assert list(iter_files([str(tmp_path)], FileSelection(), listing.saw)) == [
        str(tmp_path / "app.py")
    ]
    walked = scan([tmp_path], shallow, listing=listing)
    assert [(f.path, f.notice) for f in walked] == [(f.path, f.notice) for f in alone]
    assert sorted(f.path.relative_to(tmp_path).as_posix() for f in walked) == [
        ".azure/dev/.env",
        ".env",
        ".github/workflows/ci.yml",
        "build/.env",
        "ignored.env",
        "linked.env",
        "secrets/.env",
        "secrets/deeper/.env",
        "sub/project/.env.local",
    ]
