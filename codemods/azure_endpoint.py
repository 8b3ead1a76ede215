"""Decide from source alone whether an endpoint expression names an Azure OpenAI resource.

Used for ``openai.OpenAI(base_url=...)``, which is an Azure client only when its base URL is an
Azure OpenAI v1 endpoint. The answer is one of AZURE, NOT_AZURE, UNKNOWN; the tool migrates only
AZURE and reports UNKNOWN for review.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import libcst as cst

AZURE = "azure"
NOT_AZURE = "not-azure"
UNKNOWN = "unknown"

_AZURE_HOST = re.compile(
    r"\.(openai\.azure\.(com|us|cn)|cognitiveservices\.azure\.(com|us|cn)|services\.ai\.azure\.com)\b",
    re.IGNORECASE,
)
# GitHub Models: an OpenAI-compatible and azure-ai-inference endpoint that takes a GitHub token.
GITHUB_MODELS_HOST = re.compile(
    r"(^|[/.])(models\.inference\.ai\.azure\.com|models\.github\.ai)(?=$|[/:?#\s\"'])",
    re.IGNORECASE,
)
GITHUB_MODELS_RULE = "github-models"
GITHUB_MODELS_NOTE = (
    "a GitHub Models endpoint: its key is a GitHub token, not an Azure resource's key, and "
    "Entra ID does not apply there; left as it is"
)
_V1_PATH = re.compile(r"/openai/v1\b", re.IGNORECASE)
_URL_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://([^/]+)", re.IGNORECASE)


def _fragments(
    node: cst.BaseExpression, values: Mapping[str, cst.BaseExpression], depth: int = 0
) -> tuple[list[str], list[str]]:
    """(literal text pieces, identifier-like pieces) that make up an expression."""
    literals: list[str] = []
    names: list[str] = []
    if depth > 4:
        return literals, names
    if isinstance(node, cst.SimpleString):
        try:
            literals.append(str(node.evaluated_value))
        except Exception:  # noqa: BLE001 - bytes or odd prefixes: treat as opaque
            pass
    elif isinstance(node, cst.ConcatenatedString):
        for side in (node.left, node.right):
            lit, nm = _fragments(side, values, depth + 1)
            literals += lit
            names += nm
    elif isinstance(node, cst.FormattedString):
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                literals.append(part.value)
            elif isinstance(part, cst.FormattedStringExpression):
                lit, nm = _fragments(part.expression, values, depth + 1)
                literals += lit
                names += nm
    elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        for side in (node.left, node.right):
            lit, nm = _fragments(side, values, depth + 1)
            literals += lit
            names += nm
    elif isinstance(node, cst.Name):
        names.append(node.value)
        if node.value in values:
            lit, nm = _fragments(values[node.value], values, depth + 1)
            literals += lit
            names += nm
    elif isinstance(node, cst.Attribute):
        names.append(node.attr.value)
        lit, nm = _fragments(node.value, values, depth + 1)
        names += nm
    elif isinstance(node, cst.Call):
        # os.getenv("AZURE_OPENAI_ENDPOINT"), os.environ.get(...), "{}/openai/v1".format(x)
        for arg in node.args:
            lit, nm = _fragments(arg.value, values, depth + 1)
            names += lit + nm  # string arguments of a call are names (env vars), not URL text
        if isinstance(node.func, cst.Attribute):
            lit, nm = _fragments(node.func.value, values, depth + 1)
            literals += lit
            names += nm
    elif isinstance(node, cst.Subscript):
        lit, nm = _fragments(node.value, values, depth + 1)
        names += lit + nm
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                lit, nm = _fragments(element.slice.value, values, depth + 1)
                names += lit + nm
    return literals, names


def classify(node: cst.BaseExpression, values: Mapping[str, cst.BaseExpression]) -> str:
    """AZURE, NOT_AZURE or UNKNOWN from the code alone. An expression read from configuration
    is UNKNOWN here; ``codemods.endpoint_decision.decide`` decides it with the project's files
    and the names."""
    if isinstance(node, cst.Name) and isinstance(values.get(node.value), cst.BaseString):
        # BASE_URL = "http://localhost:8000/v1": a constant that does not say Azure in its
        # name or its text is somewhere else.
        inner = classify(values[node.value], values)
        if inner == AZURE or "azure" not in node.value.lower():
            return inner
    literals, names = _fragments(node, values)
    text = "".join(literals)
    if _AZURE_HOST.search(text):
        return AZURE
    if _V1_PATH.search(text) and any("azure" in n.lower() for n in names):
        return AZURE
    # A complete literal URL with some other host (api.openai.com, localhost, a vLLM server).
    if literals and not names:
        match = _URL_HOST.match(text.strip())
        if match:
            return NOT_AZURE
    return UNKNOWN


# Shared with codemods.sdk_hooks (azure-ai-inference endpoints).
fragments = _fragments


def is_azure_host(host: str) -> bool:
    """Whether a host name is an Azure OpenAI (or AI Services) resource's."""
    return _AZURE_HOST.search(host) is not None
