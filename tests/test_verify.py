"""verify's pieces without a network: endpoints, probes, the credential, diagnosis of answers."""

from __future__ import annotations

import ast
import json
import socket
import ssl
import urllib.error
from collections.abc import Iterator, Mapping

import pytest

from codemods.options import MigrationOptions
from migrator import roles, verify
from migrator.verify_probe import _Answer
from migrator.verify_targets import Target
from migrator.verify_token import Identity

OID = "00000000-0000-4000-8000-0000000000b2"
TID = "00000000-0000-4000-8000-0000000000a1"
SCOPE = "https://cognitiveservices.azure.com/.default"


class RecordingEnv(Mapping[str, str]):
    """An environment that records every variable read from it."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values
        self.read: list[str] = []

    def __getitem__(self, name: str) -> str:
        self.read.append(name)
        return self._values[name]

    def get(self, name, default=None):  # type: ignore[override]
        self.read.append(name)
        return self._values.get(name, default)

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("verify must not enumerate the environment")

    def __len__(self) -> int:
        return len(self._values)


def target(
    url: str | None = "https://res.openai.azure.com", service: str = "openai", **kw
) -> Target:
    role = kw.pop("role", roles.OPENAI_USER if service != "search" else roles.SEARCH_READER)
    return Target(
        service, kw.pop("source", "--endpoint"), url, role, kw.pop("basis", "default"), **kw
    )


def identity(**kw) -> Identity:
    values: dict = {
        "credential": "ManagedIdentityCredential",
        "chain": None,
        "source": None,
        "tenant_id": TID,
        "object_id": OID,
        "app_id": "app",
        "principal_type": "ServicePrincipal",
        "audience": "https://cognitiveservices.azure.com",
        "expires_on": None,
    }
    values.update(kw)
    return Identity(**values)


def answer(status: int, body: object = None, headers: dict[str, str] | None = None) -> _Answer:
    raw = json.dumps(body).encode() if body is not None else b""
    return _Answer(status, headers or {}, raw, 1)


def diagnose(t: Target, a: _Answer, ident: Identity | None = None, cloud: str = "public"):
    ident = ident or identity()
    return verify.diagnose_answer(
        t,
        verify.scope_of(t, MigrationOptions(cloud=cloud)),
        ident,
        a,
        MigrationOptions(cloud=cloud),
    )


# -- endpoints ------------------------------------------------------------------------------


def test_endpoint_variables_are_read_but_never_one_named_like_a_secret():
    env = RecordingEnv(
        {"AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com/", "AZURE_OPENAI_API_KEY": "k"}
    )
    assert verify.resolve_resource("env:AZURE_OPENAI_ENDPOINT", env) == (
        "https://res.openai.azure.com",
        None,
    )
    url, problem = verify.resolve_resource("env:AZURE_OPENAI_API_KEY", env)
    assert url is None and "named like a secret" in problem
    assert env.read == ["AZURE_OPENAI_ENDPOINT"]


def test_the_analysis_of_code_that_reads_a_key_reads_only_endpoint_variables():
    clients_source = b"""
import os
from openai import AzureOpenAI
client = AzureOpenAI(
    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
    api_version="2024-10-21",
)
client.chat.completions.create(model="m", messages=[])
"""
    from migrator.engine import migrate_source

    result = migrate_source(clients_source, MigrationOptions())
    pairs = [("app.py", c) for c in result.clients]
    env = RecordingEnv(
        {"AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com", "AZURE_OPENAI_API_KEY": "k"}
    )
    [t] = verify.targets_from_analysis(roles.assignments(pairs), pairs, env)
    assert (t.url, t.source, t.role) == (
        "https://res.openai.azure.com",
        "env:AZURE_OPENAI_ENDPOINT",
        roles.OPENAI_USER,
    )
    assert env.read == ["AZURE_OPENAI_ENDPOINT"]


@pytest.mark.parametrize(
    ("resource", "env", "url", "problem"),
    [
        ("host:res.openai.azure.com", {}, "https://res.openai.azure.com", None),
        ("env:AOAI_URL", {}, None, "AOAI_URL is not set here"),
        ("env:AOAI_URL", {"AOAI_URL": "sk-not-a-url-0123"}, None, "AOAI_URL is not an http(s) URL"),
        ("expr:cfg.endpoint", {}, None, "computed in code (`cfg.endpoint`)"),
        ("unknown", {}, None, "not visible in the code"),
    ],
)
def test_resolving_resources(resource, env, url, problem):
    got_url, got_problem = verify.resolve_resource(resource, env)
    assert got_url == url
    if problem is None:
        assert got_problem is None
    else:
        assert problem in got_problem
        assert "sk-not-a-url" not in got_problem  # a bad value is never echoed


@pytest.mark.parametrize(
    ("url", "service", "index", "expected"),
    [
        (
            "https://r.openai.azure.com",
            "openai",
            None,
            "https://r.openai.azure.com/openai/models?api-version=2024-10-21",
        ),
        (
            "https://r.openai.azure.com/openai/v1",
            "openai",
            None,
            "https://r.openai.azure.com/openai/models?api-version=2024-10-21",
        ),
        (
            "https://r.openai.azure.com/openai/deployments/gpt",
            "openai",
            None,
            "https://r.openai.azure.com/openai/models?api-version=2024-10-21",
        ),
        (
            "https://apim.example.com/team-a",
            "openai",
            None,
            "https://apim.example.com/team-a/openai/models?api-version=2024-10-21",
        ),
        (
            "https://s.search.windows.net",
            "search",
            "my docs",
            "https://s.search.windows.net/indexes/my%20docs/docs/$count?api-version=2024-07-01",
        ),
        (
            "https://s.search.windows.net",
            "search",
            None,
            "https://s.search.windows.net/indexes?api-version=2024-07-01&$select=name",
        ),
        (
            "https://r.services.ai.azure.com/models",
            "inference",
            None,
            "https://r.services.ai.azure.com/openai/models?api-version=2024-10-21",
        ),
        (
            "https://m.eastus2.models.ai.azure.com",
            "inference",
            None,
            "https://m.eastus2.models.ai.azure.com/info?api-version=2024-05-01-preview",
        ),
    ],
)
def test_probe_is_the_cheapest_read_call(url, service, index, expected):
    assert verify.probe_url(target(url, service, index=index)) == expected


def test_explicit_endpoints_take_the_role_from_the_code_when_given():
    evidence = (
        roles.Evidence("a.py", 3, roles.OPENAI_CONTRIBUTOR, "documented", call="files.create"),
    )
    assignment = roles.Assignment(
        "openai", "env:X", roles.OPENAI_CONTRIBUTOR, evidence, False, False
    )
    [t] = verify.explicit_targets(["https://r.openai.azure.com/"], "openai", [assignment])
    assert (t.role, t.role_basis, t.evidence) == (
        roles.OPENAI_CONTRIBUTOR,
        "code",
        ("a.py:3 files.create",),
    )
    [t] = verify.explicit_targets(["https://s.search.windows.net"], "search", [assignment], "docs")
    assert (t.role, t.role_basis, t.index) == (roles.SEARCH_READER, "default", "docs")
    with pytest.raises(verify.VerifyError, match="not an http"):
        verify.explicit_targets(["ftp://x"], "openai")


@pytest.mark.parametrize("cloud", ["public", "usgov", "china"])
@pytest.mark.parametrize("service", ["openai", "search"])
def test_scope_is_the_one_the_migrated_code_asks_for(cloud, service):
    from codemods.targets import scope_for

    assert verify.scope_of(target(service=service), MigrationOptions(cloud=cloud)) == scope_for(
        service, cloud
    )


# -- the credential -------------------------------------------------------------------------


def _names(node: ast.AST) -> object:
    """The nesting of credential classes in a constructor expression."""
    assert isinstance(node, ast.Call)
    name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id  # type: ignore[union-attr]
    return (name, [_names(a) for a in node.args])


def _built_names(credential) -> object:
    inner = credential.credentials if type(credential).__name__ == "ChainedTokenCredential" else ()
    return (type(credential).__name__, [_built_names(c) for c in inner])


@pytest.mark.parametrize("kind", ["managed-identity", "default", "chained"])
@pytest.mark.parametrize("system_assigned", [False, True])
def test_the_credential_built_is_the_one_the_migration_writes(kind, system_assigned):
    """Same classes, nested the same way, as the code the migration writes; the client id the
    identity endpoint receives is checked end to end in tests/e2e/test_verify.py."""
    options = MigrationOptions(
        credential=kind, client_id_env="MY_CLIENT_ID", system_assigned=system_assigned
    )
    env = RecordingEnv({"MY_CLIENT_ID": "00000000-0000-4000-8000-0000000000d4"})
    credential, info = verify.build_credential(options, env)
    assert _built_names(credential) == _names(ast.parse(info.expression, mode="eval").body)
    uses_client_id = kind != "default" and not system_assigned
    assert ('os.getenv("MY_CLIENT_ID")' in info.expression) == uses_client_id
    assert info.client_id == ("00000000-0000-4000-8000-0000000000d4" if uses_client_id else None)
    assert env.read == (
        ["MY_CLIENT_ID"] if uses_client_id else ["AZURE_CLIENT_ID"] if kind == "default" else []
    )


# -- claims and redaction ---------------------------------------------------------------------


def test_claims_are_read_without_a_signature_and_garbage_never_raises():
    import base64

    payload = (
        base64.urlsafe_b64encode(json.dumps({"tid": TID, "oid": OID}).encode())
        .rstrip(b"=")
        .decode()
    )
    assert verify.read_claims(f"h.{payload}.sig") == {"tid": TID, "oid": OID}
    for garbage in ("", "abc", "a.b.c", "a.!!!.c", "a.bnVsbA.c"):
        assert verify.read_claims(garbage) == {}


@pytest.mark.parametrize(
    ("claims", "kind"),
    [
        ({"idtyp": "app"}, "ServicePrincipal"),
        ({"appid": "x"}, "ServicePrincipal"),
        ({"idtyp": "user"}, "User"),
        ({"scp": "user_impersonation"}, "User"),
        ({"upn": "a@b.c"}, "User"),
    ],
)
def test_principal_type_from_claims(claims, kind):
    assert verify.principal_type(claims) == kind


def test_redactor_removes_known_tokens_and_anything_jwt_shaped():
    redact = verify.Redactor()
    redact.add("opaque-token-value")
    text = "a opaque-token-value b eyJhbGciOi.eyJ0aWQiOiJ4In0.c2ln c eyJhbGciOi.eyJ0aWQiOiJ4I"
    assert redact(text) == "a <token redacted> b <token redacted> c <token redacted>"
    assert redact(None) is None


# -- diagnosis of answers ---------------------------------------------------------------------


def test_200_is_ready_and_says_what_it_proved():
    status, text, fixes, notes = diagnose(
        target(), answer(200, {"data": [{"id": "a"}, {"id": "b"}]})
    )
    assert (status, fixes, notes) == (verify.READY, [], [])
    assert "2 models listed" in text


def test_200_notes_a_wider_role_a_read_cannot_prove():
    t = target(role=roles.OPENAI_CONTRIBUTOR, basis="code")
    status, _, _, notes = diagnose(t, answer(200, {"data": []}))
    assert status == verify.READY
    assert any("also needs Cognitive Services OpenAI Contributor" in n for n in notes)


def test_403_from_network_rules_is_not_a_missing_role():
    body = {
        "error": {"code": "403", "message": "Access denied due to Virtual Network/Firewall rules."}
    }
    status, text, fixes, _ = diagnose(target(), answer(403, body))
    assert (status, fixes) == (verify.NETWORK, [])
    assert "private endpoint" in text


def test_403_gives_a_resource_lookup_for_an_azure_host():
    status, _, fixes, _ = diagnose(
        target("https://my-res.openai.azure.com"),
        answer(403, {"error": {"code": "PermissionDenied"}}),
    )
    assert status == verify.FORBIDDEN
    assert fixes[-1] == (
        f"az role assignment create --assignee-object-id {OID} "
        "--assignee-principal-type ServicePrincipal "
        "--role 5e0bd9bd-7b93-4f28-af87-19fc36ad61bd --scope "
        '"$(az cognitiveservices account list'
        ' --query "[?properties.customSubDomainName==\'my-res\'].id" --output tsv)"'
    )


def test_403_on_search_looks_the_service_up_by_name():
    _, _, fixes, _ = diagnose(
        target("https://my-search.search.windows.net", "search"), answer(403, {})
    )
    assert "--role 1407120a-92aa-4202-b7e9-c0e197c71c8f" in fixes[-1]
    assert (
        "az resource list --name my-search --resource-type Microsoft.Search/searchServices"
        in fixes[-1]
    )


def test_wrong_tenant_answer():
    body = {
        "error": {
            "code": "Tenant provided in token does not match resource token",
            "message": "Token tenant x does not match resource tenant.",
        }
    }
    status, text, fixes, _ = diagnose(target(), answer(400, body))
    assert status == verify.WRONG_TENANT
    assert TID in text and "az login --tenant" in fixes[0]


def test_401_on_a_regional_endpoint_asks_for_the_resource_endpoint():
    status, text, fixes, _ = diagnose(
        target("https://eastus.api.cognitive.microsoft.com"), answer(401, {})
    )
    assert status == verify.UNAUTHORIZED and fixes == []
    assert "(1) this is a regional endpoint" in text and "custom-domain" in text


def test_401_on_a_gateway_names_the_custom_domain():
    _, text, _, _ = diagnose(target("https://ai.contoso.com"), answer(401, {}))
    assert "(1) ai.contoso.com is not an Azure OpenAI resource host" in text


def test_401_with_the_wrong_audience_points_at_the_cloud():
    ident = identity(audience="https://cognitiveservices.azure.us")
    _, text, _, _ = diagnose(target(), answer(401, {}), ident)
    assert (
        "audience is https://cognitiveservices.azure.us, but this check asked for https://cognitiveservices.azure.com"
        in text
    )
    assert "--cloud public" in text


def test_search_401_without_a_challenge_puts_role_based_access_first():
    _, text, fixes, _ = diagnose(target("https://s.search.windows.net", "search"), answer(401, {}))
    assert text.index("--auth-options aadOrApiKey") < text.index("has no Search role")
    assert fixes  # the role command is still given


def test_404_and_redirects_mean_the_endpoint_is_wrong():
    assert diagnose(target(), answer(404, {}))[0] == verify.ENDPOINT_WRONG
    status, text, _, _ = diagnose(
        target(), answer(301, None, {"location": "https://other.example/"})
    )
    assert status == verify.ENDPOINT_WRONG and "https://other.example/" in text
    assert (
        diagnose(target("https://s.search.windows.net", "search", index="nope"), answer(404, {}))[0]
        == verify.NOT_FOUND
    )


@pytest.mark.parametrize(
    ("exc", "status", "words"),
    [
        (
            urllib.error.URLError(socket.gaierror(-2, "Name or service not known")),
            verify.ENDPOINT_WRONG,
            "does not resolve",
        ),
        (
            urllib.error.URLError(ConnectionRefusedError(111, "refused")),
            verify.ENDPOINT_WRONG,
            "nothing accepts connections at res.openai.azure.com:443",
        ),
        (
            urllib.error.URLError(ssl.SSLCertVerificationError(1, "cert")),
            verify.ENDPOINT_WRONG,
            "TLS certificate",
        ),
        (urllib.error.URLError(TimeoutError("timed out")), verify.NETWORK, "within 2 s"),
        (TimeoutError("read timed out"), verify.NETWORK, "firewall"),
        (ConnectionResetError(104, "reset"), verify.NETWORK, "closed the connection"),
    ],
)
def test_transport_failures(exc, status, words):
    got_status, text = verify.diagnose_exception(target(), exc, 2.0)
    assert got_status == status
    assert words in text


def test_loopback_detection():
    assert (
        verify.is_loopback("127.0.0.1")
        and verify.is_loopback("::1")
        and verify.is_loopback("localhost")
    )
    assert not verify.is_loopback("10.0.0.1") and not verify.is_loopback("example.com")


# -- where a token may go ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "service", "cloud", "may"),
    [
        ("https://res.openai.azure.com", "openai", "public", True),
        ("https://res.cognitiveservices.azure.com/openai/v1", "openai", "public", True),
        ("https://res.services.ai.azure.com/models", "inference", "public", True),
        ("https://RES.OpenAI.Azure.COM.:8443", "openai", "public", True),
        ("https://res.openai.azure.us", "openai", "usgov", True),
        ("https://res.cognitiveservices.azure.cn", "openai", "china", True),
        ("https://s.search.windows.net", "search", "public", True),
        ("https://s.search.azure.us", "search", "usgov", True),
        ("https://s.search.azure.cn", "search", "china", True),
        ("http://127.0.0.1:8080", "openai", "public", True),  # loopback test servers
        ("http://[::1]:8080", "search", "china", True),
        ("http://localhost:8080", "openai", "public", True),
        ("https://evil.example:8443", "openai", "public", False),
        ("https://xopenai.azure.com", "openai", "public", False),
        ("https://openai.azure.com", "openai", "public", False),  # the domain itself
        ("https://evilopenai.azure.com.attacker.net", "openai", "public", False),
        ("https://x.openai.azure.com.evil.example", "openai", "public", False),
        ("https://x.openai.azure.com@evil.example", "openai", "public", False),
        ("https://evil.example@x.openai.azure.com", "openai", "public", False),
        ("https://x.openai.azure.com\\@evil.example", "openai", "public", False),
        ("https://x.openai.azure.com\uff0eevil.example", "openai", "public", False),
        ("https://x.openai.azure.com%2eevil.example", "openai", "public", False),
        ("https://res.openai.azure.us", "openai", "public", False),  # another cloud
        ("https://res.openai.azure.com", "openai", "usgov", False),
        ("https://s.search.windows.net", "openai", "public", False),  # another service
        ("https://res.openai.azure.com", "search", "public", False),
        ("https://gw.azure-api.net/openai", "openai", "public", False),  # a gateway
        ("https://westeurope.api.cognitive.microsoft.com", "openai", "public", False),
        ("https://m.eastus2.models.ai.azure.com", "inference", "public", False),
        ("http://res.openai.azure.com", "openai", "public", False),  # plain http
        ("https://127.0.0.2.nip.io", "openai", "public", False),
        ("https://localhost.evil.example", "openai", "public", False),
    ],
)
def test_a_token_may_go_only_to_the_services_azure_hosts_in_the_cloud(url, service, cloud, may):
    assert verify.token_may_go(url, service, cloud) is may


def test_allow_host_lets_one_named_host_have_the_token():
    url = "https://gw.example.com:8443/openai"
    assert not verify.token_may_go(url, "openai", "public")
    assert verify.token_may_go(url, "openai", "public", ["GW.example.com."])
    assert not verify.token_may_go(url, "openai", "public", ["example.com", "w.example.com"])
    assert not verify.token_may_go("http://gw.example.com", "openai", "public", ["gw.example.com"])


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("https://RES.OpenAI.Azure.com./openai/", "https://res.openai.azure.com/openai"),
        ("https://res.openai.azure.com:8443/", "https://res.openai.azure.com:8443"),
        ("https://b\u00fccher.openai.azure.com", "https://xn--bcher-kva.openai.azure.com"),
        ("https://res\uff0eopenai.azure.com", "https://res.openai.azure.com"),
        ("http://[::1]:9/x", "http://[::1]:9/x"),
    ],
)
def test_a_url_is_checked_and_used_in_one_canonical_spelling(text, url):
    assert verify.normalize_url(text) == url


@pytest.mark.parametrize(
    "text",
    [
        "https://x.openai.azure.com@evil.example/",
        "https://user:pw@res.openai.azure.com/",
        "https://x.openai.azure.com\\@evil.example",
        "https://res.openai.azure.com%2f.evil.example",
        "https://res..openai.azure.com",
        "https://res.openai.azure.com:99999",
    ],
)
def test_a_url_with_user_info_or_a_malformed_host_is_refused(text):
    with pytest.raises(verify.VerifyError):
        verify.normalize_url(text)


def _code_target(endpoint_source: str, resource: str) -> Target:
    from codemods.findings import ClientRecord

    client = ClientRecord(1, 0, "openai", "AzureOpenAI", "migrated", "", endpoint=endpoint_source)
    assert roles.resource_key(client) == resource
    assignment = roles.Assignment("openai", resource, roles.OPENAI_USER, (), False, False)
    [t] = verify.targets_from_analysis([assignment], [("app.py", client)], {})
    return t


def test_an_endpoint_literal_in_code_keeps_its_port():
    t = _code_target('"https://res.openai.azure.com:8443/"', "host:res.openai.azure.com")
    assert t.url == "https://res.openai.azure.com:8443"
    assert verify.probe_url(t).startswith("https://res.openai.azure.com:8443/openai/models?")


def test_an_endpoint_literal_is_read_for_its_real_host_not_the_look_alike_prefix():
    t = _code_target('"https://x.openai.azure.com\\x40evil.example/"', "host:x.openai.azure.com")
    assert t.url is None and "user info" in (t.problem or "")
    t = _code_target('"https://x.openai.azure.com\uff0eevil.example/"', "host:x.openai.azure.com")
    assert t.url == "https://x.openai.azure.com.evil.example"


class _NoTokenCredential:
    def __init__(self) -> None:
        self.scopes: list[str] = []

    def get_token(self, scope: str):  # type: ignore[no-untyped-def]
        self.scopes.append(scope)
        raise AssertionError("no token may be requested for this target")


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://evil.example:8443", "host:evil.example"),
        ("https://evil.example", "env:AZURE_OPENAI_ENDPOINT"),
        ("https://res.openai.azure.com.evil.example", "host:res.openai.azure.com.evil.example"),
        ("https://gw.example.com", "--endpoint"),  # not allowed with --allow-host
    ],
)
def test_run_requests_no_token_and_sends_nothing_to_a_host_outside_azure(monkeypatch, url, source):
    credential = _NoTokenCredential()
    monkeypatch.setattr(
        verify, "build_credential", lambda options, environ=None: (credential, None)
    )
    sent: list[str] = []
    monkeypatch.setattr(verify, "_get", lambda u, token, timeout: sent.append(u))
    done = verify.run(
        [target(url, source=source)], MigrationOptions(), allowed_hosts=["evil.example"]
    )
    [r] = done.results
    assert (r.status, r.request, sent, credential.scopes) == (verify.NOT_AZURE, None, [], [])
    assert "not under the Azure domains" in r.explanation and done.return_code == 1
    host = verify._host(url)
    assert f"--allow-host {host}" in r.explanation


def test_an_explicit_endpoint_outside_azure_is_refused_with_the_flag_that_allows_it():
    targets = [target("https://gw.example.com:8443"), target("https://res.openai.azure.com")]
    with pytest.raises(verify.VerifyError) as refused:
        verify.refuse_explicit(targets, "public", [])
    assert "gw.example.com" in str(refused.value)
    assert "--allow-host gw.example.com" in str(refused.value)
    assert "res.openai.azure.com" not in str(refused.value)
    verify.refuse_explicit(targets, "public", ["gw.example.com"])  # allowed: no error
    assert verify.allowed_non_azure(targets, "public") == ["gw.example.com"]
