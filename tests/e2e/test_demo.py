"""The bundled demo, end to end: before migration it authenticates with a key; after, run as it
is with the real openai and azure-identity packages and no key, with a managed-identity token."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.e2e.loopback import (
    COGNITIVE_SERVICES_RESOURCE,
    AzureOpenAIEndpoint,
    IdentityEndpoint,
    run_program,
)

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
KEY = "demo-key-0123456789abcdef0123456789"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"

EXPECTED_PATHS = {
    ("POST", "/openai/deployments/gpt-4o-mini/chat/completions"),
    ("POST", "/openai/deployments/text-embedding-3-small/embeddings"),
    ("POST", "/openai/v1/chat/completions"),
}


def _calls(server: AzureOpenAIEndpoint) -> set[tuple[str, str]]:
    return {(r.method, r.path) for r in server.requests}


def test_demo_moves_from_api_key_to_managed_identity_token(tmp_path: Path) -> None:
    app = tmp_path / "demo"
    shutil.copytree(DEMO, app)

    with AzureOpenAIEndpoint(api_keys=[KEY]) as aoai:
        before = run_program(
            app / "main.py", {"AZURE_OPENAI_ENDPOINT": aoai.url, "AZURE_OPENAI_API_KEY": KEY}
        )
        assert before.returncode == 0, before.stderr
        assert _calls(aoai) == EXPECTED_PATHS
        # The Azure clients send the key as api-key; the v1 OpenAI client sends it as a bearer value.
        assert {value for _, value in aoai.auth_headers_seen()} == {KEY}

    migrate = subprocess.run(
        [sys.executable, "-m", "migrator", str(app)], capture_output=True, text=True, timeout=120
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    # settings.py loses its key read: the clients that read it no longer do.
    assert "4 files migrated, 1 left unchanged, 1 dependency file updated" in migrate.stdout
    assert "settings.py:6:1: info: key-variable-removed" in migrate.stdout
    assert (app / "requirements.txt").read_text() == (
        "# What the demo app needs to run\nopenai>=1.106.0\nazure-identity>=1.15.0\n"
    )

    with IdentityEndpoint() as identity:
        token = identity.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        with AzureOpenAIEndpoint(tokens=[token]) as aoai:
            env = {
                "AZURE_OPENAI_ENDPOINT": aoai.url,
                "AZURE_CLIENT_ID": CLIENT_ID,
                **identity.env(),
            }
            after = run_program(app / "main.py", env)
            assert after.returncode == 0, after.stderr
            assert after.stdout.splitlines()[0].startswith("chat: ")
            assert _calls(aoai) == EXPECTED_PATHS
            # Every request carried the identity's token, none a key.
            assert set(aoai.auth_headers_seen()) == {("bearer", token)}
            assert all("api-key" not in r.headers for r in aoai.requests)
        # The identity endpoint was asked for the right resource, for the configured identity.
        assert set(identity.resources_requested()) == {COGNITIVE_SERVICES_RESOURCE}
        assert set(identity.client_ids_requested()) == {CLIENT_ID}
