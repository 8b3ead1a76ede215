"""Whether a v1 client's ``base_url`` from configuration is Azure OpenAI, and which evidence says.

``codemods.azure_endpoint`` decides from the code alone. A base URL read from configuration
(``os.getenv("AZURE_OPENAI_V1_ENDPOINT")``, ``settings.llm_base_url``) leaves it undecided; then:

1. the project's own files (``MigrationOptions.endpoint_evidence``, collected by
   ``migrator.endpoint_evidence``: ``.env`` samples, ``local.settings.json``, docker compose,
   Bicep/Terraform outputs and app settings, settings-class defaults) decide when they give a
   configuration name of the expression a value. Any non-Azure value wins over Azure ones: the
   client then stays as it is, and the report says which file gave which host.
2. Without such a value, the names decide, but only when nothing contradicts them: an endpoint
   name that says Azure OpenAI (``AZURE_OPENAI_*ENDPOINT*``, ``AZURE_OPENAI_V1_*``), or a key
   read in the same call under an Azure OpenAI key name (``AZURE_OPENAI_API_KEY``). Literal text
   in the expression must then be Azure's v1 path or nothing (``f"{E}/v1"`` is OpenAI's path).

``/openai/v1`` alone, with a host from configuration, is not enough: Azure OpenAI's v1 API lives
there, but so does Groq's OpenAI-compatible API (``https://api.groq.com/openai/v1``), whose key is
not an Azure one. It decides together with 1 or 2, never by itself.

Only names, hosts and ``file:line`` go into a reason: values of key names are never read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import libcst as cst

from codemods import azure_endpoint
from codemods.azure_endpoint import AZURE, NOT_AZURE, UNKNOWN

# One piece of evidence: (configuration name, verdict, "file:line", what the file says).
Evidence = tuple[str, str, str, str]

_AZURE_ENDPOINT_NAME = re.compile(r"^AZURE_OPENAI\w*ENDPOINT\w*$|^AZURE_OPENAI_V1_\w+$", re.I)
_AZURE_KEY_NAME = re.compile(r"^AZURE_OPENAI\w*_KEY$", re.I)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_URL_TEXT = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
# Pieces of the expression that read configuration rather than name it.
_NOT_CONFIG = frozenset({"os", "environ", "getenv", "get", "env", "config", "settings", "self"})


@dataclass(frozen=True)
class Decision:
    verdict: str
    reason: str = ""  # what decided, for the report; empty when the code alone decided


def config_reads(
    node: cst.BaseExpression, values: Mapping[str, cst.BaseExpression], depth: int = 0
) -> tuple[list[str], list[str]]:
    """(configuration names, URL defaults) an expression reads: ``os.getenv("X", "http://d")``
    gives X and the default; ``settings.base_url`` gives base_url. Local variable names are
    followed to their value, never taken as configuration names."""
    names: list[str] = []
    defaults: list[str] = []
    if depth > 4:
        return names, defaults

    def add(sub: cst.BaseExpression) -> None:
        found, urls = config_reads(sub, values, depth + 1)
        names.extend(found)
        defaults.extend(urls)

    def argument(value: cst.BaseExpression) -> None:
        if isinstance(value, cst.SimpleString):
            try:
                text = str(value.evaluated_value)
            except Exception:  # noqa: BLE001 - bytes or odd prefixes
                return
            if _NAME.match(text):
                names.append(text)
            elif _URL_TEXT.match(text):
                defaults.append(text)
        else:
            add(value)

    if isinstance(node, cst.Name):
        if node.value in values:
            add(values[node.value])
    elif isinstance(node, cst.Attribute):
        if node.attr.value not in _NOT_CONFIG:
            names.append(node.attr.value)
        add(node.value)
    elif isinstance(node, cst.Call):
        for arg in node.args:
            argument(arg.value)
        if isinstance(node.func, cst.Attribute):
            add(node.func.value)
    elif isinstance(node, cst.Subscript):
        add(node.value)
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                argument(element.slice.value)
    elif isinstance(node, cst.FormattedString):
        for part in node.parts:
            if isinstance(part, cst.FormattedStringExpression):
                add(part.expression)
    elif isinstance(node, (cst.BinaryOperation, cst.ConcatenatedString)):
        add(node.left)
        add(node.right)
    return names, defaults


def literal_text(node: cst.BaseExpression, values: Mapping[str, cst.BaseExpression]) -> str:
    """The URL text the expression itself writes (f-string and concatenation pieces)."""
    literals, _names = azure_endpoint.fragments(node, values)
    return "".join(literals)


def decide(
    base_url: cst.BaseExpression,
    values: Mapping[str, cst.BaseExpression],
    evidence: Iterable[Evidence] = (),
    key: cst.BaseExpression | None = None,
) -> Decision:
    """The verdict on a v1 client's base URL, with the evidence that decided it."""
    verdict = azure_endpoint.classify(base_url, values)
    if verdict != UNKNOWN:
        return Decision(verdict)
    names, defaults = config_reads(base_url, values)
    text = literal_text(base_url, values)
    v1_path = bool(re.search(r"/openai/v1\b", text, re.I))
    # Literal text other than Azure's v1 path (``/v1``, ``/api``) is not Azure's layout.
    foreign_text = bool(text.strip("/")) and not v1_path
    for default in defaults:
        host = host_verdict(default)
        if host[0] == NOT_AZURE:
            return Decision(
                NOT_AZURE,
                f"base_url is not Azure OpenAI: the code's default for it is {host[1]}",
            )
    wanted = {n.upper() for n in names}
    found = [e for e in evidence if e[0].upper() in wanted]
    against = [e for e in found if e[1] == NOT_AZURE]
    if against:
        name, _verdict, where, shown = against[0]
        return Decision(NOT_AZURE, f"base_url is not Azure OpenAI: {where} sets {name} to {shown}")
    backing = [e for e in found if e[1] == AZURE]
    if backing and not foreign_text:
        name, _verdict, where, shown = backing[0]
        return Decision(AZURE, f"base_url is Azure OpenAI: {where} sets {name} to {shown}")
    if foreign_text or not names:
        return Decision(UNKNOWN, _unknown_reason(v1_path, names))
    said = next((n for n in names if _AZURE_ENDPOINT_NAME.match(n)), None)
    if said is not None:
        return Decision(
            AZURE,
            f"base_url is Azure OpenAI: its variable {said} is named for an Azure OpenAI endpoint "
            "and no file of the project gives it another host",
        )
    key_names = config_reads(key, values)[0] if key is not None else []
    keyed = next((n for n in key_names if _AZURE_KEY_NAME.match(n)), None)
    if keyed is not None:
        return Decision(
            AZURE,
            f"base_url is Azure OpenAI: the key comes from {keyed}, an Azure OpenAI key name, "
            f"and no file of the project gives {', '.join(names)} another host",
        )
    return Decision(UNKNOWN, _unknown_reason(v1_path, names))


UNKNOWN_REASON = "the code does not show whether base_url is an Azure OpenAI endpoint"


def _unknown_reason(v1_path: bool, names: list[str]) -> str:
    if v1_path and names:
        return (
            f"{UNKNOWN_REASON}: it ends in /openai/v1, Azure OpenAI's path, but its host comes "
            f"from {', '.join(names)}, and other services use that path too "
            "(Groq: https://api.groq.com/openai/v1); no file of the project gives it a value"
        )
    if names:
        return f"{UNKNOWN_REASON}: no file of the project gives {', '.join(names)} a value"
    return UNKNOWN_REASON


_LOCAL = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\]|host\.docker\.internal)$")


def host_verdict(value: str) -> tuple[str, str]:
    """(verdict, how to show it) for a URL or host a configuration file gives: the verdict is
    UNKNOWN for a value that is neither (a placeholder, an interpolation). Only the scheme, host
    and path are shown (no user, query or fragment); an Azure resource name becomes
    ``<resource>``."""
    value = value.strip()
    if "${" in value or "{{" in value or "$(" in value:
        return UNKNOWN, ""  # an interpolation: the value is decided elsewhere
    match = re.match(
        r"^(?:([a-z][a-z0-9+.-]*)://)?(?:[^@/?#]*@)?([A-Za-z0-9<>_.-]+(?::\d+)?)([^?#\s]*)$",
        value,
        re.I,
    )
    if match is None:
        return UNKNOWN, ""
    scheme, host, path = match.group(1), match.group(2), match.group(3)
    bare = host.split(":")[0].lower()
    if scheme is None and (path or not re.fullmatch(r"[a-z0-9.-]+(:\d+)?", host)):
        return UNKNOWN, ""  # a bare value counts only as a plain lower-case host name
    if "." not in bare and not _LOCAL.match(bare):
        return UNKNOWN, ""  # https://your-endpoint/: a placeholder
    if azure_endpoint.GITHUB_MODELS_HOST.search("//" + bare):
        return NOT_AZURE, f"{_show(scheme, host, path)} (GitHub Models, not Azure OpenAI)"
    if azure_endpoint.is_azure_host(bare):
        return AZURE, _show(scheme, "<resource>." + host.split(".", 1)[1], path)
    if "<" in host or ">" in host or "_" in bare:
        return UNKNOWN, ""  # a placeholder host: https://<your-endpoint>/
    if _LOCAL.match(bare):
        return NOT_AZURE, f"{_show(scheme, host, path)} (a local server: Ollama, vLLM, LM Studio)"
    if bare == "api.openai.com":
        return NOT_AZURE, f"{_show(scheme, host, path)} (OpenAI's own API)"
    return NOT_AZURE, _show(scheme, host, path)


# Paths shown as they are: the API paths of the services above. Any other path is left out (a
# webhook's or a proxy's path can carry a token); the host is what decides.
_KNOWN_PATH = re.compile(
    r"^/?((openai/)?v1|openai|inference|models|api(/v1)?|openai/deployments/[\w.-]+)?/?$", re.I
)


def _show(scheme: str | None, host: str, path: str) -> str:
    if not _KNOWN_PATH.match(path):
        path = "/..."
    return f"{scheme}://{host}{path}" if scheme else host
