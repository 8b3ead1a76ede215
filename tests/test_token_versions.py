"""Projects pinned to SDK releases before the token argument: the client is left as it is and
the minimum named, or a declared lower bound is raised (through api.run on a project tree)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.findings import ClientRecord
from migrator import api, token_versions
from migrator.engine import MODE_DIFF, MODE_WRITE

LEGACY_APP = """\
import os

from langchain.llms import AzureOpenAI

llm = AzureOpenAI(
    deployment_name="text-davinci-003",
    openai_api_key=os.environ["AZURE_OPENAI_API_KEY"],
    temperature=0,
)
print(llm("Tell me a joke"))
"""

LEGACY_MIGRATED = """\
import functools
import os

from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
from langchain.llms import AzureOpenAI


@functools.cache
def _token_provider():
    # Built at the first token request, once the program has set up its environment.
    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
    return get_bearer_token_provider(
        credential, "https://cognitiveservices.azure.com/.default"
    )


def token_provider():
    return _token_provider()()


llm = AzureOpenAI(
    deployment_name="text-davinci-003",
    azure_ad_token_provider=token_provider,
    temperature=0,
)
print(llm("Tell me a joke"))
"""


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(text.encode())


def _result(report, name: str):
    return next(r for r in report.results if r.path.endswith(name))


def test_langchain_0_0_x_and_openai_0_27_pins_leave_the_file_and_name_the_minimums(tmp_path):
    requirements = "langchain==0.0.300\nopenai==0.27.8\ntiktoken\n"
    _tree(tmp_path, {"app.py": LEGACY_APP, "requirements.txt": requirements})
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    assert (tmp_path / "app.py").read_bytes() == LEGACY_APP.encode()
    assert (tmp_path / "requirements.txt").read_bytes() == requirements.encode()
    app = _result(report, "app.py")
    assert app.status == "unchanged" and not app.written
    assert [(c.outcome, c.reason) for c in app.clients] == [
        (
            "manual",
            "left as it is: requirements.txt declares openai==0.27.8, and openai.AzureOpenAI "
            "(azure_ad_token_provider) needs openai 1.0.0 or later; requirements.txt declares "
            "langchain==0.0.300, and AzureOpenAI(azure_ad_token_provider=) needs langchain "
            "0.0.346 or later",
        )
    ]
    assert [(n.line, n.rule, n.severity) for n in app.notices] == [
        (5, "token-argument-version", "warning")
    ]
    assert app.notices[0].message.endswith(
        "raise the pin (openai>=1.0.0, langchain>=0.0.346), then run the migration again"
    )
    # No dependency step: nothing was migrated, so azure-identity is not added either.
    assert not any(r.path.endswith("requirements.txt") and r.notices for r in report.results)


def test_a_lower_bound_below_the_first_release_is_raised(tmp_path):
    _tree(
        tmp_path,
        {"app.py": LEGACY_APP, "requirements.txt": "langchain>=0.0.340\nopenai>=1.3\n"},
    )
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    assert (tmp_path / "app.py").read_text() == LEGACY_MIGRATED
    assert (tmp_path / "requirements.txt").read_text() == (
        "langchain>=0.0.346\nopenai>=1.3\nazure-identity>=1.15.0\n"
    )
    deps = _result(report, "requirements.txt")
    assert [(n.line, n.rule) for n in deps.notices] == [
        (1, "dependency-raised"),
        (3, "dependency-added"),
    ]
    assert deps.notices[0].message == (
        "raised langchain>=0.0.340 to >=0.0.346: AzureOpenAI(azure_ad_token_provider=) needs it"
    )


def test_a_bare_package_name_is_not_given_a_bound(tmp_path):
    _tree(tmp_path, {"app.py": LEGACY_APP, "requirements.txt": "langchain\nopenai\n"})
    api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    assert (tmp_path / "app.py").read_text() == LEGACY_MIGRATED
    assert (
        tmp_path / "requirements.txt"
    ).read_text() == "langchain\nopenai\nazure-identity>=1.15.0\n"


def test_v1_client_with_openai_pinned_before_callable_api_key_is_left(tmp_path):
    app = (
        "import os\n\nfrom openai import OpenAI\n\n"
        "client = OpenAI(\n"
        '    base_url="https://contoso.openai.azure.com/openai/v1/",\n'
        '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n'
        ")\n"
    )
    pyproject = '[project]\nname = "chat"\ndependencies = ["openai==1.40.0"]\n'
    _tree(tmp_path, {"app.py": app, "pyproject.toml": pyproject})
    report = api.run([str(tmp_path)], mode=MODE_DIFF, jobs=1)
    result = _result(report, "app.py")
    assert result.status == "unchanged" and result.diff is None
    assert result.notices[0].message == (
        "openai.OpenAI left as it is: pyproject.toml declares openai==1.40.0, and "
        "OpenAI(api_key=<token provider>) needs openai 1.106.0 or later; raise the pin "
        "(openai>=1.106.0), then run the migration again"
    )


def test_a_development_list_does_not_decide(tmp_path):
    _tree(
        tmp_path,
        {
            "app.py": LEGACY_APP,
            "requirements.txt": "langchain>=0.0.350\nopenai>=1.3\n",
            "requirements-dev.txt": "openai==0.27.8\n",
        },
    )
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    assert (tmp_path / "app.py").read_text() == LEGACY_MIGRATED
    assert [c.outcome for c in _result(report, "app.py").clients] == ["migrated"]


def test_every_migrated_client_of_a_left_file_says_why(tmp_path):
    app = LEGACY_APP + (
        "\nfrom langchain_openai import AzureChatOpenAI\n\n"
        'chat = AzureChatOpenAI(azure_deployment="gpt-4o", api_key=os.environ["AZURE_OPENAI_API_KEY"])\n'
    )
    _tree(tmp_path, {"app.py": app, "requirements.txt": "langchain==0.0.300\nopenai>=1\n"})
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    assert (tmp_path / "app.py").read_text() == app
    reasons = [c.reason for c in _result(report, "app.py").clients]
    assert reasons[1] == (
        "left with langchain_community.llms.AzureOpenAI on line 5, whose SDK is pinned too old"
    )


def _record(
    cls: str, reason: str = "api_key= replaced by azure_ad_token_provider="
) -> ClientRecord:
    return ClientRecord(1, 0, "sdk", cls, "migrated", reason)


def _pin(name: str, spec: str) -> list[token_versions.Pin]:
    return [token_versions.Pin(name, spec, "pep508", "requirements.txt")]


@pytest.mark.parametrize(
    "source, pins, held",
    [
        # The package the module imports decides which legacy floor counts.
        (b"from langchain_community.embeddings import AzureOpenAIEmbeddings\n",
         _pin("langchain-community", "==0.0.3"), True),
        (b"from langchain_community.embeddings import AzureOpenAIEmbeddings\n",
         _pin("langchain-community", "==0.0.4"), False),
        (b"from langchain_community.embeddings import AzureOpenAIEmbeddings\n",
         _pin("langchain", "<0.1"), False),
        (b"from langchain.embeddings import AzureOpenAIEmbeddings\n",
         _pin("langchain", "<0.1"), True),
        (b"from langchain.embeddings import AzureOpenAIEmbeddings\n",
         _pin("langchain", "~=0.1.0"), False),
    ],
)  # fmt: skip
def test_legacy_embeddings_floor_follows_the_import(source, pins, held):
    record = _record("langchain_community.embeddings.AzureOpenAIEmbeddings")
    assert (token_versions.held((record,), source, pins) is not None) is held


@pytest.mark.parametrize(
    "reason, held",
    [
        ("api_key= replaced by azure_ad_token_provider=", False),
        (
            "api_key= replaced by azure_ad_token_provider=; azure_ad_async_token_provider= added "
            "for the async calls",
            True,
        ),
    ],
)
def test_langchain_openai_floor_only_for_the_async_argument(reason, held):
    record = _record("langchain_openai.AzureChatOpenAI", reason)
    pins = _pin("langchain-openai", "==0.2.3")
    assert (token_versions.held((record,), b"", pins) is not None) is held


def test_sdks_every_release_of_which_takes_the_argument_have_no_floor():
    for cls in (
        "autogen_ext.models.openai.AzureOpenAIChatCompletionClient",
        "semantic_kernel.connectors.ai.open_ai.AzureChatCompletion",
    ):
        assert token_versions.floors(_record(cls), b"") == ()
