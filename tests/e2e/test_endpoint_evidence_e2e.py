"""A v1 program whose endpoint comes from configuration, migrated on the project's evidence and
run against the loopback servers: before, it sends the key; after, only the managed identity's
bearer token."""

from __future__ import annotations

from pathlib import Path

from clitools import cli

from tests.e2e.loopback import (
    COGNITIVE_SERVICES_RESOURCE,
    AzureOpenAIEndpoint,
    IdentityEndpoint,
    run_program,
)

FAKE_KEY = "fake0key0for0tests0only0evidence0e2e"
CLIENT_ID = "00000000-0000-4000-8000-0000000000e6"

PROGRAM = """\
import os

from openai import OpenAI

client = OpenAI(
    base_url=os.environ["CHAT_BASE_URL"],
    api_key=os.environ["CHAT_API_KEY"],
)
reply = client.chat.completions.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "ping"}]
)
print(reply.choices[0].message.content)
"""

# How Azure samples ship their settings: a sample .env with the resource's v1 endpoint.
ENV_SAMPLE = """\
# Copy to .env and fill in.
CHAT_BASE_URL=https://<your-resource>.openai.azure.com/openai/v1/
CHAT_API_KEY=<your-key>
"""


def test_a_config_driven_v1_program_sends_only_a_bearer_token_after_migration(tmp_path: Path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    program = repo / "chat.py"
    program.write_text(PROGRAM, encoding="utf-8")
    (repo / ".env.sample").write_text(ENV_SAMPLE, encoding="utf-8")
    (repo / "requirements.txt").write_text("openai>=1.106\n", encoding="utf-8")

    with AzureOpenAIEndpoint(api_keys=[FAKE_KEY]) as aoai:
        env = {"CHAT_BASE_URL": f"{aoai.url}/openai/v1/", "CHAT_API_KEY": FAKE_KEY}
        before = run_program(program, env)
        assert before.returncode == 0, before.stderr
        assert aoai.auth_headers_seen() == [("bearer", FAKE_KEY)]

    run = cli(["migrate", "--format", "json", "."], cwd=repo)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert FAKE_KEY not in run.stdout + run.stderr
    assert "api_key=token_provider," in program.read_text(encoding="utf-8")
    assert (
        "base_url is Azure OpenAI: .env.sample:2 sets CHAT_BASE_URL to "
        "https://<resource>.openai.azure.com/openai/v1/"
    ) in run.stdout

    with IdentityEndpoint() as identity:
        token = identity.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        with AzureOpenAIEndpoint(tokens=[token]) as aoai:
            env = {
                "CHAT_BASE_URL": f"{aoai.url}/openai/v1/",
                "AZURE_CLIENT_ID": CLIENT_ID,
                **identity.env(),
            }
            after = run_program(program, env)
            assert after.returncode == 0, after.stderr
            [request] = aoai.requests
            assert (request.method, request.path) == ("POST", "/openai/v1/chat/completions")
            assert aoai.auth_headers_seen() == [("bearer", token)]
            assert "api-key" not in request.headers
        assert identity.resources_requested() == [COGNITIVE_SERVICES_RESOURCE]
        assert identity.client_ids_requested() == [CLIENT_ID]
