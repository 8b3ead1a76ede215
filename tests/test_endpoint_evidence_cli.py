"""Whole runs over small project trees: a v1 client whose base URL comes from configuration is
decided by the project's files, and the report (text and JSON) names the file that decided."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from clitools import cli

APP = """\
import os

from openai import OpenAI

client = OpenAI(
    base_url=os.getenv("LLM_BASE_URL"),
    api_key=os.getenv("LLM_API_KEY"),
)
print(client.chat.completions.create(model="gpt-4o-mini", messages=[]))
"""

MIGRATED = """\
import functools
import os

from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
from openai import OpenAI


@functools.cache
def _token_provider():
    # Built at the first token request, once the program has set up its environment.
    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
    return get_bearer_token_provider(
        credential, "https://cognitiveservices.azure.com/.default"
    )


def token_provider():
    return _token_provider()()


client = OpenAI(
    base_url=os.getenv("LLM_BASE_URL"),
    api_key=token_provider,
)
print(client.chat.completions.create(model="gpt-4o-mini", messages=[]))
"""


def project(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(parents=True)
    for name, text in {"app.py": APP, "requirements.txt": "openai>=1.106\n", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def findings(stdout: str) -> list[tuple[str, int, str]]:
    report = json.loads(stdout)
    return [
        (f["rule"], f["line"], f["message"])
        for f in report["findings"]
        if f["file"].endswith("app.py")
    ]


@pytest.mark.parametrize(
    ("files", "evidence"),
    [
        (
            {
                ".env.sample": "# copy to .env\nLLM_BASE_URL=https://<your-resource>.openai.azure.com/openai/v1/\nLLM_API_KEY=<your-key>\n"
            },
            ".env.sample:2 sets LLM_BASE_URL to https://<resource>.openai.azure.com/openai/v1/",
        ),
        (
            {
                "local.settings.json": """\
                {
                  "IsEncrypted": false,
                  "Values": {
                    "FUNCTIONS_WORKER_RUNTIME": "python",
                    "LLM_BASE_URL": "https://func-aoai.openai.azure.com/openai/v1/"
                  }
                }
                """
            },
            "local.settings.json:5 sets LLM_BASE_URL to https://<resource>.openai.azure.com/openai/v1/",
        ),
        (
            {
                "docker-compose.yml": """\
                services:
                  app:
                    build: .
                    environment:
                      - LLM_BASE_URL=https://compose-aoai.cognitiveservices.azure.com/openai/v1/
                """
            },
            "docker-compose.yml:5 sets LLM_BASE_URL to "
            "https://<resource>.cognitiveservices.azure.com/openai/v1/",
        ),
        (
            {
                "infra/main.bicep": """\
                resource aoai 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
                  name: 'aoai-${uniqueString(resourceGroup().id)}'
                  location: resourceGroup().location
                  kind: 'OpenAI'
                  sku: {
                    name: 'S0'
                  }
                }

                output LLM_BASE_URL string = aoai.properties.endpoint
                """
            },
            "infra/main.bicep:10 sets LLM_BASE_URL to aoai.properties.endpoint "
            "(an Azure OpenAI account)",
        ),
        (
            {
                "settings.py": """\
                from pydantic_settings import BaseSettings


                class Settings(BaseSettings):
                    llm_base_url: str = "https://settings-aoai.openai.azure.com/openai/v1/"
                """
            },
            "settings.py:5 sets LLM_BASE_URL to https://<resource>.openai.azure.com/openai/v1/",
        ),
    ],
    ids=["env-sample", "local-settings", "compose", "bicep", "settings-class"],
)
def test_the_project_s_files_decide_and_the_report_names_them(tmp_path, files, evidence):
    root = project(tmp_path / "repo", files)
    run = cli(["migrate", "--format", "json", "."], cwd=root)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert (root / "app.py").read_text() == MIGRATED
    assert ("endpoint-evidence", 5, f"base_url is Azure OpenAI: {evidence}") in findings(run.stdout)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (
            "https://models.inference.ai.azure.com",
            "https://models.inference.ai.azure.com (GitHub Models, not Azure OpenAI)",
        ),
        (
            "https://models.github.ai/inference",
            "https://models.github.ai/inference (GitHub Models, not Azure OpenAI)",
        ),
        (
            "http://localhost:11434/v1",
            "http://localhost:11434/v1 (a local server: Ollama, vLLM, LM Studio)",
        ),
        (
            "http://localhost:8000/v1",
            "http://localhost:8000/v1 (a local server: Ollama, vLLM, LM Studio)",
        ),
        ("https://api.openai.com/v1", "https://api.openai.com/v1 (OpenAI's own API)"),
    ],
)
def test_an_env_sample_with_another_host_leaves_even_an_azure_named_client(tmp_path, value, shown):
    app = APP.replace("LLM_BASE_URL", "AZURE_OPENAI_V1_ENDPOINT").replace(
        "LLM_API_KEY", "AZURE_OPENAI_API_KEY"
    )
    root = project(
        tmp_path / "repo",
        {"app.py": app, ".env.sample": f"AZURE_OPENAI_V1_ENDPOINT={value}\n"},
    )
    run = cli(["migrate", "--format", "json", "."], cwd=root)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert (root / "app.py").read_text() == app
    assert findings(run.stdout) == [
        (
            "client-review",
            5,
            "openai.OpenAI: needs review: base_url is not Azure OpenAI: .env.sample:1 sets "
            f"AZURE_OPENAI_V1_ENDPOINT to {shown}; left as it is",
        )
    ]


def test_the_text_report_names_the_evidence_with_verbose(tmp_path):
    root = project(
        tmp_path / "repo",
        {".env.example": "LLM_BASE_URL=https://demo.openai.azure.com/openai/v1/\n"},
    )
    run = cli(["migrate", "--dry-run", "-v", "."], cwd=root)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert (root / "app.py").read_text() == APP
    assert (
        "./app.py:5:10: info: endpoint-evidence: base_url is Azure OpenAI: .env.example:1 sets "
        "LLM_BASE_URL to https://<resource>.openai.azure.com/openai/v1/"
    ) in run.stdout + run.stderr


def test_the_evidence_comes_from_the_run_s_listing_no_directory_listed_twice(tmp_path, monkeypatch):
    """The repository's top above the given path holds the sample: the evidence step lists it
    once, and the key-configuration scan after it goes on from the same listing."""
    import os
    from collections import Counter

    from codemods.options import MigrationOptions
    from migrator import api
    from migrator.engine import MODE_CHECK

    root = project(
        tmp_path / "repo",
        {
            "src/app.py": APP,
            "src/requirements.txt": "openai>=1.106\n",
            ".env.sample": "LLM_BASE_URL=https://demo.openai.azure.com/openai/v1/\nAZURE_OPENAI_API_KEY=x\n",
        },
    )
    (root / "app.py").unlink()
    listed: Counter[str] = Counter()
    real_scandir = os.scandir

    def scandir(path="."):  # type: ignore[no-untyped-def]
        listed[os.path.abspath(path)] += 1
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = api.run([str(root / "src")], MigrationOptions(), MODE_CHECK, jobs=1)
    [client] = [c for r in report.results for c in r.clients]
    assert client.outcome == "migrated"
    assert {n: c for n, c in listed.items() if c > 1} == {}
    assert str(root) in listed
    # The key-configuration scan reported the sample's key from the same listing.
    assert any(
        r.path.endswith(".env.sample") and any(n.rule == "key-config" for n in r.notices)
        for r in report.results
    )
