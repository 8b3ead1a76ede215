"""Configuration that holds or hands out the API key the migration made unneeded.

Reported with its location, never changed, and never with its value:

* ``.env`` files (``.env``, ``.env.local``, ``.azure/<env>/.env``, direnv's ``.envrc``): a key
  variable being set;
* ``local.settings.json`` (Azure Functions), ``app.yaml`` / ``azure.yaml``, docker compose files:
  a key variable named;
* GitHub workflows: ``secrets.<KEY>`` handed to a job;
* Bicep, ARM templates and Terraform: an Azure AI / OpenAI account's keys read with
  ``listKeys()`` (``primary_access_key`` in Terraform), as an output or an app setting.

Which names are keys: ``codemods.key_names`` (plus ``OPENAI_API_KEY`` when a v1 ``OpenAI``
client was migrated, since that client reads it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from codemods.findings import Notice
from codemods.key_names import is_key_env_name
from migrator import import_config

RULE = "key-config"
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "site-packages",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".terraform",
    }
)
HIDDEN_DIRS_WANTED = frozenset({".github", ".azure", ".devcontainer", ".vscode"})

_ENV_LINE = re.compile(r"^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*[=:]")
_NAME_TOKEN = re.compile(r"\b[A-Z][A-Z0-9_]*KEY[A-Z0-9_]*\b")
_SECRET_REF = re.compile(r"\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)")
_BICEP_RESOURCE = re.compile(
    r"^\s*resource\s+(\w+)\s+'Microsoft\.CognitiveServices/accounts@", re.MULTILINE
)
_BICEP_LISTKEYS = re.compile(r"\b(\w+)\.listKeys\(|\blistKeys\(")
_TF_KEY = re.compile(
    r"\bazurerm_(?:cognitive_account|ai_services)\.(\w+)\.(primary|secondary)_access_key\b"
)


@dataclass(frozen=True)
class Finding:
    path: Path
    notice: Notice


def is_key_name(name: str, extra: frozenset[str]) -> bool:
    return is_key_env_name(name) or name in extra


def _is_env_file(name: str) -> bool:
    return name in (".env", ".envrc") or name.startswith(".env.") or name.endswith(".env")


def _kind(path: Path) -> str | None:
    name = path.name
    if _is_env_file(name):
        return "env"
    if name == "local.settings.json":
        return "settings"
    if name in ("app.yaml", "app.yml", "azure.yaml", "azure.yml") or re.fullmatch(
        r"(docker-)?compose(\.[\w-]+)?\.ya?ml", name
    ):
        return "yaml"
    if (
        path.parent.name == "workflows"
        and path.parent.parent.name == ".github"
        and name.endswith((".yml", ".yaml"))
    ):
        return "workflow"
    if name.endswith(".bicep"):
        return "bicep"
    if name.endswith(".tf"):
        return "terraform"
    if name.endswith(".json"):
        return "arm"
    return None


class Listing:
    """What the scan needs of each directory: its candidate files and the subdirectories the scan
    enters (both sorted), from whoever listed the directory first.

    The run's discovery walk hands over every directory it lists (``saw``); the scan lists only
    the directories that walk did not enter (a gitignored or excluded directory, a file's
    directory, the repository's top above the given path), each once however many scan roots
    hold it. So no directory is listed twice in a run."""

    def __init__(self) -> None:
        self._dirs: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def saw(self, directory: str, entries: list[os.DirEntry[str]]) -> None:
        self._dirs[os.path.abspath(directory)] = _sorted_out(directory, entries)
        import_config.remember(directory, entries)  # first-party module names, for added imports

    def of(self, directory: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        key = os.path.abspath(directory)
        found = self._dirs.get(key)
        if found is None:
            try:
                with os.scandir(directory) as listed:
                    entries = list(listed)
            except OSError:
                entries = []
            else:
                # A later step that looks for first-party modules there need not list it again.
                import_config.remember(directory, entries)
            found = self._dirs[key] = _sorted_out(directory, entries)
        return found


def _sorted_out(
    directory: str, entries: list[os.DirEntry[str]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(candidate file names, names of the subdirectories to enter), each sorted: an entry that
    is a directory (a link to one too) is no file; a link to a directory is not entered."""
    files: list[str] = []
    subdirs: list[str] = []
    for entry in entries:
        name = entry.name
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if (
                name not in SKIP_DIRS
                and (not name.startswith(".") or name in HIDDEN_DIRS_WANTED)
                and not entry.is_symlink()
                and not os.path.exists(os.path.join(directory, name, "pyvenv.cfg"))
            ):
                subdirs.append(name)
        elif _maybe_kind(name):
            files.append(name)
    return tuple(sorted(files)), tuple(sorted(subdirs))


def _maybe_kind(name: str) -> bool:
    """Whether a file of this name can have a ``_kind`` (a workflow's also depends on where)."""
    return _kind(Path(name)) is not None or name.endswith((".yml", ".yaml"))


def candidate_files(
    root: Path, recursive: bool = True, listing: Listing | None = None
) -> Iterator[tuple[Path, str]]:
    """Configuration files under ``root``, in a stable order (each directory's files, then its
    subdirectories in order); virtual environments are skipped."""
    listing = listing or Listing()
    files, subdirs = listing.of(str(root))
    for name in files:
        path = Path(root, name)
        kind = _kind(path)
        if kind is not None:
            yield path, kind
    if recursive:
        for name in subdirs:
            yield from candidate_files(Path(root, name), True, listing)


def scan_file(
    path: Path, kind: str, extra: frozenset[str] = frozenset(), note: str = ""
) -> list[Notice]:
    try:
        data = path.read_bytes()
    except OSError:
        return []
    if kind == "arm" and b"listKeys" not in data:
        return []  # most JSON files: nothing to read
    text = data.decode("utf-8", errors="replace")
    scanner = _SCANNERS[kind]
    return [
        Notice(line, column, RULE, message + note) for line, column, message in scanner(text, extra)
    ]


Hit = tuple[int, int, str]  # (1-based line, 0-based column, message)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    yield from enumerate(text.splitlines(), 1)


def _env(text: str, extra: frozenset[str]) -> list[Hit]:
    hits: list[Hit] = []
    for number, line in _lines(text):
        match = _ENV_LINE.match(line)
        if match and not line.lstrip().startswith("#") and is_key_name(match.group(1), extra):
            name = match.group(1)
            hits.append(
                (
                    number,
                    match.start(1),
                    f"{name} is set here (value not shown); the migrated code uses Microsoft "
                    "Entra ID and no longer reads it: remove it once nothing else does, "
                    "and rotate the key if this file was ever shared or committed",
                )
            )
    return hits


def _named(what: str) -> Callable[[str, frozenset[str]], list[Hit]]:
    def scan(text: str, extra: frozenset[str]) -> list[Hit]:
        hits: list[Hit] = []
        for number, line in _lines(text):
            if line.lstrip().startswith("#"):
                continue
            for match in _NAME_TOKEN.finditer(line):
                if is_key_name(match.group(0), extra):
                    hits.append(
                        (
                            number,
                            match.start(),
                            f"{match.group(0)} is {what} (value not shown); the migrated code "
                            "no longer reads it: remove it once nothing else does",
                        )
                    )
                    break
        return hits

    return scan


def _workflow(text: str, extra: frozenset[str]) -> list[Hit]:
    hits: list[Hit] = []
    for number, line in _lines(text):
        secret = next(
            (m for m in _SECRET_REF.finditer(line) if is_key_name(m.group(1), extra)), None
        )
        if secret is not None:
            hits.append(
                (
                    number,
                    secret.start(),
                    f"the workflow hands the repository secret {secret.group(1)} to the job; "
                    "the migrated code no longer reads it: remove it here, "
                    "then delete the secret once nothing uses it",
                )
            )
    return hits


def _bicep(text: str, extra: frozenset[str]) -> list[Hit]:
    accounts = set(_BICEP_RESOURCE.findall(text))
    hits: list[Hit] = []
    for number, line in _lines(text):
        for match in _BICEP_LISTKEYS.finditer(line):
            symbol = match.group(1)
            if not (symbol in accounts or "CognitiveServices" in line):
                continue
            what = f"the keys of {symbol}" if symbol else "an account's keys"
            if line.lstrip().startswith("output "):
                message = (
                    f"this output exposes {what} (listKeys()) to anyone who can read the "
                    "deployment; keyless clients do not need it: remove the output"
                )
            else:
                message = (
                    f"reads {what} with listKeys(); keyless clients do not need the key: "
                    "remove this setting, and consider disableLocalAuth: true on the account"
                )
            hits.append((number, match.start(), message))
            break
    return hits


def _arm(text: str, extra: frozenset[str]) -> list[Hit]:
    hits: list[Hit] = []
    for number, line in _lines(text):
        index = line.find("listKeys(")
        if index >= 0 and "CognitiveServices" in line:
            hits.append(
                (
                    number,
                    index,
                    "reads a Cognitive Services account's keys with listKeys(); keyless clients do "
                    "not need the key: remove this value (and any output of it)",
                )
            )
    return hits


def _terraform(text: str, extra: frozenset[str]) -> list[Hit]:
    hits: list[Hit] = []
    block = ""
    for number, line in _lines(text):
        header = re.match(r"\s*(output|resource|data|module|locals|variable)\b", line)
        if header and not line.startswith((" ", "\t")):
            block = header.group(1)
        match = _TF_KEY.search(line)
        if match:
            where = "this output exposes" if block == "output" else "reads"
            hits.append(
                (
                    number,
                    match.start(),
                    f"{where} the {match.group(2)} access key of {match.group(1)}; keyless "
                    "clients do not need it: remove it, "
                    "and consider local_auth_enabled = false on the account",
                )
            )
    return hits


_SCANNERS: dict[str, Callable[[str, frozenset[str]], list[Hit]]] = {
    "env": _env,
    "settings": _named("an app setting here"),
    "yaml": _named("configured here"),
    "workflow": _workflow,
    "bicep": _bicep,
    "arm": _arm,
    "terraform": _terraform,
}


def scan(
    roots: list[Path],
    shallow: list[Path] = (),
    extra: frozenset[str] = frozenset(),
    note: str = "",  # type: ignore[assignment]
    listing: Listing | None = None,
) -> list[Finding]:
    """Key configuration under ``roots``, and directly in the ``shallow`` directories (each file
    once). ``listing``: the directories the run's discovery walk listed already."""
    listing = listing or Listing()
    findings: list[Finding] = []
    seen: set[Path] = set()
    walks = [(root, True) for root in roots] + [(directory, False) for directory in shallow]
    for root, recursive in walks:
        if not root.is_dir():
            continue
        for path, kind in candidate_files(root, recursive, listing):
            key = path.resolve()
            if key in seen:
                continue
            seen.add(key)
            findings += [Finding(path, notice) for notice in scan_file(path, kind, extra, note)]
    return findings
