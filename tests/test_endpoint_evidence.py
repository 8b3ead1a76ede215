"""The project's evidence for v1 clients whose base URL comes from configuration: what each kind
of file gives a name (``migrator.endpoint_evidence``), and how the client is then decided
(``codemods.endpoint_decision``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from helpers import run

from codemods.endpoint_decision import host_verdict
from migrator.endpoint_evidence import _settings_class, collect_files
from migrator.keyconfig import Listing


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def collect(root: Path) -> list[tuple[str, str, str, str]]:
    return collect_files([root], [], root, Listing())


# -- values and how they are shown ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "https://contoso-eus2.openai.azure.com/openai/v1/",
            ("azure", "https://<resource>.openai.azure.com/openai/v1/"),
        ),
        (
            "https://<your-resource>.cognitiveservices.azure.com/openai/v1",
            ("azure", "https://<resource>.cognitiveservices.azure.com/openai/v1"),
        ),
        ("contoso.openai.azure.com", ("azure", "<resource>.openai.azure.com")),
        (
            "https://models.inference.ai.azure.com",
            (
                "not-azure",
                "https://models.inference.ai.azure.com (GitHub Models, not Azure OpenAI)",
            ),
        ),
        (
            "https://models.github.ai/inference",
            ("not-azure", "https://models.github.ai/inference (GitHub Models, not Azure OpenAI)"),
        ),
        # A host that only starts with GitHub Models' name is somebody else's.
        (
            "https://models.github.ai.example.com/v1",
            ("not-azure", "https://models.github.ai.example.com/v1"),
        ),
        (
            "http://localhost:11434/v1",
            ("not-azure", "http://localhost:11434/v1 (a local server: Ollama, vLLM, LM Studio)"),
        ),
        (
            "http://127.0.0.1:1234/v1",
            ("not-azure", "http://127.0.0.1:1234/v1 (a local server: Ollama, vLLM, LM Studio)"),
        ),
        (
            "https://api.openai.com/v1",
            ("not-azure", "https://api.openai.com/v1 (OpenAI's own API)"),
        ),
        ("https://api.groq.com/openai/v1", ("not-azure", "https://api.groq.com/openai/v1")),
        # Never shown: a user and password, a query (which may hold a key).
        (
            "https://user:pw@r.openai.azure.com/openai/v1/?api-key=abc",
            ("unknown", ""),
        ),
        ("https://r.openai.azure.com/openai/v1/#x", ("unknown", "")),
        # Placeholders and interpolations say nothing.
        ("https://your-endpoint/", ("unknown", "")),
        ("https://<your-endpoint>/openai/v1/", ("unknown", "")),
        ("${AZURE_OPENAI_ENDPOINT}", ("unknown", "")),
        ("<your-endpoint>", ("unknown", "")),
        ("", ("unknown", "")),
        # Only an API path is shown: another path (a webhook's, a proxy's) may carry a token.
        (
            "https://hooks.example.com/services/T0/B0/abcdef",
            ("not-azure", "https://hooks.example.com/..."),
        ),
        (
            "https://r.openai.azure.com/openai/deployments/gpt-4o",
            ("azure", "https://<resource>.openai.azure.com/openai/deployments/gpt-4o"),
        ),
        # A token-like value is no host.
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.Sig", ("unknown", "")),
    ],
)
def test_a_value_is_azure_another_service_or_nothing(value, expected):
    assert host_verdict(value) == expected


# -- the files ------------------------------------------------------------------------------------
def test_env_samples_give_hosts_and_never_a_key_value(tmp_path):
    write(
        tmp_path,
        {
            ".env.sample": """\
                # Azure OpenAI (v1 API)
                AZURE_OPENAI_V1_ENDPOINT=https://YOUR-RESOURCE.openai.azure.com/openai/v1/
                AZURE_OPENAI_API_KEY=https://not-shown.example.com/
                export CHAT_BASE_URL="http://localhost:11434/v1"  # ollama
                MODEL_ENDPOINT = 'https://api.groq.com/openai/v1'
                DEPLOYMENT=gpt-4o-mini
                # OTHER_ENDPOINT=https://x.openai.azure.com/
                """,
            "svc/.env.example": "LLM_URL=${LLM_URL}\nEMBED_URL=https://emb.openai.azure.com/\n",
            ".env.template": "SECRET_TOKEN_URL=https://t.example.com/\n",
        },
    )
    assert collect(tmp_path) == [
        (
            "AZURE_OPENAI_V1_ENDPOINT",
            "azure",
            ".env.sample:2",
            "https://<resource>.openai.azure.com/openai/v1/",
        ),
        (
            "CHAT_BASE_URL",
            "not-azure",
            ".env.sample:4",
            "http://localhost:11434/v1 (a local server: Ollama, vLLM, LM Studio)",
        ),
        ("MODEL_ENDPOINT", "not-azure", ".env.sample:5", "https://api.groq.com/openai/v1"),
        ("EMBED_URL", "azure", "svc/.env.example:2", "https://<resource>.openai.azure.com/"),
    ]


def test_local_settings_values(tmp_path):
    write(
        tmp_path,
        {
            "api/local.settings.json": """\
                {
                  "IsEncrypted": false,
                  "Values": {
                    "FUNCTIONS_WORKER_RUNTIME": "python",
                    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
                    "AZURE_OPENAI_ENDPOINT": "https://fn-aoai.openai.azure.com/",
                    "AZURE_OPENAI_API_KEY": "https://never.example.com/"
                  }
                }
                """
        },
    )
    assert collect(tmp_path) == [
        (
            "AZURE_OPENAI_ENDPOINT",
            "azure",
            "api/local.settings.json:6",
            "https://<resource>.openai.azure.com/",
        )
    ]


def test_compose_environment_as_a_mapping_and_as_a_list(tmp_path):
    write(
        tmp_path,
        {
            "docker-compose.yml": """\
                services:
                  api:
                    build: .
                    environment:
                      AZURE_OPENAI_V1_ENDPOINT: https://compose-aoai.openai.azure.com/openai/v1/
                      AZURE_OPENAI_API_KEY: ${AZURE_OPENAI_API_KEY}
                  worker:
                    image: worker
                    environment:
                      - OPENAI_BASE_URL=http://ollama:11434/v1
                      - LLM_HOST=http://host.docker.internal:8000/v1
                  ollama:
                    image: ollama/ollama
                """,
            "app.yaml": "env:\n  LLM_URL: https://x.openai.azure.com/\n",
        },
    )
    assert collect(tmp_path) == [
        (
            "AZURE_OPENAI_V1_ENDPOINT",
            "azure",
            "docker-compose.yml:5",
            "https://<resource>.openai.azure.com/openai/v1/",
        ),
        (
            "LLM_HOST",
            "not-azure",
            "docker-compose.yml:11",
            "http://host.docker.internal:8000/v1 (a local server: Ollama, vLLM, LM Studio)",
        ),
    ]


def test_a_compose_file_that_is_not_yaml_gives_nothing(tmp_path):
    write(tmp_path, {"compose.yaml": "services: [\n  : :\n"})
    assert collect(tmp_path) == []


BICEP_ACCOUNT_MODULE = """\
    param name string
    param location string = resourceGroup().location
    param kind string = 'OpenAI'

    resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
      name: name
      location: location
      kind: kind
      sku: {
        name: 'S0'
      }
      properties: {
        customSubDomainName: name
      }
    }

    output endpoint string = account.properties.endpoint
    output name string = account.name
    """


def test_bicep_outputs_and_app_settings_from_an_openai_account(tmp_path):
    write(
        tmp_path,
        {
            "infra/core/ai/cognitiveservices.bicep": BICEP_ACCOUNT_MODULE,
            "infra/main.bicep": """\
                targetScope = 'resourceGroup'

                module openai 'core/ai/cognitiveservices.bicep' = {
                  name: 'openai'
                  params: {
                    name: 'aoai-${resourceToken}'
                  }
                }

                module speech 'core/ai/cognitiveservices.bicep' = {
                  name: 'speech'
                  params: {
                    name: 'speech-${resourceToken}'
                    kind: 'SpeechServices'
                  }
                }

                resource web 'Microsoft.Web/sites@2022-03-01' = {
                  name: 'web'
                  properties: {
                    siteConfig: {
                      appSettings: [
                        {
                          name: 'OPENAI_HOST'
                          value: openai.outputs.endpoint
                        }
                        {
                          name: 'SPEECH_ENDPOINT'
                          value: speech.outputs.endpoint
                        }
                      ]
                    }
                  }
                }

                output AZURE_OPENAI_ENDPOINT string = openai.outputs.endpoint
                output AZURE_SPEECH_ENDPOINT string = speech.outputs.endpoint
                output AZURE_OPENAI_NAME string = openai.outputs.name
                """,
            "infra/app.bicep": """\
                resource aoai 'Microsoft.CognitiveServices/accounts@2023-05-01' = {
                  name: 'x'
                  kind: 'AIServices'
                }

                resource containerApp 'Microsoft.App/containerApps@2023-05-01' = {
                  properties: {
                    env: {
                      LLM_BASE_URL: aoai.properties.endpoint
                    }
                  }
                }
                """,
        },
    )
    account = "(an Azure OpenAI account)"
    assert collect(tmp_path) == [
        ("LLM_BASE_URL", "azure", "infra/app.bicep:9", f"aoai.properties.endpoint {account}"),
        ("OPENAI_HOST", "azure", "infra/main.bicep:24", f"openai.outputs.endpoint {account}"),
        (
            "AZURE_OPENAI_ENDPOINT",
            "azure",
            "infra/main.bicep:36",
            f"openai.outputs.endpoint {account}",
        ),
    ]


def test_terraform_outputs_and_app_settings_from_an_openai_account(tmp_path):
    write(
        tmp_path,
        {
            "infra/main.tf": """\
                resource "azurerm_cognitive_account" "aoai" {
                  name                = "aoai-demo"
                  kind                = "OpenAI"
                  sku_name            = "S0"
                }

                resource "azurerm_cognitive_account" "lang" {
                  name = "lang"
                  kind = "TextAnalytics"
                }

                resource "azurerm_linux_web_app" "app" {
                  app_settings = {
                    "AZURE_OPENAI_V1_ENDPOINT" = "${azurerm_cognitive_account.aoai.endpoint}openai/v1/"
                    LANGUAGE_ENDPOINT          = azurerm_cognitive_account.lang.endpoint
                  }
                }

                output "OPENAI_ENDPOINT" {
                  value = azurerm_cognitive_account.aoai.endpoint
                }
                """
        },
    )
    account = "azurerm_cognitive_account.aoai.endpoint (an Azure OpenAI account)"
    assert collect(tmp_path) == [
        ("AZURE_OPENAI_V1_ENDPOINT", "azure", "infra/main.tf:14", account),
        ("OPENAI_ENDPOINT", "azure", "infra/main.tf:20", account),
    ]


def test_settings_class_defaults_with_the_env_prefix():
    source = textwrap.dedent(
        """\
        from pydantic import Field
        from pydantic_settings import BaseSettings, SettingsConfigDict


        class LLMSettings(BaseSettings):
            model_config = SettingsConfigDict(env_prefix="LLM_", env_file=".env")

            base_url: str = "https://settings-aoai.openai.azure.com/openai/v1/"
            fallback_url: str = Field(default="http://localhost:8000/v1")
            api_key: str = "https://never.example.com/"
            model: str = "gpt-4o"


        class NotSettings:
            base_url: str = "https://other.openai.azure.com/"
        """
    )
    assert list(_settings_class(source, "app/config.py")) == [
        (
            "LLM_BASE_URL",
            "azure",
            "app/config.py:8",
            "https://<resource>.openai.azure.com/openai/v1/",
        ),
        (
            "LLM_FALLBACK_URL",
            "not-azure",
            "app/config.py:9",
            "http://localhost:8000/v1 (a local server: Ollama, vLLM, LM Studio)",
        ),
    ]


# -- the decision, in the codemod -----------------------------------------------------------------
SETUP = (
    "@functools.cache\n"
    "def _token_provider():\n"
    "    # Built at the first token request, once the program has set up its environment.\n"
    '    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))\n'
    "    return get_bearer_token_provider(\n"
    '        credential, "https://cognitiveservices.azure.com/.default"\n'
    "    )\n"
    "\n\n"
    "def token_provider():\n"
    "    return _token_provider()()\n"
)
HEAD = "import functools\nimport os\n\nfrom azure.identity import ManagedIdentityCredential, get_bearer_token_provider\nfrom openai import OpenAI\n\n\n"
V1_SAMPLE = (
    "AZURE_OPENAI_V1_ENDPOINT",
    "azure",
    ".env.sample:3",
    "https://<resource>.openai.azure.com/openai/v1/",
)


def notes(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in result.notices if n.rule == "endpoint-evidence"]


def test_an_endpoint_the_project_gives_an_azure_host_is_migrated_and_the_note_names_the_file():
    source = (
        "import os\n"
        "\n"
        "from openai import OpenAI\n"
        "\n"
        'client = OpenAI(base_url=os.getenv("LLM_BASE_URL"), api_key=os.getenv("LLM_API_KEY"))\n'
    )
    evidence = (("LLM_BASE_URL", *V1_SAMPLE[1:]),)
    result = run(source, endpoint_evidence=evidence)
    assert result.new.decode() == (
        HEAD + SETUP + "\n\n"
        'client = OpenAI(base_url=os.getenv("LLM_BASE_URL"), api_key=token_provider)\n'
    )
    assert notes(result) == [
        "base_url is Azure OpenAI: .env.sample:3 sets LLM_BASE_URL to "
        "https://<resource>.openai.azure.com/openai/v1/"
    ]
    # Without the project's word, the same code is left for review, saying what is missing.
    alone = run(source)
    assert alone.new.decode() == source
    assert [(c.outcome, c.reason) for c in alone.clients] == [
        (
            "review",
            "the code does not show whether base_url is an Azure OpenAI endpoint: no file of the "
            "project gives LLM_BASE_URL a value; left as it is",
        )
    ]


def test_a_settings_field_is_matched_to_its_evidence_by_name():
    source = (
        "from openai import OpenAI\n"
        "\n"
        "from app.config import settings\n"
        "\n"
        "client = OpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key)\n"
    )
    evidence = (
        (
            "LLM_BASE_URL",
            "azure",
            "app/config.py:8",
            "https://<resource>.openai.azure.com/openai/v1/",
        ),
    )
    result = run(source, endpoint_evidence=evidence)
    assert "OpenAI(base_url=settings.llm_base_url, api_key=token_provider)" in result.new.decode()
    assert notes(result) == [
        "base_url is Azure OpenAI: app/config.py:8 sets LLM_BASE_URL to "
        "https://<resource>.openai.azure.com/openai/v1/"
    ]


@pytest.mark.parametrize(
    "base_url",
    [
        'os.getenv("AZURE_OPENAI_V1_ENDPOINT")',
        'os.environ["AZURE_OPENAI_ENDPOINT"]',
        'os.environ.get("AZURE_OPENAI_CHAT_ENDPOINT")',
    ],
)
def test_an_endpoint_named_for_azure_openai_is_migrated_with_the_name_as_the_reason(base_url):
    source = f"import os\n\nfrom openai import OpenAI\n\nclient = OpenAI(base_url={base_url}, api_key=os.environ['LLM_KEY'])\n"
    result = run(source)
    assert result.new.decode() == (
        HEAD + SETUP + f"\n\nclient = OpenAI(base_url={base_url}, api_key=token_provider)\n"
    )
    name = base_url.split('"')[1]
    assert notes(result) == [
        f"base_url is Azure OpenAI: its variable {name} is named for an Azure OpenAI endpoint and "
        "no file of the project gives it another host"
    ]


def test_an_azure_openai_key_name_decides_an_endpoint_of_another_name():
    source = (
        "import os\n\nfrom openai import OpenAI\n\n"
        'client = OpenAI(base_url=os.environ["LLM_BASE_URL"], api_key=os.environ["AZURE_OPENAI_API_KEY"])\n'
    )
    result = run(source)
    assert result.new.decode() == (
        HEAD
        + SETUP
        + '\n\nclient = OpenAI(base_url=os.environ["LLM_BASE_URL"], api_key=token_provider)\n'
    )
    assert notes(result) == [
        "base_url is Azure OpenAI: the key comes from AZURE_OPENAI_API_KEY, an Azure OpenAI key "
        "name, and no file of the project gives LLM_BASE_URL another host"
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (
            "https://models.inference.ai.azure.com",
            "https://models.inference.ai.azure.com (GitHub Models, not Azure OpenAI)",
        ),
        (
            "http://localhost:11434/v1",
            "http://localhost:11434/v1 (a local server: Ollama, vLLM, LM Studio)",
        ),
        ("https://api.openai.com/v1", "https://api.openai.com/v1 (OpenAI's own API)"),
    ],
)
def test_a_non_azure_value_in_the_project_wins_over_azure_names(value, shown):
    source = (
        "import os\n\nfrom openai import OpenAI\n\n"
        'client = OpenAI(base_url=os.getenv("AZURE_OPENAI_V1_ENDPOINT"), api_key=os.getenv("AZURE_OPENAI_API_KEY"))\n'
    )
    verdict, shown_value = host_verdict(value)
    assert (verdict, shown_value) == ("not-azure", shown)
    evidence = (("AZURE_OPENAI_V1_ENDPOINT", verdict, ".env.sample:3", shown_value),)
    result = run(source, endpoint_evidence=evidence)
    assert result.new.decode() == source
    assert [(c.outcome, c.reason) for c in result.clients] == [
        (
            "review",
            f"base_url is not Azure OpenAI: .env.sample:3 sets AZURE_OPENAI_V1_ENDPOINT to {shown}; "
            "left as it is",
        )
    ]


def test_the_code_s_own_non_azure_default_wins_over_names():
    source = (
        "import os\n\nfrom openai import OpenAI\n\n"
        'client = OpenAI(base_url=os.getenv("AZURE_OPENAI_ENDPOINT", "http://localhost:8000/v1"), api_key=k)\n'
    )
    result = run(source)
    assert result.new.decode() == source
    assert [c.reason for c in result.clients] == [
        "base_url is not Azure OpenAI: the code's default for it is http://localhost:8000/v1 "
        "(a local server: Ollama, vLLM, LM Studio); left as it is"
    ]


def test_the_openai_v1_path_alone_does_not_decide_but_does_with_the_project_s_host():
    source = (
        "import os\n\nfrom openai import OpenAI\n\n"
        'endpoint = os.environ["RESOURCE_HOST"]\n'
        'client = OpenAI(base_url=f"https://{endpoint}/openai/v1", api_key=os.environ["LLM_KEY"])\n'
    )
    alone = run(source)
    assert alone.new.decode() == source
    assert [c.reason for c in alone.clients] == [
        "the code does not show whether base_url is an Azure OpenAI endpoint: it ends in "
        "/openai/v1, Azure OpenAI's path, but its host comes from RESOURCE_HOST, and other "
        "services use that path too (Groq: https://api.groq.com/openai/v1); no file of the "
        "project gives it a value; left as it is"
    ]
    evidence = (("RESOURCE_HOST", "azure", ".env.example:1", "<resource>.openai.azure.com"),)
    decided = run(source, endpoint_evidence=evidence)
    assert decided.new.decode() == (
        HEAD.removesuffix("\n")
        + 'endpoint = os.environ["RESOURCE_HOST"]\n\n\n'
        + SETUP
        + '\n\nclient = OpenAI(base_url=f"https://{endpoint}/openai/v1", api_key=token_provider)\n'
    )
    assert notes(decided) == [
        "base_url is Azure OpenAI: .env.example:1 sets RESOURCE_HOST to <resource>.openai.azure.com"
    ]


@pytest.mark.parametrize(
    "source",
    [
        # OpenAI's own path after a configured host: not Azure's layout, whatever the key's name.
        'import os\nfrom openai import OpenAI\nc = OpenAI(base_url=f"{os.environ[\'LLM_HOST\']}/v1", api_key=os.environ["AZURE_OPENAI_API_KEY"])\n',
        # Literal look-alikes stay as they are and unreported, as before.
        'from openai import OpenAI\nc = OpenAI(base_url="https://models.inference.ai.azure.com", api_key=os.environ["GITHUB_TOKEN"])\n',
        'from openai import OpenAI\nc = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")\n',
        'from openai import OpenAI\nc = OpenAI(base_url="https://api.groq.com/openai/v1", api_key=os.environ["GROQ_API_KEY"])\n',
    ],
)
def test_look_alikes_stay_byte_identical(source):
    result = run(source, endpoint_evidence=(V1_SAMPLE,))
    assert result.new.decode() == source
    assert all(c.outcome != "migrated" for c in result.clients)
    assert notes(result) == []


def test_only_github_models_own_hosts_get_the_github_models_note():
    from codemods.options import MigrationOptions
    from migrator.engine import migrate_source

    def notes(base_url: str) -> list[str]:
        source = (
            "import os\nfrom openai import OpenAI\n"
            f'c = OpenAI(base_url="{base_url}", api_key=os.environ["GITHUB_TOKEN"])\n'
        )
        result = migrate_source(source.encode(), MigrationOptions(), "app.py")
        assert result.new == source.encode()  # not Azure either way: byte for byte
        return [n.rule for n in result.notices]

    assert notes("https://models.github.ai/inference") == ["github-models"]
    assert notes("https://models.inference.ai.azure.com") == ["github-models"]
    # A host that only starts with GitHub Models' name is somebody else's.
    assert notes("https://models.github.ai.example.com/v1") == []
