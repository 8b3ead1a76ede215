"""Smoke run: serve the app on a free local port and ask it two questions."""

import json
import threading
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, make_server

from app import application


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


server = make_server("127.0.0.1", 0, application, handler_class=QuietHandler)
thread = threading.Thread(target=server.serve_forever, daemon=True)
thread.start()
try:
    base = f"http://127.0.0.1:{server.server_port}"
    for question in ("first question", "second question"):
        request = urllib.request.Request(
            base + "/ask",
            data=json.dumps({"question": question}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as response:
            print(response.read().decode())
finally:
    server.shutdown()
    server.server_close()
