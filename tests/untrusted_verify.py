"""Hostile endpoints for ``aoai-migrate verify``: a token must never reach a host that is not Azure.

A scanned repository chooses the endpoint literals, the environment variables its clients read
and the ``[tool.aoai-migrate]`` table of its ``pyproject.toml``. Each case here spells an
attacker's host one way and runs the real command (in process, so that :func:`resolving` can
make the attacker's names resolve to a loopback server) against:

* :class:`TlsRecorder` as the attacker: an https server whose certificate the client trusts for
  every name it owns, listening on one port and reached for any port the client asks (so a
  dropped or changed port still lands on it). It counts every connection it accepts, before the
  TLS handshake: a request is not needed for a case to fail, contact is enough;
* another :class:`TlsRecorder` standing for a real Azure resource (``res.openai.azure.com``) and
  for a gateway the user trusts (``gw.example``), reached at the port the client asks for only.

No name outside these resolves while a case runs (:func:`resolving` answers ``gaierror``), so no
case touches the network.

:func:`measure` runs every case and returns the counts for bench/reliability.py;
tests/e2e/test_verify.py runs the same builders one by one.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

from tests.e2e.tls import LoopbackTLS, make_loopback_tls

# Names the attacker owns: not under an Azure domain of the OpenAI service in the public cloud,
# though several are spelled to look like one (or are Azure hosts of another service or cloud).
ATTACKER_HOSTS = (
    "evil.example",
    "xopenai.azure.com",
    "evilopenai.azure.com.attacker.net",
    "x.openai.azure.com.evil.example",
    "x.openai.azure.us",  # Azure, but US Government: not for a public-cloud token
    "x.search.windows.net",  # Azure, but AI Search: not for a Cognitive Services token
    "gw.azure-api.net",  # an API Management gateway: takes keys
    "westeurope.api.cognitive.microsoft.com",  # a regional endpoint: takes keys
    "xn--evl-kua.example",  # IDNA of "ev\u0131l.example" (a dotless i)
)
AZURE_HOST = "res.openai.azure.com"  # stands for a real Azure OpenAI resource
TRUSTED_GATEWAY = "gw.example"  # a gateway the user chooses to trust with --allow-host

CHAT_APP = """import os
from openai import AzureOpenAI

client = AzureOpenAI(
    azure_endpoint={endpoint},
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
    api_version="2024-10-21",
)
reply = client.chat.completions.create(model="gpt-4o", messages=[])
"""

ENV_APP = CHAT_APP.format(endpoint='os.environ["AZURE_OPENAI_ENDPOINT"]')


def app_with_endpoint(source_literal: str) -> str:
    """An app whose client names its endpoint with ``source_literal`` (Python source text)."""
    return CHAT_APP.format(endpoint=source_literal)


# ======================================================================================
# Certificates, servers, name resolution
# ======================================================================================


@dataclass(frozen=True)
class Seen:
    method: str
    host: str  # the Host header
    path: str
    authorization: str | None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    recorder: TlsRecorder

    def get_request(self):  # type: ignore[no-untyped-def]
        sock, address = self.socket.accept()
        self.recorder._count()  # contact, before any handshake
        sock.settimeout(5)
        return self.recorder.context.wrap_socket(sock, server_side=True), address


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        recorder: TlsRecorder = self.server.recorder  # type: ignore[attr-defined]
        recorder._seen(
            Seen("GET", self.headers.get("Host", ""), self.path, self.headers.get("Authorization"))
        )
        status, headers, body = recorder.reply(self.path)
        payload = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, *args: object) -> None:
        pass


class TlsRecorder:
    """An https server on 127.0.0.1 that records every connection and request it gets.

    It answers a GET with an Azure OpenAI models list (200), or with a redirect to
    ``redirect_to`` when that is set."""

    def __init__(self, tls: LoopbackTLS, redirect_to: str | None = None) -> None:
        self.context = tls.server_context()
        self.redirect_to = redirect_to
        self._lock = threading.Lock()
        self.connections = 0
        self.requests: list[Seen] = []
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.recorder = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def _count(self) -> None:
        with self._lock:
            self.connections += 1

    def _seen(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)

    def reply(self, path: str) -> tuple[int, dict[str, str], object]:
        if self.redirect_to:
            return 302, {"Location": self.redirect_to + path}, {}
        return 200, {}, {"object": "list", "data": []}

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _canonical(host: object) -> str:
    text = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
    text = text.removesuffix(".")
    try:
        return text.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return text.lower()


@contextmanager
def resolving(any_port: dict[str, int], own_port: tuple[str, ...]) -> Iterator[None]:
    """Name resolution for a case: each name of ``any_port`` resolves to 127.0.0.1 at its port,
    whatever port is asked for; each name of ``own_port`` to 127.0.0.1 at the port asked for;
    IP addresses and ``localhost`` as usual; any other name fails (no real network)."""
    real = socket.getaddrinfo

    def fake(host, port, family=0, type=0, proto=0, flags=0):  # type: ignore[no-untyped-def]
        name = _canonical(host) if host is not None else ""
        if name in any_port or name in own_port:
            chosen = any_port.get(name, port)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", int(chosen)))]
        if host is None or name == "localhost":
            return real(host, port, family, type, proto, flags)
        try:
            ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return real(host, port, family, type, proto, flags)

    socket.getaddrinfo = fake  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.getaddrinfo = real  # type: ignore[assignment]


# ======================================================================================
# Cases
# ======================================================================================


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str]  # the scanned tree
    args: tuple[str, ...]  # after `verify`; "{root}", "{good}" are filled in
    exit_code: int
    env: dict[str, str] = field(default_factory=dict)  # "{attacker}" / "{good}" filled in
    status: str | None = None  # the one endpoint's status in --format json, when it runs
    good_requests: int = 0  # requests the Azure / trusted stand-in must receive
    redirect_requests: int = 0  # requests the redirecting Azure stand-in must receive
    stderr: tuple[str, ...] = ()  # pieces of text stderr must hold


def hostile_cases() -> list[Case]:
    """Every way a scanned tree (or a careless command line) can name the attacker."""
    cases: list[Case] = []
    literals = {
        "port": '"https://evil.example:8443/"',
        "upper-trailing-dot": '"https://EVIL.EXAMPLE./openai"',
        "userinfo": '"https://x.openai.azure.com@evil.example/"',
        "escaped-at": '"https://x.openai.azure.com\\x40evil.example/"',
        "fullwidth-dot": '"https://x.openai.azure.com\uff0eevil.example/"',
        "idna": '"https://ev\u0131l.example/"',
    }
    for host in ATTACKER_HOSTS:
        literals[f"host {host}"] = json.dumps(f"https://{host}/")
    for name, literal in literals.items():
        if "azure-api.net" in name:
            # An API Management gateway's key is not migrated (it is a subscription key, not an
            # Azure OpenAI key): verify has no keyless client there to check, and says so.
            cases.append(
                Case(
                    f"code literal, {name}",
                    {"app.py": app_with_endpoint(literal)},
                    ("{root}", "--format", "json"),
                    2,
                    stderr=("no Azure OpenAI or Search client with an endpoint was found",),
                )
            )
            continue
        cases.append(
            Case(
                f"code literal, {name}",
                {"app.py": app_with_endpoint(literal)},
                ("{root}", "--format", "json"),
                1,
                # user info before the host makes the URL unusable: reported as unresolved
                status="unresolved" if "@" in literal or "x40" in literal else "not-azure-host",
            )
        )
    cases.append(
        Case(
            "environment variable the code reads",
            {"app.py": ENV_APP},
            ("{root}", "--format", "json"),
            1,
            env={"AZURE_OPENAI_ENDPOINT": "https://evil.example:8443"},
            status="not-azure-host",
        )
    )
    cases.append(
        Case(
            "endpoint and allow-host from the scanned tree's pyproject.toml",
            {
                "app.py": ENV_APP,
                "pyproject.toml": "[tool.aoai-migrate]\n"
                'verify-endpoint = ["https://evil.example"]\n'
                'verify-allow-host = ["evil.example"]\n',
            },
            ("{root}",),
            2,
            stderr=(
                "is ignored: only --allow-host on the command line",
                "--allow-host evil.example",
            ),
        )
    )
    for host in ("evil.example", "x.openai.azure.com.evil.example", "gw.azure-api.net"):
        cases.append(
            Case(
                f"--endpoint {host} without --allow-host",
                {},
                ("--endpoint", f"https://{host}/openai"),
                2,
                stderr=(f"--allow-host {host}",),
            )
        )
    cases.append(
        Case(
            "--endpoint on the public cloud's host with --cloud usgov",
            {},
            ("--endpoint", f"https://{AZURE_HOST}", "--cloud", "usgov"),
            2,
            stderr=("*.openai.azure.us",),
        )
    )
    cases.append(
        Case(
            "an Azure host that redirects to the attacker",
            {},
            ("--endpoint", "https://" + AZURE_HOST + ":{redirect}", "--format", "json"),
            1,
            status="endpoint-wrong",
            redirect_requests=1,
        )
    )
    return cases


def legitimate_cases() -> list[Case]:
    """What must still work: the code's own port, and a host the user allows by name."""
    return [
        Case(
            "code literal on an Azure host keeps its port",
            {"app.py": app_with_endpoint('"https://' + AZURE_HOST + ':{good}/"')},
            ("{root}", "--format", "json"),
            0,
            status="ready",
            good_requests=1,
        ),
        Case(
            "--endpoint on a trusted gateway with --allow-host",
            {},
            (
                "--endpoint",
                "https://" + TRUSTED_GATEWAY + ":{good}",
                "--allow-host",
                TRUSTED_GATEWAY,
                "--format",
                "json",
            ),
            0,
            status="ready",
            good_requests=1,
            stderr=(f"sending a token to {TRUSTED_GATEWAY}",),
        ),
    ]


# ======================================================================================
# Running a case
# ======================================================================================


@dataclass
class Outcome:
    case: Case
    exit_code: int
    stdout: str
    stderr: str
    attacker_connections: int
    attacker_requests: list[Seen]
    good_requests: list[Seen]
    redirect_requests: list[Seen]
    token_requests: int
    files_changed: list[str]
    token: str

    def problems(self) -> list[str]:
        c, out = self.case, []
        if self.attacker_connections or self.attacker_requests:
            out.append(f"{c.name}: the attacker was contacted {self.attacker_connections} times")
        if self.exit_code != c.exit_code:
            out.append(f"{c.name}: exit {self.exit_code}, expected {c.exit_code}: {self.stderr}")
        if c.status is not None:
            try:
                statuses = [e["status"] for e in json.loads(self.stdout)["endpoints"]]
            except (ValueError, KeyError, TypeError):
                statuses = []
            if statuses != [c.status]:
                out.append(f"{c.name}: statuses {statuses}, expected [{c.status!r}]")
        if len(self.good_requests) != c.good_requests:
            out.append(
                f"{c.name}: the Azure stand-in got {len(self.good_requests)} requests, "
                f"expected {c.good_requests}"
            )
        if len(self.redirect_requests) != c.redirect_requests:
            out.append(
                f"{c.name}: the redirecting stand-in got {len(self.redirect_requests)} requests, "
                f"expected {c.redirect_requests}"
            )
        for seen in self.good_requests + self.redirect_requests:
            if seen.authorization != f"Bearer {self.token}":
                out.append(f"{c.name}: the Azure stand-in got no bearer token")
        if c.exit_code == 2 and self.token_requests:
            out.append(f"{c.name}: a token was requested although the command was refused")
        out.extend(
            f"{c.name}: stderr lacks {want!r}: {self.stderr!r}"
            for want in c.stderr
            if want not in self.stderr
        )
        if self.token in self.stdout + self.stderr:
            out.append(f"{c.name}: the token was printed")
        out.extend(f"{c.name}: {p} changed" for p in self.files_changed)
        return out


_CLEARED = ("AZURE", "IDENTITY_", "MSI_", "IMDS_", "OPENAI", "MSAL")
_PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def run_case(case: Case, scratch: Path) -> Outcome:
    """Run one case through the real command, in process, with its servers and names."""
    from typer.testing import CliRunner

    from migrator.cli import app
    from tests.e2e.loopback import COGNITIVE_SERVICES_RESOURCE, IdentityEndpoint

    scratch.mkdir(parents=True, exist_ok=True)
    root = scratch / "tree"
    root.mkdir()
    tls = make_loopback_tls(scratch / "tls", (*ATTACKER_HOSTS, AZURE_HOST, TRUSTED_GATEWAY))
    with ExitStack() as stack:
        idp = stack.enter_context(IdentityEndpoint())
        attacker = stack.enter_context(TlsRecorder(tls))
        good = stack.enter_context(TlsRecorder(tls))
        redirect = stack.enter_context(TlsRecorder(tls, redirect_to="https://evil.example"))
        fill = {"root": str(root), "good": str(good.port), "redirect": str(redirect.port)}
        files = {p: text.replace("{good}", fill["good"]) for p, text in case.files.items()}
        for rel, text in files.items():
            (root / rel).write_text(text, encoding="utf-8")
        before = {rel: (root / rel).read_bytes() for rel in files}
        env: dict[str, str | None] = {
            n: None for n in os.environ if n.upper().startswith(_CLEARED) or n in _PROXIES
        }
        env.update(idp.env())
        env.update({"SSL_CERT_FILE": str(tls.ca_file), "NO_PROXY": "127.0.0.1,localhost"})
        env.update(case.env)
        names = {_canonical(h): attacker.port for h in ATTACKER_HOSTS}
        stack.enter_context(resolving(names, (AZURE_HOST, TRUSTED_GATEWAY)))
        args = [a.format(**fill) for a in case.args]
        result = CliRunner().invoke(app, ["verify", *args], env=env)
        time.sleep(0.05)  # let a server thread finish recording a late connection
        changed = [rel for rel, data in before.items() if (root / rel).read_bytes() != data]
        return Outcome(
            case,
            result.exit_code,
            result.stdout,
            result.stderr,
            attacker.connections,
            attacker.requests,
            good.requests,
            redirect.requests,
            len(idp.token_requests()),
            changed,
            idp.token_for(COGNITIVE_SERVICES_RESOURCE),
        )


def measure(scratch: Path) -> dict:
    """Run every hostile and legitimate case; the counts for bench/reliability.py."""
    cases = hostile_cases() + legitimate_cases()
    problems: list[str] = []
    attacker = expected = corrupted = 0
    for i, case in enumerate(cases):
        outcome = run_case(case, scratch / f"case-{i}")
        attacker += outcome.attacker_connections  # every contact, request or not
        corrupted += len(outcome.files_changed)
        found = outcome.problems()
        expected += not found
        problems.extend(found)
    return {
        "category": "verify: where a token may go",
        "tried": len(cases),
        "hostile": len(hostile_cases()),
        "as_expected": expected,
        "files_corrupted": corrupted,
        "requests_to_non_azure_hosts": attacker,
        "problems": problems,
    }
