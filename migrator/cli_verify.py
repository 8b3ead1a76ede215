"""``aoai-migrate verify``: options in, endpoints checked, the outcome printed, an exit code out."""

from __future__ import annotations

import json
import os

import typer

from migrator import verify
from migrator.cli_common import (
    ClientIdEnvOpt,
    CloudOpt,
    CredentialOpt,
    SystemAssignedOpt,
    configured,
    fail,
    options_from,
)
from migrator.report import EXIT_INTERRUPTED

_STATUS_WORDS = {
    verify.READY: "ready",
    verify.UNRESOLVED: "no endpoint",
    verify.INSECURE: "refused",
    verify.NOT_AZURE: "not an Azure host",
    verify.NO_TOKEN: "no token",
    verify.UNAUTHORIZED: "unauthorized (401)",
    verify.FORBIDDEN: "forbidden (403)",
    verify.WRONG_TENANT: "wrong tenant",
    verify.NETWORK: "network blocked",
    verify.ENDPOINT_WRONG: "endpoint wrong",
    verify.NOT_FOUND: "not found",
    verify.THROTTLED: "throttled",
    verify.SERVICE_ERROR: "service error",
    verify.UNEXPECTED: "unexpected",
}


def register(app: typer.Typer) -> None:
    app.command("verify")(verify_command)


def verify_command(
    ctx: typer.Context,
    paths: list[str] | None = typer.Argument(
        None, help="Files or directories whose clients name the endpoints (as `roles` reads them)."
    ),
    endpoint: list[str] = typer.Option(
        [],
        "--endpoint",
        help="Endpoint URL to check instead (repeatable); PATH then only gives the role needed.",
    ),
    service: str = typer.Option(
        "openai", "--service", help="openai | search | inference: the service of --endpoint."
    ),
    allow_host: list[str] = typer.Option(
        [],
        "--allow-host",
        metavar="HOST",
        help="Send the token to this --endpoint host although it is not an Azure host of the "
        "service (repeatable; command line only, never read from a configuration file).",
    ),
    index: str | None = typer.Option(
        None,
        "--index",
        help="Search index whose documents are counted (default: the index the code names).",
    ),
    credential: str = CredentialOpt,
    client_id_env: str = ClientIdEnvOpt,
    system_assigned: bool = SystemAssignedOpt,
    cloud: str = CloudOpt,
    output_format: str = typer.Option("text", "--format", help="text | json"),
    timeout: float = typer.Option(
        verify.DEFAULT_HTTP_TIMEOUT, "--timeout", help="Seconds to wait for each data-plane answer."
    ),
    token_timeout: float = typer.Option(
        verify.DEFAULT_TOKEN_TIMEOUT, "--token-timeout", help="Seconds to wait for a token."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Also print azure-identity's messages (stderr)."
    ),
) -> None:
    """Prove, before deploying, that the identity can call each endpoint (read-only, no key)."""
    v = configured(ctx, paths or []).values  # [tool.aoai-migrate]; the command line wins
    endpoint, service, index, output_format = (
        v["endpoint"],
        v["service"],
        v["index"],
        v["output_format"],
    )
    timeout, token_timeout, verbose = v["timeout"], v["token_timeout"], v["verbose"]
    options = options_from(v["credential"], v["client_id_env"], v["system_assigned"], v["cloud"])
    if output_format not in ("text", "json"):
        fail(f"unknown format {output_format!r}: choose text or json")
    if timeout <= 0 or token_timeout <= 0:
        fail("timeouts must be positive")
    if not paths and not endpoint:
        fail("give PATH... (endpoints from the code) or --endpoint URL")
    # Only the person running the command can let a token go to a host outside Azure: the value
    # given on the command line, never one from a configuration file found in the scanned tree.
    if v.get("allow_host") and list(v["allow_host"]) != list(allow_host):
        typer.echo(
            "aoai-migrate: warning: verify-allow-host in the configuration file is ignored: "
            "only --allow-host on the command line can allow a host",
            err=True,
        )
    try:
        targets, warnings = _targets(paths or [], endpoint, service, index, options)
        if not targets:
            fail(
                "no Azure OpenAI or Search client with an endpoint was found in PATH: "
                "pass --endpoint URL"
            )
        verify.refuse_explicit(targets, options.cloud, allow_host)
        for host in verify.allowed_non_azure(targets, options.cloud):
            typer.echo(
                f"aoai-migrate: sending a token to {host}, which is not an Azure host of the "
                "service (allowed with --allow-host)",
                err=True,
            )
        result = verify.run(
            targets,
            options,
            http_timeout=timeout,
            token_timeout=token_timeout,
            warnings=warnings,
            allowed_hosts=allow_host,
        )
    except verify.VerifyError as exc:
        fail(str(exc))
        return
    except KeyboardInterrupt:
        typer.echo("aoai-migrate: interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    guard = (
        verify.Redactor()
    )  # a last guard: nothing JWT-shaped is printed, whatever happened above
    if verbose:
        for line in result.log:
            typer.echo(guard(line), err=True)
    if output_format == "json":
        typer.echo(guard(json.dumps(verify.to_json(result), indent=2)))
    else:
        typer.echo(guard(render_text(result)), nl=False)
    raise typer.Exit(result.return_code)


def _targets(
    paths: list[str], endpoints: list[str], service: str, index: str | None, options
) -> tuple[list[verify.Target], list[str]]:  # type: ignore[no-untyped-def]
    assignments: list = []
    clients: list = []
    warnings: list[str] = []
    if paths:
        from migrator import api
        from migrator.discovery import DiscoveryError
        from migrator.engine import FAILED, MODE_CHECK

        try:
            report = api.run(paths, options, MODE_CHECK)
        except DiscoveryError as exc:
            raise verify.VerifyError(str(exc)) from None
        assignments = report.assignments()
        clients = report.clients()
        for r in report.results:
            if r.status == FAILED:
                warnings.append(
                    f"{r.path}: not analysed ({r.error}); its endpoints are not checked"
                )
    if endpoints:
        return verify.explicit_targets(endpoints, service, assignments, index), warnings
    return verify.targets_from_analysis(assignments, clients, os.environ, index), warnings


def _source_words(source: str) -> str:
    kind, _, value = source.partition(":")
    if source == "--endpoint":
        return "given with --endpoint"
    if kind == "env":
        return f"from {value}"
    if kind == "host":
        return "written in the code"
    if kind == "expr":
        return f"computed in the code: {value}"
    return "endpoint not visible in the code"


def render_text(result: verify.Run) -> str:
    out: list[str] = []
    info = result.credential
    if info is not None:
        line = f"credential: {info.expression}"
        if info.client_id_env and info.client_id:
            line += f" ({info.client_id_env}={info.client_id})"
        out.append(line)
        if info.note:
            out.append(f"  note: {info.note}")
        out.append("")
    for w in result.warnings:
        out.append(f"warning: {w}")
    for r in result.results:
        t = r.target
        title = f"{t.service} {t.url or '(no endpoint)'} ({_source_words(t.source)})"
        if t.index:
            title += f" index {t.index}"
        out.append(title)
        if r.identity is not None:
            i = r.identity
            who = (
                i.credential
                + (f" via {i.source}" if i.source else "")
                + (f" in {i.chain}" if i.chain else "")
            )
            out.append(
                f"  identity: {who}; tenant {i.tenant_id or '?'}, object id {i.object_id or '?'}, "
                f"app id {i.app_id or '?'} ({i.principal_type})"
            )
        if r.request is not None:
            answer = f" -> {r.http_status}" if r.http_status is not None else ""
            if r.error_code and r.error_code != str(r.http_status):
                answer += f" {r.error_code}"
            out.append(f"  request: {r.request}{answer}")
            if r.error_message:
                out.append(f"  service said: {r.error_message}")
            if r.request_id:
                out.append(f"  request id: {r.request_id}")
        out.append(f"  {_STATUS_WORDS.get(r.status, r.status)}: {r.explanation}")
        if r.fixes:
            out.append("  fix:")
            out.extend(f"    {f}" for f in r.fixes)
        out.extend(f"  note: {n}" for n in r.notes)
        out.append("")
    ready = sum(r.ready for r in result.results)
    total = len(result.results)
    summary = f"{ready} of {total} endpoint{'s' if total != 1 else ''} ready"
    others: dict[str, int] = {}
    for r in result.results:
        if not r.ready:
            word = _STATUS_WORDS.get(r.status, r.status)
            others[word] = others.get(word, 0) + 1
    if others:
        summary += ": " + ", ".join(f"{n} {w}" for w, n in others.items())
    out.append(summary)
    return "\n".join(out) + "\n"
