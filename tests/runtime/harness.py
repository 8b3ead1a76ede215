"""Runs one corpus program before and after migration and says, per run, what went wrong.

For a program (see :mod:`tests.runtime.corpus`):

0. ``original``: the program as written, with its key, against loopback services that accept only
   that key. It must pass: it proves the program is valid and the services check credentials.
1. A copy is migrated with the command line tool (``python -m migrator DIR``).
2. The migrated copy runs three times, each in a fresh copy with fresh services that accept only
   the bearer tokens the loopback identity endpoint issues:

   * ``a``: only the identity variables (``IDENTITY_ENDPOINT``/``IDENTITY_HEADER``,
     ``AZURE_CLIENT_ID``) and the endpoint variables;
   * ``b``: the same, and the program's old key variables still set (a rollout);
   * ``c``: ``AZURE_CLIENT_ID`` only in a ``.env`` file in the program folder (programs that read
     a ``.env`` file; the others skip it, with the reason).

A run passes when the process exits 0 and prints what the program promises; every request each
service received carries ``Authorization: Bearer <the token issued for that service>`` and no
``api-key`` header; the identity endpoint was asked only for the expected resources and only for
the user-assigned identity's client id; and stderr holds no "Unclosed" warning. Otherwise the
run's result lists every reason.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.loopback import (
    COGNITIVE_SERVICES_RESOURCE,
    AzureOpenAIEndpoint,
    IdentityEndpoint,
    clean_env,
)
from tests.e2e.search_loopback import SEARCH_RESOURCE, AzureSearchEndpoint
from tests.e2e.tls import LoopbackTLS, make_loopback_tls

from . import legacy_env
from .corpus import OPENAI, OPENAI_V1, SEARCH, Program

REPO_ROOT = Path(__file__).resolve().parents[2]
NBRUN = Path(__file__).resolve().parent / "nbrun.py"

KEY = "runtime-corpus-key-0123456789abcdef"
CLIENT_ID = "44444444-5555-4666-8777-888888888888"
RESOURCES = {OPENAI: COGNITIVE_SERVICES_RESOURCE, SEARCH: SEARCH_RESOURCE}
RUN_TIMEOUT = 90
# Keep the SDKs quiet and off the network for things the corpus does not test.
QUIET = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "HAYSTACK_TELEMETRY_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS": "false",
    "TIKTOKEN_CACHE_DIR": "",
}
HOTELS = [
    {"HotelId": "1", "HotelName": "Harbour Luxury Suites", "Category": "Luxury"},
    {"HotelId": "2", "HotelName": "Budget Inn", "Category": "Budget"},
    {"HotelId": "3", "HotelName": "Old Town Luxury Rooms", "Category": "Boutique"},
]
RUNS = ("a", "b", "c")
# Report lines that say a client or a file was left as it was.
_REPORT_MARKS = (": error:", ": needs review:", "left as it is", "left as it was")


@dataclass
class RunResult:
    """One run of one program: ``status`` is "pass", "FAIL", "skip" or "reported" (a failure the
    program's ``limits`` explain, which the tool's report names)."""

    name: str
    status: str
    reasons: list[str] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "FAIL"

    def summary(self) -> str:
        return f"({self.name}) " + "; ".join(self.reasons) if self.reasons else ""


@dataclass
class ProgramResult:
    program: Program
    original: RunResult
    migration: RunResult
    runs: dict[str, RunResult]

    @property
    def failures(self) -> list[RunResult]:
        return [r for r in (self.original, self.migration, *self.runs.values()) if not r.ok]

    def explain(self) -> str:
        lines = [f"{self.program.name} ({self.program.sdk}; {self.program.shape}):"]
        for result in (self.original, self.migration, *self.runs.values()):
            lines.append(f"  {result.name}: {result.status} {'; '.join(result.reasons)}".rstrip())
            if result.status == "FAIL" and result.stderr.strip():
                tail = "\n".join(result.stderr.strip().splitlines()[-8:])
                lines.append("    stderr tail:\n      " + tail.replace("\n", "\n      "))
        return "\n".join(lines)


def make_tls(directory: Path) -> LoopbackTLS:
    return make_loopback_tls(directory)


def _last_error_line(stderr: str) -> str:
    """The exception line of a traceback (with the field a validation error names)."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if line.startswith(("File ", "^", "~")) or not ("Error" in line or "Exception" in line):
            continue
        if "validation error" in line and index + 1 < len(lines):
            line += ": " + lines[index + 1]
        return line[:200]
    return lines[-1][:200] if lines else "(no stderr)"


def _command(program: Program, python: str) -> list[str]:
    if program.run.endswith(".ipynb"):
        return [python, str(NBRUN), program.run]
    return [python, program.run]


def _execute(
    program: Program, folder: Path, env: dict[str, str], python: str = sys.executable
) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            _command(program, python),
            cwd=folder,
            env=clean_env({**QUIET, **env}),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr or ""
        return subprocess.CompletedProcess(exc.cmd, -9, out, err + f"\ntimed out ({RUN_TIMEOUT}s)")


class _Services:
    """The loopback services one run talks to; ``credentials`` are what they accept."""

    def __init__(
        self, program: Program, tls: LoopbackTLS, *, keys=(), tokens: dict | None = None
    ) -> None:
        self.program = program
        self.tls = tls
        tokens = tokens or {}
        context = tls.server_context() if program.tls else None
        self.servers: dict[str, AzureOpenAIEndpoint | AzureSearchEndpoint] = {}
        if OPENAI in program.services:
            self.servers[OPENAI] = AzureOpenAIEndpoint(
                api_keys=keys,
                tokens=[t for t in [tokens.get(OPENAI)] if t],
                deployments=program.deployments,
                tls=context,
            )
        if SEARCH in program.services:
            self.servers[SEARCH] = AzureSearchEndpoint(
                {"hotels": HOTELS},
                api_keys=keys,
                tokens=[t for t in [tokens.get(SEARCH)] if t],
                tls=context,
            )

    def __enter__(self) -> _Services:
        for server in self.servers.values():
            server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for server in self.servers.values():
            server.stop()

    def env(self) -> dict[str, str]:
        env = dict(self.program.extra_env)
        for name, kind in self.program.endpoints.items():
            server = self.servers[SEARCH if kind == SEARCH else OPENAI]
            env[name] = server.url + ("/openai/v1/" if kind == OPENAI_V1 else "")
        if self.program.tls:
            env.update(self.tls.client_env())
        return env

    def key_env(self) -> dict[str, str]:
        return {name: KEY for name in self.program.keys}


def _output_reasons(program: Program, completed: subprocess.CompletedProcess) -> list[str]:
    reasons = []
    if completed.returncode != 0:
        reasons.append(f"exit {completed.returncode}: {_last_error_line(completed.stderr)}")
    else:
        missing = [text for text in program.expect if text not in completed.stdout]
        if missing:
            reasons.append(f"output lacks {missing[0]!r}")
    if "Unclosed" in completed.stderr:
        line = next(ln for ln in completed.stderr.splitlines() if "Unclosed" in ln)
        reasons.append(f"stderr: {line.strip()[:80]}")
    return reasons


def run_original(program: Program, folder: Path, tls: LoopbackTLS) -> RunResult:
    python = str(legacy_env.python()) if program.openai_v0 else sys.executable
    with ExitStack() as stack:
        env: dict[str, str] = {}
        tokens: dict[str, str] = {}
        accepted = {f"Bearer {KEY}"}
        if program.original_identity:  # a static token fetched once, as 0.x azure_ad code does
            identity = stack.enter_context(IdentityEndpoint())
            tokens = {k: identity.token_for(RESOURCES[k], CLIENT_ID) for k in program.services}
            accepted |= {f"Bearer {t}" for t in tokens.values()}
            env = {**identity.env(), "AZURE_CLIENT_ID": CLIENT_ID}
        services = stack.enter_context(_Services(program, tls, keys=[KEY], tokens=tokens))
        env.update({**services.env(), **services.key_env()})
        completed = _execute(program, folder, env, python)
        reasons = _output_reasons(program, completed)
        for kind, server in services.servers.items():
            if not server.requests:
                reasons.append(f"no request reached {kind}")
            elif any(
                r.headers.get("api-key") != KEY and r.headers.get("authorization") not in accepted
                for r in server.requests
            ):
                reasons.append(f"{kind} got a request without the key")
    status = "FAIL" if reasons else "pass"
    return RunResult("original", status, reasons, completed.stdout, completed.stderr)


def migrate(folder: Path) -> RunResult:
    """Migrate ``folder`` in place with the command line tool of this checkout."""
    env = clean_env({"PYTHONPATH": str(REPO_ROOT)})
    completed = subprocess.run(
        [sys.executable, "-m", "migrator", str(folder)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    reasons = []
    report = completed.stdout + completed.stderr
    if completed.returncode != 0:
        reasons.append(f"migrator exit {completed.returncode}")
    # What the tool left undone, as its report says it (paths made relative to the copy).
    for line in report.splitlines():
        if any(mark in line for mark in _REPORT_MARKS):
            reasons.append(line.replace(str(folder) + "/", "").strip()[:160])
    status = "FAIL" if completed.returncode != 0 else "pass"
    return RunResult("migrate", status, reasons, completed.stdout, completed.stderr)


def run_migrated(program: Program, folder: Path, tls: LoopbackTLS, run: str) -> RunResult:
    """Run ``a``, ``b`` or ``c`` (see the module docstring) on a migrated copy in ``folder``."""
    if run == "c" and not program.dotenv:
        return RunResult(run, "skip", ["program reads no .env file"])
    if run == "c" and program.no_c:
        return RunResult(run, "skip", [program.no_c])
    with ExitStack() as stack:
        identity = stack.enter_context(IdentityEndpoint())
        tokens = {kind: identity.token_for(RESOURCES[kind], CLIENT_ID) for kind in program.services}
        services = stack.enter_context(_Services(program, tls, tokens=tokens))
        env = {**services.env(), **identity.env()}
        if run == "c":
            # A .env that holds only the identity: anything else the program needs comes from
            # the environment, as in a deployment that keeps the client id next to the code.
            (folder / ".env").write_text(f"AZURE_CLIENT_ID={CLIENT_ID}\n", encoding="utf-8")
        else:
            env["AZURE_CLIENT_ID"] = CLIENT_ID
        if run == "b":
            env.update(services.key_env())
        completed = _execute(program, folder, env)
        reasons = _output_reasons(program, completed)
        for kind, server in services.servers.items():
            requests = server.requests
            if not requests:
                reasons.append(f"no request reached {kind}")
                continue
            if any("api-key" in r.headers for r in requests):
                reasons.append(f"{kind} received an api-key header")
            wrong = [
                r.headers.get("authorization", "none")
                for r in requests
                if r.headers.get("authorization") != f"Bearer {tokens[kind]}"
            ]
            if wrong:
                shown = "none" if wrong[0] == "none" else wrong[0][:16] + "..."
                reasons.append(f"{kind} request without the issued bearer token ({shown})")
        expected = {RESOURCES[kind] for kind in program.services}
        asked = identity.resources_requested()
        if not asked:
            reasons.append("no token was requested from the identity endpoint")
        elif set(asked) - expected:
            reasons.append(f"token asked for {sorted(set(asked) - expected)}")
        client_ids = set(identity.client_ids_requested())
        if client_ids - {CLIENT_ID}:
            shown = ["system-assigned" if c is None else c for c in client_ids - {CLIENT_ID}]
            reasons.append(f"token asked for identity {', '.join(sorted(shown))}")
    status = "FAIL" if reasons else "pass"
    return RunResult(run, status, reasons, completed.stdout, completed.stderr)


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".env"))
    return target


def run_program_corpus(
    program: Program,
    workdir: Path,
    tls: LoopbackTLS,
    *,
    source: Path | None = None,
    after_migration=None,
    runs: tuple[str, ...] = RUNS,
) -> ProgramResult:
    """Run ``program`` through original, migration and ``runs``, under ``workdir``.

    ``source`` replaces the program's folder; ``after_migration(folder)`` may edit the migrated
    copy before it is run (the sabotage test puts a key read back with it).
    """
    source = source or program.path
    original = run_original(program, _copy(source, workdir / "original"), tls)
    migrated = _copy(source, workdir / "migrated")
    migration = migrate(migrated)
    if after_migration is not None:
        after_migration(migrated)
    folders = {run: _copy(migrated, workdir / f"run-{run}") for run in runs}
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        futures = {run: pool.submit(run_migrated, program, folders[run], tls, run) for run in runs}
        results = {run: future.result() for run, future in futures.items()}
    for run, result in results.items():
        limit = program.limits.get(run)
        if limit is not None and result.status == "FAIL":
            rule, why = limit
            if f": {rule}: " in migration.stdout + migration.stderr:
                results[run] = RunResult(
                    run, "reported", [f"{why} ({rule})"], result.stdout, result.stderr
                )
            else:
                result.reasons.append(f"the report does not carry {rule}")
    return ProgramResult(program, original, migration, results)


def _cell(result: RunResult) -> str:
    return {"pass": "pass", "FAIL": "**FAIL**", "skip": "skip", "reported": "reported"}[
        result.status
    ]


def markdown_table(results: list[ProgramResult]) -> str:
    rows = [
        "| program | SDK | shape | original | (a) | (b) | (c) | reason on failure |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        failed = [
            r
            for r in (result.original, result.migration, *result.runs.values())
            if r.status == "FAIL"
        ]
        reasons = [r.summary() for r in failed]
        if failed and result.migration.status == "pass" and result.migration.reasons:
            reasons.append(result.migration.summary())
        reasons += [r.summary() for r in result.runs.values() if r.status == "reported"]
        skip_c = result.runs.get("c")
        if skip_c is not None and skip_c.status == "skip":
            reasons.append(f"(c) skipped: {skip_c.reasons[0]}")
        cells = [
            result.program.name,
            result.program.sdk,
            result.program.shape,
            _cell(result.original),
            *(_cell(result.runs[run]) if run in result.runs else "-" for run in RUNS),
            "<br>".join(reasons).replace("|", "\\|"),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def scratch_dir(prefix: str = "runtime-corpus-") -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
