"""litellm end to end with the key in a config dict, a module setting and the environment.

litellm prefers a key it finds (``litellm.api_key``, ``AZURE_API_KEY``) over the token provider:
the migrated program runs with the key's source variable still set, as during a rollout, and
must send only the managed identity's bearer token.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from codemods.options import MigrationOptions
from migrator.engine import migrate_source

from .loopback import (
    COGNITIVE_SERVICES_RESOURCE,
    AzureOpenAIEndpoint,
    IdentityEndpoint,
    run_program,
)

KEY = "e2e-litellm-key-0123456789abcdef01"
CLIENT_ID = "55555555-6666-4777-8888-999999999999"
QUIET = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "TIKTOKEN_CACHE_DIR": ""}

PROGRAM = """
import os

import litellm

os.environ["AZURE_API_KEY"] = os.environ["APP_AOAI_SECRET"]
litellm.api_key = os.environ["APP_AOAI_SECRET"]

CONFIG = {
    "model": "azure/gpt-4o",
    "api_base": os.environ["AZURE_OPENAI_ENDPOINT"],
    "api_version": "2024-10-21",
    "api_key": os.environ["APP_AOAI_SECRET"],
}

r = litellm.completion(**CONFIG, messages=[{"role": "user", "content": "hi"}])
print("chat=" + r.choices[0].message.content)
"""


def _run(path: Path, env: dict[str, str]) -> dict[str, str]:
    result = run_program(path, {**QUIET, **env}, timeout=120)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def test_config_dict_module_setting_and_environment_write(tmp_path):
    pytest.importorskip("litellm")
    path = tmp_path / "app.py"
    path.write_text(textwrap.dedent(PROGRAM), encoding="utf-8")
    with AzureOpenAIEndpoint(api_keys=[KEY]) as aoai:
        out = _run(path, {"AZURE_OPENAI_ENDPOINT": aoai.url, "APP_AOAI_SECRET": KEY})
        assert out["chat"] == "echo: hi"
        assert {v for _, v in aoai.auth_headers_seen()} == {KEY}

    result = migrate_source(path.read_bytes(), MigrationOptions(), str(path))
    assert [c.outcome for c in result.clients] == ["migrated"], result.clients
    migrated = result.new.decode()
    assert "APP_AOAI_SECRET" not in migrated and "litellm.api_key" not in migrated
    assert '"azure_ad_token_provider": token_provider,' in migrated
    path.write_bytes(result.new)

    with IdentityEndpoint() as identity:
        token = identity.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        with AzureOpenAIEndpoint(tokens=[token]) as aoai:
            env = {
                "AZURE_OPENAI_ENDPOINT": aoai.url,
                "AZURE_CLIENT_ID": CLIENT_ID,
                # Still set, as during a rollout: the program no longer reads it.
                "APP_AOAI_SECRET": KEY,
                **identity.env(),
            }
            assert _run(path, env)["chat"] == "echo: hi"
            assert aoai.requests
            assert set(aoai.auth_headers_seen()) == {("bearer", token)}
            assert all("api-key" not in r.headers for r in aoai.requests)
        assert set(identity.client_ids_requested()) == {CLIENT_ID}
