"""What the project's own files say an endpoint setting holds: evidence for v1 clients.

``OpenAI(base_url=os.getenv("AZURE_OPENAI_V1_ENDPOINT"), ...)`` does not show in the code whether
the base URL is an Azure OpenAI endpoint; the project usually does. For each configuration name
this reads the value the project gives it:

* ``.env`` files and their samples (``.env.sample``, ``.env.example``, ``.env.template``);
* ``local.settings.json`` (Azure Functions): its ``Values``;
* docker compose files: each service's ``environment:`` (a mapping or ``NAME=value`` items);
* Bicep: outputs and app settings set from ``<account>.properties.endpoint`` of a
  ``Microsoft.CognitiveServices/accounts`` resource of kind OpenAI or AIServices (directly or
  through a module's output), or from an Azure OpenAI URL;
* Terraform: outputs and app settings set from ``azurerm_cognitive_account.<x>.endpoint`` of
  such an account (or ``azurerm_ai_services``);
* pydantic settings classes of the run: a field's URL default (with the class's env_prefix).

The files are the ones the key-configuration scan looks at (``migrator.keyconfig``: the same
directories, listed once through its ``Listing``). A value is kept only as its verdict and host
(``codemods.endpoint_decision.host_verdict``); the value of a key name is never read.

Run once after the analysis, only when a v1 client's base URL was left to configuration: the
modules with such a client are analysed again with the evidence
(``MigrationOptions.endpoint_evidence``).
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from codemods.azure_endpoint import AZURE, UNKNOWN
from codemods.client_args import EVIDENCE_RULE
from codemods.endpoint_decision import UNKNOWN_REASON, Evidence, host_verdict
from codemods.findings import REVIEW
from codemods.key_names import is_key_env_name
from codemods.options import MigrationOptions
from migrator import keyconfig
from migrator.engine import FAILED, SKIPPED, FileResult, analyse_bytes
from migrator.second_pass import bytes_read

_ENV = re.compile(r"^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)$")
_COMPOSE = re.compile(r"(docker-)?compose(\.[\w-]+)?\.ya?ml")
_SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CONNECTION_STRING")
_ACCOUNT_KINDS = ("OpenAI", "AIServices")


def _may_hold_endpoint(name: str) -> bool:
    """Whether a name's value may be read: never a key's (or a token's, a password's)."""
    upper = name.upper()
    return not is_key_env_name(name) and not any(word in upper for word in _SECRET_WORDS)


def _item(name: str, value: str, where: str) -> Evidence | None:
    if not _may_hold_endpoint(name):
        return None
    verdict, shown = host_verdict(value)
    if verdict == UNKNOWN:
        return None
    return (name, verdict, where, shown)


# -- the files ---------------------------------------------------------------------------------
def _env_value(raw: str) -> str:
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        end = raw.find(raw[0], 1)
        return raw[1:end] if end > 0 else raw[1:]
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def _env(text: str, shown: str) -> Iterator[Evidence]:
    for number, line in enumerate(text.splitlines(), 1):
        match = _ENV.match(line)
        if match is None or not _may_hold_endpoint(match.group(1)):
            continue
        item = _item(match.group(1), _env_value(match.group(2)), f"{shown}:{number}")
        if item is not None:
            yield item


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def _settings(text: str, shown: str) -> Iterator[Evidence]:
    try:
        values = json.loads(text).get("Values")
    except (ValueError, AttributeError):
        return
    if not isinstance(values, dict):
        return
    for name, value in values.items():
        if isinstance(name, str) and isinstance(value, str) and _may_hold_endpoint(name):
            item = _item(name, value, f"{shown}:{_line_of(text, json.dumps(name))}")
            if item is not None:
                yield item


def _compose(text: str, shown: str) -> Iterator[Evidence]:
    import yaml  # only a project with a compose file pays for it

    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return
    for document in documents:
        for service in _mapping(_mapping(document).get("services")).values():
            environment = _mapping(service).get("environment")
            pairs: list[tuple[str, str, int]] = []
            if isinstance(environment, yaml.MappingNode):
                for key, value in environment.value:
                    if isinstance(value, yaml.ScalarNode):
                        pairs.append((str(key.value), str(value.value), key.start_mark.line + 1))
            elif isinstance(environment, yaml.SequenceNode):
                for entry in environment.value:
                    if isinstance(entry, yaml.ScalarNode) and "=" in str(entry.value):
                        name, value = str(entry.value).split("=", 1)
                        pairs.append((name.strip(), value, entry.start_mark.line + 1))
            for name, value, line in pairs:
                item = _item(name, value, f"{shown}:{line}")
                if item is not None:
                    yield item


def _mapping(node: object) -> dict[str, object]:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


_BICEP_ACCOUNT = re.compile(
    r"^resource\s+(\w+)\s+'Microsoft\.CognitiveServices/accounts@[^']*'[^{]*\{(.*?)^\}",
    re.MULTILINE | re.DOTALL,
)
_BICEP_MODULE = re.compile(r"^module\s+(\w+)\s+'([^']+\.bicep)'[^{]*\{(.*?)^\}", re.M | re.S)
_BICEP_KIND = re.compile(r"^\s*kind:\s*(?:'(\w+)'|(\w+))\s*$", re.MULTILINE)
_BICEP_OUTPUT = re.compile(r"^output\s+(\w+)\s+string\s*=\s*(.+?)\s*$", re.MULTILINE)
_BICEP_SETTING = re.compile(r"^\s*'?([A-Z][A-Z0-9_]*)'?\s*:\s*(.+?)\s*$")
_BICEP_NAMED = re.compile(r"^\s*name:\s*'([A-Z][A-Z0-9_]*)'\s*$")
_BICEP_VALUE = re.compile(r"^\s*value:\s*(.+?)\s*$")


def _bicep_param(text: str, name: str) -> str | None:
    match = re.search(rf"^param\s+{name}\s+string\s*=\s*'(\w+)'", text, re.MULTILINE)
    return match.group(1) if match else None


def _bicep_accounts(text: str, given: dict[str, str]) -> set[str]:
    """The symbols of Azure OpenAI / AI Services accounts a Bicep file declares (``given``: the
    parameters a module call passes)."""
    accounts: set[str] = set()
    for match in _BICEP_ACCOUNT.finditer(text):
        kind = _BICEP_KIND.search(match.group(2))
        if kind is None:
            continue
        value = kind.group(1) or given.get(kind.group(2)) or _bicep_param(text, kind.group(2))
        if value in _ACCOUNT_KINDS:
            accounts.add(match.group(1))
    return accounts


def _bicep_azure_outputs(path: Path, given: dict[str, str], depth: int = 0) -> set[str]:
    """The outputs of a Bicep file that hold an Azure OpenAI endpoint."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    azure = _bicep_azure(text, path, given, depth)
    return {name for name, expr in _BICEP_OUTPUT.findall(text) if azure(expr)}


def _bicep_azure(text: str, path: Path, given: dict[str, str], depth: int):  # type: ignore[no-untyped-def]
    accounts = _bicep_accounts(text, given)
    modules: dict[str, set[str]] = {}
    if depth < 3:
        for match in _BICEP_MODULE.finditer(text):
            passed = dict(re.findall(r"^\s*(\w+):\s*'(\w+)'\s*$", match.group(3), re.MULTILINE))
            target = path.parent / match.group(2)
            modules[match.group(1)] = _bicep_azure_outputs(target, passed, depth + 1)

    def azure(expr: str) -> bool:
        found = re.fullmatch(r"(\w+)\.properties\.endpoint", expr)
        if found:
            return found.group(1) in accounts
        found = re.fullmatch(r"(\w+)\.outputs\.(\w+)", expr)
        if found:
            return found.group(2) in modules.get(found.group(1), set())
        literal = re.fullmatch(r"'([^']*)'", expr)
        return literal is not None and host_verdict(literal.group(1))[0] == AZURE

    return azure


def _bicep(text: str, shown: str, path: Path) -> Iterator[Evidence]:
    azure = _bicep_azure(text, path, {}, 0)
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        pair: tuple[str, str] | None = None
        if match := re.match(r"^output\s+([A-Z][A-Z0-9_]*)\s+string\s*=\s*(.+?)\s*$", line):
            pair = (match.group(1), match.group(2))
        elif match := _BICEP_NAMED.match(line):
            following = lines[number] if number < len(lines) else ""
            if value := _BICEP_VALUE.match(following):
                pair = (match.group(1), value.group(1))
        elif match := _BICEP_SETTING.match(line):
            pair = (match.group(1), match.group(2))
        if pair is not None and _may_hold_endpoint(pair[0]) and azure(pair[1]):
            yield (pair[0], AZURE, f"{shown}:{number}", f"{pair[1]} (an Azure OpenAI account)")


_TF_ACCOUNT = re.compile(
    r'^resource\s+"(azurerm_cognitive_account|azurerm_ai_services)"\s+"(\w+)"\s*\{(.*?)^\}',
    re.MULTILINE | re.DOTALL,
)
_TF_ENDPOINT = re.compile(r"\b(azurerm_cognitive_account|azurerm_ai_services)\.(\w+)\.endpoint\b")


def _terraform(text: str, shown: str) -> Iterator[Evidence]:
    accounts: set[tuple[str, str]] = set()
    for match in _TF_ACCOUNT.finditer(text):
        kind = re.search(r'^\s*kind\s*=\s*"(\w+)"', match.group(3), re.MULTILINE)
        if match.group(1) == "azurerm_ai_services" or (kind and kind.group(1) in _ACCOUNT_KINDS):
            accounts.add((match.group(1), match.group(2)))
    output: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if header := re.match(r'^output\s+"(\w+)"', line):
            output = header.group(1)
            continue
        if re.match(r"^\S", line):
            output = None
        endpoint = _TF_ENDPOINT.search(line)
        if endpoint is None or (endpoint.group(1), endpoint.group(2)) not in accounts:
            continue
        name = None
        if setting := re.match(r'^\s*"?([A-Z][A-Z0-9_]*)"?\s*=', line):
            name = setting.group(1)
        elif output is not None and re.match(r"^\s*value\s*=", line) and output.isupper():
            name = output
        if name is not None and _may_hold_endpoint(name):
            shown_value = f"{endpoint.group(0)} (an Azure OpenAI account)"
            yield (name, AZURE, f"{shown}:{number}", shown_value)


def _settings_class(text: str, shown: str) -> Iterator[Evidence]:
    """URL defaults of pydantic settings fields (``base_url: str = "https://..."``)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef) or not any(
            (isinstance(b, ast.Name) and b.id == "BaseSettings")
            or (isinstance(b, ast.Attribute) and b.attr == "BaseSettings")
            for b in cls.bases
        ):
            continue
        prefix = ""
        for call in ast.walk(cls):
            for keyword in getattr(call, "keywords", []) if isinstance(call, ast.Call) else []:
                if keyword.arg == "env_prefix" and isinstance(keyword.value, ast.Constant):
                    prefix = str(keyword.value.value)
        for statement in cls.body:
            if not (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and statement.value is not None
            ):
                continue
            value = statement.value
            if isinstance(value, ast.Call) and value.args:
                value = value.args[0]  # Field("https://...")
            elif isinstance(value, ast.Call):
                value = next((k.value for k in value.keywords if k.arg == "default"), value)
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                name = (prefix + statement.target.id).upper()
                item = _item(name, value.value, f"{shown}:{statement.lineno}")
                if item is not None:
                    yield item


# -- the run -----------------------------------------------------------------------------------
def collect_files(
    roots: list[Path], shallow: list[Path], base: Path, listing: keyconfig.Listing
) -> list[Evidence]:
    """The evidence in the configuration files under ``roots`` (and directly in ``shallow``),
    each shown relative to ``base``."""
    found: list[Evidence] = []
    seen: set[Path] = set()
    walks = [(root, True) for root in roots] + [(directory, False) for directory in shallow]
    for root, recursive in walks:
        if not root.is_dir():
            continue
        for path, kind in keyconfig.candidate_files(root, recursive, listing):
            if path.resolve() in seen or kind not in (
                "env",
                "settings",
                "yaml",
                "bicep",
                "terraform",
            ):
                continue
            seen.add(path.resolve())
            if kind == "yaml" and not _COMPOSE.fullmatch(path.name):
                continue
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            shown = _relative(path, base)
            if kind == "env":
                found += _env(text, shown)
            elif kind == "settings":
                found += _settings(text, shown)
            elif kind == "yaml":
                found += _compose(text, shown)
            elif kind == "bicep":
                found += _bicep(text, shown, path)
            else:
                found += _terraform(text, shown)
    return found


def _relative(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:  # another drive
        return str(path)


def _undecided(result: FileResult) -> bool:
    """Whether a module has a v1 client decided without the project's files."""
    return any(n.rule == EVIDENCE_RULE for n in result.notices) or any(
        c.outcome == REVIEW and c.reason.startswith(UNKNOWN_REASON) for c in result.clients
    )


def settle_endpoints(
    results: list[FileResult],
    paths: list[str],
    options: MigrationOptions,
    mode: str,
    listing: keyconfig.Listing,
) -> tuple[list[FileResult], MigrationOptions]:
    """``results`` with the modules whose v1 clients read their base URL from configuration
    analysed again with the project's evidence, and the run's options carrying it."""
    from migrator.project_files import REPOSITORY_PLACES, _boundary, _given_base, _project_root

    wanted = [
        i for i, r in enumerate(results) if r.status not in (FAILED, SKIPPED) and _undecided(r)
    ]
    if not wanted:
        return results, options
    given = [Path(p).absolute() for p in paths]
    scopes: dict[Path, tuple[set[Path], set[Path]]] = {}
    for i in wanted:
        path = Path(results[i].path).absolute()
        boundary = _boundary(path, given)
        walked, tops = scopes.setdefault(boundary, (set(), set()))
        walked.add(_given_base(path, given))
        root = _project_root(path, boundary)
        if root is not None:
            tops.add(root)
    evidence: list[Evidence] = []
    for boundary, (walked, tops) in sorted(scopes.items()):
        recursive = sorted(w for w in walked if not any(o in w.parents for o in walked))
        shallow = sorted({boundary, *tops, *(boundary / place for place in REPOSITORY_PLACES)})
        evidence += collect_files(recursive, shallow, boundary, listing)
    base = min(scopes, key=lambda b: len(b.parts))
    for result in results:
        if not result.path.endswith(".py") or result.status in (FAILED, SKIPPED):
            continue
        try:
            data = bytes_read(result)
        except OSError:
            continue
        if b"BaseSettings" in data:
            shown = _relative(Path(result.path).absolute(), base)
            evidence += _settings_class(data.decode("utf-8", errors="replace"), shown)
    if not evidence:
        return results, options
    options = replace(options, endpoint_evidence=tuple(dict.fromkeys(evidence)))
    out = list(results)
    for i in wanted:
        try:
            data = bytes_read(results[i])
        except OSError:
            continue
        again = analyse_bytes(results[i].path, data, options, mode)
        if again.status != FAILED:
            out[i] = again
    return out, options
