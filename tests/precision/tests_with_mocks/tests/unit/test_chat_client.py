"""Unit tests for the chat wrapper: every request goes to an in-memory transport."""

import json

import httpx
import pytest
from openai import AzureOpenAI

CANNED = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 0,
    "model": "gpt-4o",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "pong"}}
    ],
}


def _handler(request: httpx.Request) -> httpx.Response:
    assert request.headers["api-key"] == "test-key"
    return httpx.Response(200, json=CANNED)


@pytest.fixture
def client() -> AzureOpenAI:
    return AzureOpenAI(
        api_key="test-key",
        azure_endpoint="https://example.openai.azure.com",
        api_version="2024-10-21",
        http_client=httpx.Client(transport=httpx.MockTransport(_handler)),
    )


def test_reply_is_parsed(client: AzureOpenAI) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "ping"}]
    )
    assert reply.choices[0].message.content == "pong"
    assert json.loads(reply.model_dump_json())["model"] == "gpt-4o"
