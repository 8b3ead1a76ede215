"""Prove the loopback stand-ins speak the real protocols of the real packages.

Each end-to-end test writes a small program into ``tmp_path`` and runs it with
:func:`run_program` (clean environment, separate interpreter), then checks what the
stand-ins saw on the wire. Programs print ``name=value`` lines that the tests compare.
"""

from __future__ import annotations

import json
import textwrap
import time
import urllib.error
import urllib.request

from .loopback import (
    COGNITIVE_SERVICES_RESOURCE,
    DEFAULT_OBJECT_ID,
    EMBEDDING_VECTOR,
    AzureOpenAIEndpoint,
    IdentityEndpoint,
    decode_jwt_claims,
    run_program,
)

CLIENT_ID = "00000000-0000-4000-8000-0000000000d4"
API_VERSION = "2024-10-21"


def run(tmp_path, source: str, env: dict[str, str]):
    """Write ``source`` to a program file and run it; it must exit 0.

    Returns (``name=value`` lines of stdout as a dict, stderr).
    """
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(source), encoding="utf-8")
    result = run_program(script, env, timeout=60)
    assert result.returncode == 0, (
        f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    values = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return values, result.stderr


def test_sync_azure_openai_with_api_key(tmp_path):
    with AzureOpenAIEndpoint(api_keys={"k"}) as aoai:
        out, _ = run(
            tmp_path,
            """
            import os, openai
            client = openai.AzureOpenAI(
                azure_endpoint=os.environ["LOOPBACK_AOAI_URL"],
                api_key="k",
                api_version="2024-10-21",
            )
            r = client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "hello"}]
            )
            print("type=" + type(r).__name__)
            print("content=" + r.choices[0].message.content)
            """,
            {"LOOPBACK_AOAI_URL": aoai.url},
        )
    assert out == {"type": "ChatCompletion", "content": "echo: hello"}
    [request] = aoai.requests
    assert (request.method, request.path) == ("POST", "/openai/deployments/gpt-4o/chat/completions")
    assert request.query["api-version"] == API_VERSION
    assert request.headers["api-key"] == "k"
    assert "authorization" not in request.headers
    assert aoai.auth_headers_seen() == [("api-key", "k")]


def test_sync_azure_openai_with_managed_identity(tmp_path):
    with IdentityEndpoint() as idp, AzureOpenAIEndpoint() as aoai:
        token = idp.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        aoai.tokens.add(token)
        out, _ = run(
            tmp_path,
            """
            import os, openai
            from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
            provider = get_bearer_token_provider(
                ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID")),
                "https://cognitiveservices.azure.com/.default",
            )
            client = openai.AzureOpenAI(
                azure_endpoint=os.environ["LOOPBACK_AOAI_URL"],
                azure_ad_token_provider=provider,
                api_version="2024-10-21",
            )
            r = client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
            )
            print("content=" + r.choices[0].message.content)
            print("models=" + ",".join(m.id for m in client.models.list()))
            """,
            {**idp.env(), "AZURE_CLIENT_ID": CLIENT_ID, "LOOPBACK_AOAI_URL": aoai.url},
        )
    assert out == {"content": "echo: hi", "models": "gpt-4o,text-embedding-3-small"}
    assert [(r.method, r.path) for r in aoai.requests] == [
        ("POST", "/openai/deployments/gpt-4o/chat/completions"),
        ("GET", "/openai/models"),
    ]
    assert aoai.auth_headers_seen() == [("bearer", token), ("bearer", token)]
    assert all("api-key" not in r.headers for r in aoai.requests)
    # One token request (the credential caches the token), App Service protocol, user-assigned.
    [token_request] = idp.requests
    assert token_request.method == "GET"
    assert token_request.query["api-version"] == "2019-08-01"
    assert token_request.headers["x-identity-header"] == idp.secret
    assert idp.resources_requested() == [COGNITIVE_SERVICES_RESOURCE]
    assert idp.client_ids_requested() == [CLIENT_ID]
    claims = decode_jwt_claims(token)
    assert claims["aud"] == COGNITIVE_SERVICES_RESOURCE
    assert claims["appid"] == CLIENT_ID
    assert (claims["oid"], claims["tid"]) == (idp.object_id, idp.tenant_id)


def test_async_azure_openai_with_managed_identity(tmp_path):
    with IdentityEndpoint() as idp, AzureOpenAIEndpoint() as aoai:
        token = idp.token_for(COGNITIVE_SERVICES_RESOURCE)
        aoai.tokens.add(token)
        out, stderr = run(
            tmp_path,
            """
            import asyncio, os, openai
            from azure.identity.aio import ManagedIdentityCredential, get_bearer_token_provider

            async def main():
                credential = ManagedIdentityCredential()
                try:
                    provider = get_bearer_token_provider(
                        credential, "https://cognitiveservices.azure.com/.default"
                    )
                    client = openai.AsyncAzureOpenAI(
                        azure_endpoint=os.environ["LOOPBACK_AOAI_URL"],
                        azure_ad_token_provider=provider,
                        api_version="2024-10-21",
                    )
                    r = await client.embeddings.create(
                        model="text-embedding-3-small", input=["a", "b"]
                    )
                    print("count=%d" % len(r.data))
                    print("vector=" + ",".join(str(x) for x in r.data[0].embedding))
                    await client.close()
                finally:
                    await credential.close()

            asyncio.run(main())
            """,
            {**idp.env(), "LOOPBACK_AOAI_URL": aoai.url},
        )
    assert out == {"count": "2", "vector": ",".join(str(x) for x in EMBEDDING_VECTOR)}
    assert "Unclosed" not in stderr
    [request] = aoai.requests
    assert request.path == "/openai/deployments/text-embedding-3-small/embeddings"
    # openai asks for base64 by default and decodes it back to floats (checked above).
    assert request.body["encoding_format"] == "base64"
    assert aoai.auth_headers_seen() == [("bearer", token)]
    assert idp.resources_requested() == [COGNITIVE_SERVICES_RESOURCE]
    assert idp.client_ids_requested() == [None]  # system-assigned identity


def test_v1_client_with_callable_api_key(tmp_path):
    with IdentityEndpoint() as idp, AzureOpenAIEndpoint() as aoai:
        token = idp.token_for(COGNITIVE_SERVICES_RESOURCE)
        aoai.tokens.add(token)
        out, _ = run(
            tmp_path,
            """
            import os, openai
            from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
            inner = get_bearer_token_provider(
                ManagedIdentityCredential(), "https://cognitiveservices.azure.com/.default"
            )
            calls = []
            def provider():
                calls.append(1)
                return inner()
            client = openai.OpenAI(
                base_url=os.environ["LOOPBACK_AOAI_URL"] + "/openai/v1/", api_key=provider
            )
            r = client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "v1"}]
            )
            print("content=" + r.choices[0].message.content)
            resp = client.responses.create(model="gpt-4o", input="resp")
            print("output_text=" + resp.output_text)
            print("provider_calls=%d" % len(calls))
            """,
            {**idp.env(), "LOOPBACK_AOAI_URL": aoai.url},
        )
    # The callable api_key is called once per request; the credential caches the token.
    assert out == {"content": "echo: v1", "output_text": "echo: resp", "provider_calls": "2"}
    assert [(r.method, r.path) for r in aoai.requests] == [
        ("POST", "/openai/v1/chat/completions"),
        ("POST", "/openai/v1/responses"),
    ]
    assert aoai.auth_headers_seen() == [("bearer", token), ("bearer", token)]
    assert idp.resources_requested() == [COGNITIVE_SERVICES_RESOURCE]


def test_unauthenticated_and_forbidden(tmp_path):
    with (
        IdentityEndpoint() as idp,
        AzureOpenAIEndpoint(api_keys={"right"}) as guarded,
        AzureOpenAIEndpoint(force_status=403) as denied,
    ):
        out, _ = run(
            tmp_path,
            """
            import os, openai
            from azure.identity import ManagedIdentityCredential, get_bearer_token_provider

            def call(url, **auth):
                client = openai.AzureOpenAI(azure_endpoint=url, api_version="2024-10-21", **auth)
                try:
                    client.chat.completions.create(
                        model="gpt-4o", messages=[{"role": "user", "content": "x"}]
                    )
                except openai.APIStatusError as e:
                    return "%s|%d|%s" % (type(e).__name__, e.status_code, e.body["code"])
                return "no error"

            provider = get_bearer_token_provider(
                ManagedIdentityCredential(), "https://cognitiveservices.azure.com/.default"
            )
            guarded, denied = os.environ["GUARDED_URL"], os.environ["DENIED_URL"]
            print("wrong_key=" + call(guarded, api_key="wrong"))
            print("unknown_token=" + call(guarded, azure_ad_token_provider=provider))
            print("forbidden=" + call(denied, azure_ad_token_provider=provider))
            """,
            {**idp.env(), "GUARDED_URL": guarded.url, "DENIED_URL": denied.url},
        )
    assert out == {
        "wrong_key": "AuthenticationError|401|401",
        "unknown_token": "AuthenticationError|401|401",
        "forbidden": "PermissionDeniedError|403|PermissionDenied",
    }
    assert len(guarded.requests) == 2 and len(denied.requests) == 1  # no retries
    assert guarded.auth_headers_seen() == [("api-key", "wrong"), ("bearer", idp.token_for())]


def test_identity_endpoint_rejects_wrong_secret_and_can_fail(tmp_path):
    with IdentityEndpoint() as idp, IdentityEndpoint(error_status=400) as failing:
        out, _ = run(
            tmp_path,
            """
            import asyncio, os
            from azure.identity import ManagedIdentityCredential
            from azure.identity.aio import ManagedIdentityCredential as AsyncCredential
            SCOPE = "https://cognitiveservices.azure.com/.default"

            def sync_try(url, secret):
                os.environ["IDENTITY_ENDPOINT"], os.environ["IDENTITY_HEADER"] = url, secret
                try:
                    ManagedIdentityCredential().get_token(SCOPE)
                except Exception as e:
                    return type(e).__name__
                return "token"

            async def async_try(url, secret):
                os.environ["IDENTITY_ENDPOINT"], os.environ["IDENTITY_HEADER"] = url, secret
                async with AsyncCredential() as credential:
                    try:
                        await credential.get_token(SCOPE)
                    except Exception as e:
                        return type(e).__name__
                return "token"

            good, bad = os.environ["GOOD_URL"], os.environ["BAD_URL"]
            print("sync_right=" + sync_try(good, os.environ["GOOD_SECRET"]))
            print("sync_wrong=" + sync_try(good, "wrong-secret"))
            print("async_wrong=" + asyncio.run(async_try(good, "wrong-secret")))
            print("sync_400=" + sync_try(bad, os.environ["BAD_SECRET"]))
            print("async_400=" + asyncio.run(async_try(bad, os.environ["BAD_SECRET"])))
            """,
            {
                "GOOD_URL": idp.token_url,
                "GOOD_SECRET": idp.secret,
                "BAD_URL": failing.token_url,
                "BAD_SECRET": failing.secret,
            },
        )
    assert out == {
        "sync_right": "token",
        "sync_wrong": "CredentialUnavailableError",
        "async_wrong": "ClientAuthenticationError",
        "sync_400": "CredentialUnavailableError",
        "async_400": "ClientAuthenticationError",
    }
    secrets_sent = [r.headers["x-identity-header"] for r in idp.requests]
    assert secrets_sent == [idp.secret, "wrong-secret", "wrong-secret"]
    assert len(failing.requests) == 2  # 4xx is not retried


# -- in-process checks of the stand-ins (no subprocess) ---------------------------------


def _fetch(url: str, *, method: str = "GET", headers: dict[str, str] | None = None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_bodies_validate_against_openai_types():
    """Every route's body passes pydantic validation (required fields, types) of its openai type."""
    from openai.types import Completion, CreateEmbeddingResponse, Model
    from openai.types.chat import ChatCompletion
    from openai.types.responses import Response

    parts = [{"type": "text", "text": "p"}]
    chat = {"model": "m", "messages": [{"role": "user", "content": parts}]}
    cases = [
        ("/deployments/d/chat/completions", chat, ChatCompletion),
        ("/v1/chat/completions", chat, ChatCompletion),
        ("/deployments/d/completions", {"prompt": "p"}, Completion),
        ("/deployments/d/embeddings", {"input": "e"}, CreateEmbeddingResponse),
        ("/v1/embeddings", {"model": "m", "input": [[1, 2], [3]]}, CreateEmbeddingResponse),
        ("/v1/responses", {"model": "m", "input": "p"}, Response),
    ]
    with AzureOpenAIEndpoint(api_keys={"k"}) as aoai:
        base, auth = aoai.url + "/openai", {"api-key": "k"}
        for path, body, model_type in cases:
            status, payload = _fetch(base + path, method="POST", headers=auth, body=body)
            assert status == 200, (path, payload)
            model_type.model_validate(payload)
        status, payload = _fetch(base + cases[0][0], method="POST", headers=auth, body=chat)
        assert ChatCompletion.model_validate(payload).choices[0].message.content == "echo: p"
        status, payload = _fetch(
            base + "/v1/embeddings", method="POST", headers=auth, body={"input": ["a", "b", "c"]}
        )
        assert [item["embedding"] for item in payload["data"]] == [EMBEDDING_VECTOR] * 3

        for path in ("/models", "/v1/models", "/deployments"):
            status, payload = _fetch(base + path, headers=auth)
            assert status == 200 and payload["object"] == "list" and payload["data"], path
            if path.endswith("models"):
                for item in payload["data"]:
                    Model.model_validate(item)

        status, payload = _fetch(base + "/models", headers={"Authorization": "Bearer nope"})
        assert status == 401 and payload["error"]["code"] == "401"

        aoai.force_status = 403
        bearer = {"Authorization": "Bearer " + IdentityEndpoint().token_for()}
        status, payload = _fetch(base + cases[0][0], method="POST", headers=bearer, body=chat)
        assert status == 403 and payload["error"]["code"] == "PermissionDenied"
        assert DEFAULT_OBJECT_ID in payload["error"]["message"]
        assert "deployments/chat/completions/action" in payload["error"]["message"]


def test_deployment_filter_and_identity_secret_check():
    with (
        AzureOpenAIEndpoint(api_keys={"k"}, deployments=["gpt-4o"]) as aoai,
        IdentityEndpoint() as idp,
    ):
        status, payload = _fetch(
            aoai.url + "/openai/deployments/other/chat/completions",
            method="POST",
            headers={"api-key": "k"},
            body={},
        )
        assert status == 404 and payload["error"]["code"] == "DeploymentNotFound"

        url = idp.token_url + "?api-version=2019-08-01&resource=https://example.test"
        status, _ = _fetch(url, headers={"X-IDENTITY-HEADER": "no"})
        assert status == 401
        status, payload = _fetch(url, headers={"X-IDENTITY-HEADER": idp.secret})
        assert status == 200
        assert payload["access_token"] == idp.token_for("https://example.test")
        assert payload["resource"] == "https://example.test"
        assert abs(int(payload["expires_on"]) - 3599 - time.time()) < 5
