"""A small WSGI chat API: POST /ask {"question": ...} -> {"answer": ...}."""

import json
import os

from openai import AzureOpenAI

ENDPOINT = os.environ["AZURE_OPENAI_ENDPOINT"]
API_KEY = os.environ["AZURE_OPENAI_API_KEY"]
API_VERSION = os.environ["AZURE_OPENAI_API_VERSION"]
DEPLOYMENT = os.environ["AZURE_OPENAI_CHAT_DEPLOYMENT"]

client = AzureOpenAI(api_key=API_KEY, api_version=API_VERSION, azure_endpoint=ENDPOINT)


def _json(start_response, status: str, body: dict) -> list[bytes]:
    payload = json.dumps(body).encode("utf-8")
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def application(environ, start_response):
    if environ["PATH_INFO"] == "/health":
        return _json(start_response, "200 OK", {"status": "ok"})
    if environ["PATH_INFO"] != "/ask" or environ["REQUEST_METHOD"] != "POST":
        return _json(start_response, "404 Not Found", {"error": "not found"})
    length = int(environ.get("CONTENT_LENGTH") or 0)
    question = json.loads(environ["wsgi.input"].read(length) or b"{}").get("question", "")
    resp = client.chat.completions.create(
        model=DEPLOYMENT,
        messages=[{"role": "user", "content": question}],
        max_tokens=200,
    )
    return _json(start_response, "200 OK", {"answer": resp.choices[0].message.content})


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    with make_server("0.0.0.0", int(os.getenv("PORT", "8000")), application) as server:
        server.serve_forever()
