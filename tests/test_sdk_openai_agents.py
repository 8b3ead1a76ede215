"""The OpenAI Agents SDK's OpenAIProvider (codemods/sdks/openai_agents.py), through a real run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SOURCE = """import os

from agents import OpenAIProvider

provider = OpenAIProvider(
    base_url="https://contoso.openai.azure.com/openai/v1/",
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
)
"""


def _run(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_real_run_migrates_the_agents_provider(tmp_path):
    (tmp_path / "agent.py").write_text(SOURCE)
    (tmp_path / "requirements.txt").write_text("openai-agents\nopenai>=1.100\n")
    out = _run(tmp_path, "migrate", ".", "--format", "json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    clients = [f["client"] for f in report["findings"] if f.get("client")]
    assert [(c["class"], c["outcome"]) for c in clients] == [("agents.OpenAIProvider", "migrated")]
    text = (tmp_path / "agent.py").read_text()
    assert "    api_key=async_token_provider,\n" in text
    assert "from azure.identity import ManagedIdentityCredential" in text
    assert "async def async_token_provider():" in text
    # The callable api_key needs openai 1.106: the declared lower bound is raised.
    requirements = (tmp_path / "requirements.txt").read_text()
    assert "openai>=1.106.0" in requirements and "azure-identity>=" in requirements


def test_a_provider_not_pointed_at_azure_is_left_alone(tmp_path):
    source = SOURCE.replace(
        "https://contoso.openai.azure.com/openai/v1/", "http://localhost:8000/v1"
    )
    (tmp_path / "agent.py").write_text(source)
    out = _run(tmp_path, "migrate", ".", "--check")
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "agent.py").read_text() == source
