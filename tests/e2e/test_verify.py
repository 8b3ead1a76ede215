"""`aoai-migrate verify` against the loopback stand-ins, with the real azure-identity credentials.

Every test checks that no token acquired in it appears in anything the command printed.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrator.cli import app
from tests.e2e.loopback import (
    COGNITIVE_SERVICES_RESOURCE,
    DEFAULT_OBJECT_ID,
    DEFAULT_TENANT_ID,
    AzureOpenAIEndpoint,
    IdentityEndpoint,
    RecordedRequest,
    _LoopbackServer,
    _Reply,
    clean_env,
)
from tests.untrusted_verify import (
    TRUSTED_GATEWAY,
    Case,
    app_with_endpoint,
    hostile_cases,
    legitimate_cases,
    run_case,
)

CLIENT_ID = "00000000-0000-4000-8000-0000000000d4"
OTHER_OBJECT_ID = "00000000-0000-4000-8000-0000000000e5"
OPENAI_USER_ID = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
OPENAI_CONTRIBUTOR_ID = "a001fd3d-188f-4b5d-821b-7da978bf7442"
SEARCH_READER_ID = "1407120a-92aa-4202-b7e9-c0e197c71c8f"
SEARCH_RESOURCE = "https://search.azure.com"
KEY_SENTINEL = "sentinel-api-key-0123456789abcdef"

CHAT_APP = """
    import os
    from openai import AzureOpenAI

    client = AzureOpenAI(
        azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
        api_key=os.environ["AZURE_OPENAI_API_KEY"],
        api_version="2024-10-21",
    )
    messages = [{"role": "user", "content": "hi"}]
    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
"""

FILES_APP = (
    CHAT_APP
    + """
    client.files.create(file=open("data.jsonl", "rb"), purpose="fine-tune")
"""
)


# -- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def env(monkeypatch):
    """A clean identity environment: none of the machine's AZURE_*, IDENTITY_* or proxy settings."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(("AZURE", "IDENTITY_", "MSI_", "IMDS_", "OPENAI", "MSAL")) or upper in (
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY_SENTINEL)  # present, and never to be used

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_env


def project(tmp_path: Path, source: str = CHAT_APP) -> Path:
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    (root / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return root


def invoke(args: list[str], secrets: list[str], expect_exit: int):
    result = CliRunner().invoke(app, ["verify", *args])
    printed = result.stdout + result.stderr
    for secret in [*secrets, KEY_SENTINEL]:
        assert secret not in printed
        if secret.count(".") == 2:  # a JWT: not even a piece of its claims or signature
            _, claims, signature = secret.split(".")
            assert claims[:24] not in printed and (len(signature) < 8 or signature not in printed)
    assert result.exit_code == expect_exit, printed + repr(result.exception)
    return result


def as_json(result) -> dict:
    return json.loads(result.stdout)


def jwt(claims: dict) -> str:
    def enc(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{enc({'alg': 'none', 'typ': 'JWT'})}.{enc(claims)}.c2ln"


def assert_only_bearer(server, token: str) -> None:
    assert server.requests, "no request reached the server"
    for request in server.requests:
        assert request.method == "GET"
        assert request.headers.get("authorization") == f"Bearer {token}"
        assert "api-key" not in request.headers
        assert KEY_SENTINEL not in json.dumps(request.headers)


class SilentSocket:
    """A loopback socket that accepts connections (in the kernel's backlog) and never answers."""

    def __enter__(self) -> SilentSocket:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SearchEndpoint(_LoopbackServer):
    """A small stand-in for the Azure AI Search data plane: document count and index list."""

    def __init__(self, *, tokens=(), documents=3, force_status=None, challenge=False) -> None:
        super().__init__()
        self.tokens = set(tokens)
        self.documents = documents
        self.force_status = force_status
        self.challenge = challenge

    def _handle(self, request: RecordedRequest) -> _Reply:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if self.force_status == 403:
            return _Reply(403, {"error": {"code": "", "message": "Authorization failed."}})
        if self.force_status == 401 or scheme.lower() != "bearer" or token not in self.tokens:
            headers = {"WWW-Authenticate": 'Bearer realm="search"'} if self.challenge else {}
            return _Reply(
                401, {"error": {"code": "", "message": "Authentication failed."}}, headers
            )
        if request.path == "/indexes/docs/docs/$count":
            return _Reply(200, self.documents)
        if request.path == "/indexes":
            return _Reply(200, {"value": [{"name": "docs"}]})
        return _Reply(
            404, {"error": {"code": "", "message": "No index with the name 'x' was found"}}
        )


def fake_az(tmp_path: Path, token: str) -> Path:
    """An `az` on PATH that answers `az account get-access-token` like the Azure CLI does."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "az"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys, time\n"
        "assert sys.argv[1:3] == ['account', 'get-access-token'], sys.argv\n"
        f"print(json.dumps({{'accessToken': {token!r}, 'expires_on': int(time.time()) + 3600,"
        " 'tokenType': 'Bearer'}))\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return bin_dir


# -- outcomes of the data-plane call --------------------------------------------------------


def test_ready_names_the_identity_and_makes_one_read_only_call(tmp_path, env):
    root = project(tmp_path)
    before = (root / "app.py").read_bytes()
    with IdentityEndpoint() as idp, AzureOpenAIEndpoint(api_keys=[KEY_SENTINEL]) as aoai:
        token = idp.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        aoai.tokens.add(token)
        env(**idp.env(), AZURE_OPENAI_ENDPOINT=aoai.url + "/", AZURE_CLIENT_ID=CLIENT_ID)
        result = invoke([str(root)], [token], 0)
        assert_only_bearer(aoai, token)
        [request] = aoai.requests
        assert (request.path, request.query) == ("/openai/models", {"api-version": "2024-10-21"})
        assert idp.resources_requested() == [COGNITIVE_SERVICES_RESOURCE]
        assert idp.client_ids_requested() == [CLIENT_ID]
    out = result.stdout
    assert f"tenant {DEFAULT_TENANT_ID}, object id {DEFAULT_OBJECT_ID}, app id {CLIENT_ID}" in out
    assert "ManagedIdentityCredential" in out
    assert "ready: the identity's token was accepted" in out
    assert out.rstrip().endswith("1 of 1 endpoint ready")
    assert (root / "app.py").read_bytes() == before  # verify never rewrites code


def test_401_is_explained_with_the_tokens_tenant(tmp_path, env):
    with IdentityEndpoint() as idp, AzureOpenAIEndpoint(force_status=401) as aoai:
        env(**idp.env(), AZURE_OPENAI_ENDPOINT=aoai.url, AZURE_CLIENT_ID=CLIENT_ID)
        token = idp.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        result = invoke([str(project(tmp_path)), "--format", "json"], [token], 1)
        assert_only_bearer(aoai, token)
    doc = as_json(result)
    assert doc["ready"] is False
    [ep] = doc["endpoints"]
    assert (ep["status"], ep["request"]["http_status"], ep["request"]["error_code"]) == (
        "unauthorized",
        401,
        "401",
    )
    assert "audience is incorrect" in ep["request"]["error_message"]
    assert "before any role check" in ep["explanation"]
    assert f"another tenant than the token's ({DEFAULT_TENANT_ID})" in ep["explanation"]
    assert ep["fixes"] == []  # a role would not help


@pytest.mark.parametrize(
    ("source", "role_id", "role_name"),
    [
        (CHAT_APP, OPENAI_USER_ID, "Cognitive Services OpenAI User"),
        (FILES_APP, OPENAI_CONTRIBUTOR_ID, "Cognitive Services OpenAI Contributor"),
    ],
)
def test_403_gives_the_role_command_for_this_principal(tmp_path, env, source, role_id, role_name):
    with (
        IdentityEndpoint(object_id=OTHER_OBJECT_ID) as idp,
        AzureOpenAIEndpoint(force_status=403) as aoai,
    ):
        env(**idp.env(), AZURE_OPENAI_ENDPOINT=aoai.url, AZURE_CLIENT_ID=CLIENT_ID)
        token = idp.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        text = invoke([str(project(tmp_path, source))], [token], 1).stdout
        doc = as_json(invoke([str(project(tmp_path, source)), "--format", "json"], [token], 1))
    command = (
        f"az role assignment create --assignee-object-id {OTHER_OBJECT_ID} "
        f"--assignee-principal-type ServicePrincipal --role {role_id} "
        '--scope "$AZURE_OPENAI_RESOURCE_ID"'
    )
    assert command in text
    [ep] = doc["endpoints"]
    assert ep["status"] == "forbidden"
    assert command in ep["fixes"]
    assert ep["role"] == {**ep["role"], "id": role_id, "name": role_name, "basis": "code"}
    assert ep["identity"]["object_id"] == OTHER_OBJECT_ID
    assert f"assign {role_name}" in ep["explanation"]


def test_a_token_echoed_by_the_service_is_redacted(tmp_path, env):
    with IdentityEndpoint() as idp, AzureOpenAIEndpoint(force_status=403) as aoai:
        token = idp.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        aoai.force_body = {
            "error": {"code": "PermissionDenied", "message": f"denied for token {token}"}
        }
        env(**idp.env(), AZURE_CLIENT_ID=CLIENT_ID)
        for fmt in ("text", "json"):
            result = invoke(["--endpoint", aoai.url, "--format", fmt, "--verbose"], [token], 1)
            assert "<token redacted>" in result.stdout


# -- transport failures ---------------------------------------------------------------------


def test_unresolvable_host_means_the_endpoint_is_wrong(env):
    with IdentityEndpoint() as idp:
        env(**idp.env())
        doc = as_json(
            invoke(
                [
                    "--endpoint",
                    "https://aoai-verify-test.invalid",
                    "--allow-host",
                    "aoai-verify-test.invalid",
                    "--format",
                    "json",
                ],
                [],
                1,
            )
        )
    [ep] = doc["endpoints"]
    assert ep["status"] == "endpoint-wrong"
    assert "aoai-verify-test.invalid does not resolve" in ep["explanation"]


def test_connection_refused_means_the_endpoint_or_port_is_wrong(env):
    port = closed_port()
    with IdentityEndpoint() as idp:
        env(**idp.env())
        result = invoke(["--endpoint", f"http://127.0.0.1:{port}"], [idp.token_for()], 1)
    assert f"endpoint wrong: nothing accepts connections at 127.0.0.1:{port}" in result.stdout


def test_a_silent_endpoint_times_out_as_network_rules(env):
    with IdentityEndpoint() as idp, SilentSocket() as silent:
        env(**idp.env())
        start = time.monotonic()
        doc = as_json(
            invoke(
                ["--endpoint", silent.url, "--timeout", "0.5", "--format", "json"],
                [idp.token_for()],
                1,
            )
        )
        elapsed = time.monotonic() - start
    [ep] = doc["endpoints"]
    assert ep["status"] == "network-blocked"
    assert "within 0.5 s" in ep["explanation"] and "private endpoint" in ep["explanation"]
    assert elapsed < 5


def test_plain_http_to_a_real_host_is_refused_before_any_token_is_requested(env):
    with IdentityEndpoint() as idp:
        env(**idp.env())
        doc = as_json(
            invoke(["--endpoint", "http://aoai.example.invalid", "--format", "json"], [], 1)
        )
        assert idp.token_requests() == []
    [ep] = doc["endpoints"]
    assert ep["status"] == "insecure-endpoint"
    assert ep["request"] is None


def test_a_redirect_is_reported_and_not_followed_with_the_token(env):
    with IdentityEndpoint() as idp, AzureOpenAIEndpoint() as elsewhere:

        class Redirect(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(302)
                self.send_header("Location", elsewhere.url + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            env(**idp.env())
            url = f"http://127.0.0.1:{server.server_address[1]}"
            doc = as_json(invoke(["--endpoint", url, "--format", "json"], [idp.token_for()], 1))
        finally:
            server.shutdown()
            server.server_close()
        assert elsewhere.requests == []
        [ep] = doc["endpoints"]
        assert (ep["status"], ep["request"]["http_status"]) == ("endpoint-wrong", 302)
        assert f"redirects (302) to {elsewhere.url}/openai/models" in ep["explanation"]


# -- the credential and which identity answered -----------------------------------------------


def test_chained_credential_reports_the_azure_cli_when_managed_identity_is_unavailable(
    tmp_path, env, monkeypatch
):
    user_token = jwt(
        {
            "aud": COGNITIVE_SERVICES_RESOURCE,
            "tid": "00000000-0000-4000-8000-0000000000f6",
            "oid": "00000000-0000-4000-8000-0000000000f7",
            "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "idtyp": "user",
            "scp": "user_impersonation",
            "exp": int(time.time()) + 3600,
        }
    )
    monkeypatch.setenv("PATH", f"{fake_az(tmp_path, user_token)}{os.pathsep}{os.environ['PATH']}")
    with (
        IdentityEndpoint(error_status=400) as idp,
        AzureOpenAIEndpoint(tokens=[user_token], force_status=403) as aoai,
    ):
        env(**idp.env(), AZURE_CLIENT_ID=CLIENT_ID)
        doc = as_json(
            invoke(
                ["--endpoint", aoai.url, "--credential", "chained", "--format", "json", "-v"],
                [user_token],
                1,
            )
        )
        assert len(idp.token_requests()) == 1  # managed identity was tried first
        assert_only_bearer(aoai, user_token)
    [ep] = doc["endpoints"]
    assert ep["identity"] == {
        **ep["identity"],
        "credential": "AzureCliCredential",
        "chain": "ChainedTokenCredential",
        "tenant_id": "00000000-0000-4000-8000-0000000000f6",
        "object_id": "00000000-0000-4000-8000-0000000000f7",
        "app_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "principal_type": "User",
    }
    assert (
        "--assignee-object-id 00000000-0000-4000-8000-0000000000f7 --assignee-principal-type User"
        in "\n".join(ep["fixes"])
    )
    assert any("your own sign-in" in n for n in ep["notes"])
    assert doc["credential"]["expression"] == (
        "ChainedTokenCredential("
        'ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID")), AzureCliCredential())'
    )


def test_chained_credential_reports_managed_identity_when_it_answers(tmp_path, env, monkeypatch):
    monkeypatch.setenv(
        "PATH", f"{fake_az(tmp_path, jwt({'oid': 'never-used'}))}{os.pathsep}{os.environ['PATH']}"
    )
    with IdentityEndpoint() as idp, AzureOpenAIEndpoint() as aoai:
        token = idp.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        aoai.tokens.add(token)
        env(**idp.env(), AZURE_CLIENT_ID=CLIENT_ID)
        result = invoke(["--endpoint", aoai.url, "--credential", "chained"], [token], 0)
        assert_only_bearer(aoai, token)
    assert (
        "identity: ManagedIdentityCredential via AppServiceCredential in ChainedTokenCredential;"
        in result.stdout
    )


def test_default_credential_reports_which_source_answered(env):
    with IdentityEndpoint() as idp, AzureOpenAIEndpoint() as aoai:
        token = idp.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        aoai.tokens.add(token)
        env(**idp.env(), AZURE_CLIENT_ID=CLIENT_ID)
        doc = as_json(
            invoke(
                ["--endpoint", aoai.url, "--credential", "default", "--format", "json"], [token], 0
            )
        )
        assert idp.client_ids_requested() == [
            CLIENT_ID
        ]  # DefaultAzureCredential reads AZURE_CLIENT_ID
    identity = doc["endpoints"][0]["identity"]
    assert (identity["credential"], identity["chain"]) == (
        "ManagedIdentityCredential",
        "DefaultAzureCredential",
    )


def test_system_assigned_sends_no_client_id(env):
    with IdentityEndpoint() as idp, AzureOpenAIEndpoint() as aoai:
        token = idp.token_for(COGNITIVE_SERVICES_RESOURCE)
        aoai.tokens.add(token)
        env(**idp.env(), AZURE_CLIENT_ID=CLIENT_ID)
        invoke(["--endpoint", aoai.url, "--system-assigned"], [token], 0)
        assert idp.client_ids_requested() == [None]


def test_no_managed_identity_here_is_explained(env):
    with IdentityEndpoint(error_status=400) as idp, AzureOpenAIEndpoint() as aoai:
        env(**idp.env())
        doc = as_json(invoke(["--endpoint", aoai.url, "--format", "json"], [], 1))
        assert aoai.requests == []
    [ep] = doc["endpoints"]
    assert ep["status"] == "no-token"
    assert "--credential chained or default" in ep["explanation"]
    assert (
        doc["credential"]["note"]
        == "AZURE_CLIENT_ID is not set here, so the managed identity is the system-assigned one"
    )


def test_a_token_source_that_hangs_is_cut_by_the_token_timeout(env):
    with SilentSocket() as silent:
        env(IDENTITY_ENDPOINT=silent.url + "/msi/token", IDENTITY_HEADER="h")
        start = time.monotonic()
        result = invoke(["--endpoint", "https://x.openai.azure.com", "--token-timeout", "1"], [], 1)
        assert time.monotonic() - start < 10
    assert "  no token: no token within 1 s. " in result.stdout


# -- endpoints from the code ----------------------------------------------------------------


def test_an_endpoint_variable_that_is_not_set_is_reported_without_a_token_request(tmp_path, env):
    with IdentityEndpoint() as idp:
        env(**idp.env())
        doc = as_json(invoke([str(project(tmp_path)), "--format", "json"], [], 1))
        assert idp.token_requests() == []
    [ep] = doc["endpoints"]
    assert (ep["status"], ep["source"], ep["endpoint"]) == (
        "unresolved",
        "env:AZURE_OPENAI_ENDPOINT",
        None,
    )
    assert "AZURE_OPENAI_ENDPOINT is not set here" in ep["explanation"]


def test_exit_code_is_zero_only_when_every_endpoint_is_ready(env):
    with (
        IdentityEndpoint() as idp,
        AzureOpenAIEndpoint() as good,
        AzureOpenAIEndpoint(force_status=403) as bad,
    ):
        token = idp.token_for(COGNITIVE_SERVICES_RESOURCE)
        good.tokens.add(token)
        env(**idp.env())
        both = invoke(["--endpoint", good.url, "--endpoint", bad.url], [token], 1)
        assert both.stdout.rstrip().endswith("1 of 2 endpoints ready: 1 forbidden (403)")
        invoke(["--endpoint", good.url], [token], 0)
        assert (
            len(idp.token_requests()) == 2
        )  # one token per run and scope, reused across endpoints


# -- Azure AI Search --------------------------------------------------------------------------


def test_search_counts_the_documents_of_the_index(env):
    with IdentityEndpoint() as idp:
        token = idp.token_for(SEARCH_RESOURCE)
        with SearchEndpoint(tokens=[token], documents=7) as search:
            env(**idp.env())
            doc = as_json(
                invoke(
                    [
                        "--endpoint",
                        search.url,
                        "--service",
                        "search",
                        "--index",
                        "docs",
                        "--format",
                        "json",
                    ],
                    [token],
                    0,
                )
            )
            [request] = search.requests
            assert request.path == "/indexes/docs/docs/$count"
        assert idp.resources_requested() == [SEARCH_RESOURCE]
    [ep] = doc["endpoints"]
    assert ep["scope"] == "https://search.azure.com/.default"
    assert "index docs has 7 documents" in ep["explanation"]


def test_search_403_names_the_index_data_reader_role(env):
    with IdentityEndpoint() as idp, SearchEndpoint(force_status=403) as search:
        env(**idp.env())
        result = invoke(
            ["--endpoint", search.url, "--service", "search", "--index", "docs"],
            [idp.token_for(SEARCH_RESOURCE)],
            1,
        )
    assert (
        f"--assignee-object-id {DEFAULT_OBJECT_ID} --assignee-principal-type ServicePrincipal "
        f"--role {SEARCH_READER_ID}" in result.stdout
    )


def test_search_401_with_a_bearer_challenge_puts_the_missing_role_first(env):
    with IdentityEndpoint() as idp, SearchEndpoint(challenge=True) as search:
        env(**idp.env())
        doc = as_json(
            invoke(["--endpoint", search.url, "--service", "search", "--format", "json"], [], 1)
        )
        assert search.requests[0].path == "/indexes"
    [ep] = doc["endpoints"]
    assert ep["status"] == "unauthorized"
    explanation = ep["explanation"]
    assert explanation.index("has no Search role") < explanation.index("--auth-options aadOrApiKey")
    assert any(SEARCH_READER_ID in f for f in ep["fixes"])


# -- where the token may go (issue 15) ------------------------------------------------------------
# tests/untrusted_verify.py: the attacker is an https server on loopback that the client trusts for
# its names, which resolve to it for any port; it must see no connection at all.


@pytest.mark.parametrize("case", hostile_cases(), ids=lambda c: c.name)
def test_no_spelling_of_a_non_azure_host_gets_a_connection_or_a_token(tmp_path, case):
    outcome = run_case(case, tmp_path)
    assert outcome.attacker_connections == 0 and outcome.attacker_requests == []
    assert outcome.problems() == []


def test_the_issues_example_is_reported_and_skipped_without_a_token_request(tmp_path):
    case = Case(
        "issue 15",
        {"app.py": app_with_endpoint('"https://evil.example:8443/"')},
        ("{root}",),
        1,
    )
    outcome = run_case(case, tmp_path)
    assert outcome.attacker_connections == 0 and outcome.token_requests == 0
    assert "https://evil.example:8443 (written in the code)" in outcome.stdout
    assert "not an Azure host: refused: evil.example is not under the Azure domains" in (
        outcome.stdout
    )
    assert "--endpoint URL --allow-host evil.example" in outcome.stdout


@pytest.mark.parametrize("case", legitimate_cases(), ids=lambda c: c.name)
def test_an_azure_host_keeps_its_port_and_an_allowed_host_is_named_first(tmp_path, case):
    outcome = run_case(case, tmp_path)
    assert outcome.problems() == []
    [seen] = outcome.good_requests
    assert seen.path.startswith("/openai/models?")
    # The stand-in answers only at its own port: the request came to the URL's port, and says so.
    assert re.fullmatch(r"(res\.openai\.azure\.com|gw\.example):\d+", seen.host), seen.host


def test_a_non_azure_endpoint_without_allow_host_exits_2_and_names_the_host(tmp_path):
    case = Case(
        "gateway without --allow-host",
        {},
        ("--endpoint", "https://" + TRUSTED_GATEWAY + ":{good}"),
        2,
    )
    outcome = run_case(case, tmp_path)
    assert outcome.exit_code == 2
    assert outcome.good_requests == [] and outcome.token_requests == 0
    assert outcome.stdout == ""
    assert f"--endpoint host {TRUSTED_GATEWAY} is not under the Azure domains" in outcome.stderr
    assert f"add --allow-host {TRUSTED_GATEWAY}" in outcome.stderr


# -- the real entry point -----------------------------------------------------------------------


def test_the_installed_command_runs_end_to_end_on_the_demo():
    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
    with IdentityEndpoint() as idp, AzureOpenAIEndpoint() as aoai:
        token = idp.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        aoai.tokens.add(token)
        environment = clean_env(
            {
                **idp.env(),
                "AZURE_OPENAI_ENDPOINT": aoai.url,
                "AZURE_CLIENT_ID": CLIENT_ID,
                "AZURE_OPENAI_API_KEY": KEY_SENTINEL,
            }
        )
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "migrator",
                "verify",
                str(demo),
                "--format",
                "json",
                "--verbose",
            ],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert_only_bearer(aoai, token)
    assert done.returncode == 0, done.stdout + done.stderr
    assert token not in done.stdout + done.stderr and KEY_SENTINEL not in done.stdout + done.stderr
    doc = json.loads(done.stdout)
    assert [e["status"] for e in doc["endpoints"]] == ["ready"]
    assert (
        "AppServiceCredential.get_token succeeded" in done.stderr
    )  # --verbose shows azure-identity's log
