"""A dependency line changes only for what the migrated code now imports or calls.

The needs come from the clients each file migrated (their SDK modules declare them: a v1
``OpenAI(api_key=<token provider>)`` needs openai>=1.106.0), never from the project's mere use of
openai: a migrated Azure AI Search client needs azure-identity and nothing from openai; openai
0.x code that is reported, not migrated, needs nothing; test code left alone needs nothing.
"""

from __future__ import annotations

from pathlib import Path

from migrator import api
from migrator.engine import MODE_WRITE

SEARCH = (
    "import os\n"
    "\n"
    "from azure.core.credentials import AzureKeyCredential\n"
    "from azure.search.documents import SearchClient\n"
    "\n"
    "client = SearchClient(\n"
    '    os.environ["SEARCH_ENDPOINT"], "docs", AzureKeyCredential(os.environ["SEARCH_KEY"])\n'
    ")\n"
    'print(list(client.search("*")))\n'
)
LEGACY = (
    "import os\n"
    "\n"
    "import openai\n"
    "\n"
    'openai.api_type = "azure"\n'
    'openai.api_base = "https://contoso.openai.azure.com"\n'
    'openai.api_version = "2023-05-15"\n'
    'openai.api_key = os.getenv("AZURE_OPENAI_API_KEY")\n'
    'print(openai.ChatCompletion.create(engine="gpt-35", messages=[]))\n'
    # An image call: the 0.x rewrite (codemods.openai_v0) leaves such a module as it is.
    'print(openai.Image.create(prompt="a cat"))\n'
)
V1 = (
    "import os\n"
    "\n"
    "from openai import OpenAI\n"
    "\n"
    "client = OpenAI(\n"
    '    base_url="https://contoso.openai.azure.com/openai/v1/",\n'
    '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n'
    ")\n"
    'print(client.responses.create(model="gpt-4o", input="hi"))\n'
)
AZURE = (
    "import os\n"
    "\n"
    "from openai import AzureOpenAI\n"
    "\n"
    'client = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"],'
    ' azure_endpoint="https://contoso.openai.azure.com", api_version="2024-10-21")\n'
)
# A v1 client whose host is not Azure: reported for review, not migrated.
OTHER_HOST = (
    "import os\n"
    "\n"
    "from openai import OpenAI\n"
    "\n"
    'client = OpenAI(base_url=os.environ["LLM_URL"], api_key=os.environ["LLM_KEY"])\n'
)


def _run(root: Path, files: dict[str, str]):
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return api.run([str(root)], mode=MODE_WRITE, jobs=1)


def _dependency_notices(report) -> list[str]:
    return [n.message for r in report.results if r.kind == "project" for n in r.notices]


def test_a_migrated_search_client_does_not_touch_openai(tmp_path):
    report = _run(
        tmp_path,
        {"requirements.txt": "openai>=1.40\nazure-search-documents>=11.4\n", "app.py": SEARCH},
    )
    assert (tmp_path / "requirements.txt").read_text() == (
        "openai>=1.40\nazure-identity>=1.15.0\nazure-search-documents>=11.4\n"
    )
    assert not [m for m in _dependency_notices(report) if "openai" in m.split(":")[0]]


def test_openai_0x_code_reported_not_migrated_changes_no_dependency(tmp_path):
    report = _run(tmp_path, {"requirements.txt": "openai>=0.27,<1\n", "app.py": LEGACY})
    assert (tmp_path / "requirements.txt").read_text() == "openai>=0.27,<1\n"
    assert [c.outcome for r in report.results for c in r.clients] == ["manual"]
    assert _dependency_notices(report) == []


def test_a_migrated_v1_client_still_raises_openai(tmp_path):
    report = _run(tmp_path, {"requirements.txt": "openai>=1.40\n", "app.py": V1})
    assert (tmp_path / "requirements.txt").read_text() == (
        "openai>=1.106.0\nazure-identity>=1.15.0\n"
    )
    assert any("callable api_key" in m for m in _dependency_notices(report))


def test_a_v1_client_left_for_review_raises_nothing(tmp_path):
    _run(
        tmp_path,
        {"requirements.txt": "openai>=1.40\n", "app.py": AZURE, "other.py": OTHER_HOST},
    )
    assert (tmp_path / "requirements.txt").read_text() == "openai>=1.40\nazure-identity>=1.15.0\n"


def test_test_code_left_alone_needs_no_dependency(tmp_path):
    report = _run(
        tmp_path,
        {
            "requirements.txt": "openai>=1.40\n",
            "tests/test_client.py": V1.replace("contoso", "dummy"),
            "tests/conftest.py": AZURE,
        },
    )
    assert (tmp_path / "requirements.txt").read_text() == "openai>=1.40\n"
    assert _dependency_notices(report) == []
