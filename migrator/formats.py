"""The report in the formats tools read: text, JSON, SARIF 2.1.0 and GitHub workflow annotations.

Every format is built from the same list of findings, so each one carries the same rule id, file,
line, column (1-based) and message. Messages come from the codemods, which never put a key value
in them (a literal key is named by location, masked).

Levels:

* ``error``: what CI should flag (``--check`` fails on it): a key-based client the tool could not
  migrate (``client-manual``), a key written in the code (``literal-key``) and a file that could
  not be processed (``file-failed``);
* ``warning``: a client that may be key-based (``client-review``), a client that ``--check`` or
  ``--dry-run`` would migrate, and the codemods' warnings (``key-override``, ...);
* ``note``: what went well or is only information (a client migrated, a client already keyless).
"""

from __future__ import annotations

import enum
import json
import os
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import quote

from codemods import precision_rules, sdks
from codemods.findings import KEYLESS, MANUAL, MIGRATED, REVIEW, ClientRecord
from migrator import __version__, roles, sarif_extras, suppressions
from migrator.engine import CHANGED, FAILED, MODE_DIFF, MODE_WRITE, SKIPPED, UNCHANGED, FileResult
from migrator.report import EXIT_INTERNAL, Report, printable, raw_path, shown_path
from migrator.rule_selection import CLIENT_RULES


class Format(str, enum.Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


FORMATS = tuple(f.value for f in Format)
JSON_SCHEMA_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "aoai-migrate"

ERROR, WARNING, NOTE = "error", "warning", "note"

# rule id -> (short description, level). Notices from the codemods not listed here keep their own
# severity and use their id as description.
RULES: dict[str, tuple[str, str]] = {
    "client-manual": (
        "A key-based Azure client the tool could not migrate: it needs manual work",
        ERROR,
    ),
    "file-failed": (
        "A file that could not be processed; it was left byte-for-byte as it was",
        ERROR,
    ),
    "client-review": ("A client that may be an Azure client using a key: review it", WARNING),
    "client-migrated": (
        "A key-based Azure client moved (or, when checking, to be moved) to a token provider",
        NOTE,
    ),
    "client-keyless": ("An Azure client that already authenticates with Microsoft Entra ID", NOTE),
    "client-unresolved": (
        (
            "A client class named where the tool cannot follow it "
            "(star import, alias, getattr): review it"
        ),
        WARNING,
    ),
    "literal-key": (
        "An API key written in the code: rotate it, it stays in version-control history",
        ERROR,
    ),
    "key-override": (
        "A per-request or copied client sets a key that must be removed by hand",
        WARNING,
    ),
    "comment-dropped": ("A comment inside a removed key expression was dropped", WARNING),
    "key-guard": ("Code that checks the API key is set: remove it once the key is gone", WARNING),
    "key-read": ("Code that reads the API key: remove it once the key is gone", WARNING),
    "key-config": ("Key configuration the keyless code no longer needs (value not shown)", WARNING),
    "key-variable-removed": (
        "A variable that held the key and that nothing reads any more, removed",
        NOTE,
    ),
    "key-variable-kept": (
        "A variable that held the key, kept because something still reads or imports it",
        WARNING,
    ),
    "key-guard-removed": ("A check that the key is set, removed (the key is not used)", NOTE),
    "key-guard-rewritten": ("A check that the key is set, rewritten without the key", NOTE),
    "unused-key-variable": ("A variable that held the key, unread, to delete by hand", WARNING),
    "unused-key-lookup": ("A Key Vault lookup of the key that nothing uses any more", WARNING),
    "key-read-helper": ("A key read through a settings helper the tool cannot be sure of", WARNING),
    "unused-import-removed": ("An import only the removed key used, removed", NOTE),
    "config-schema-key": (
        "A JSON schema of the config that requires the key: the key dropped from its required list",
        WARNING,
    ),
    "dependency-added": ("A dependency the keyless code needs, added to a dependency file", NOTE),
    "dependency-raised": ("A dependency whose lower bound the keyless code needs raised", NOTE),
    "dependency-pinned": ("A pinned dependency the keyless code needs changed by hand", WARNING),
    "dependency-manual": ("A dependency file the tool could not update", WARNING),
    "token-argument-version": (
        "A client left as it is: the project's pin excludes the first SDK release with the "
        "token argument",
        WARNING,
    ),
    "dependency-not-edited": (
        "A dependency file not given to the run, left as it is: the line to add or change",
        WARNING,
    ),
    "no-dependency-file": (
        "Migrated code with no dependency file to declare azure-identity",
        WARNING,
    ),
    "endpoint-evidence": (
        "What decided that a v1 client's base URL from configuration is Azure OpenAI: a project "
        "file (file:line, host only) or the variable's name",
        NOTE,
    ),
    "openai-v0-rewritten": (
        "openai 0.x Azure code rewritten to a 1.x client (configuration, calls, responses, errors)",
        NOTE,
    ),
    "openai-v0-left": (
        "openai 0.x Azure code left whole, with what stops its rewrite to 1.x",
        WARNING,
    ),
    "notebook-skipped": ("A notebook left as it is", WARNING),
    "test-file-skipped": ("Test code with a key-based client, left as it is", NOTE),
    "notebook-cell-skipped": ("A notebook cell left as it is", WARNING),
    "notebook-cell-order": (
        "A notebook cell that uses a name before the cell that defines it",
        WARNING,
    ),
    "module-client-env": (
        "A call through the openai module client, which reads its key from the environment",
        WARNING,
    ),
    "settings-key-field": (
        "A settings class field that holds the key: made optional, or to change by hand",
        WARNING,
    ),
}
RULES.update(precision_rules.RULES)
RULES.update(suppressions.RULES)
# The rules the SDK modules declare (codemods/sdks/), with the level they declare.
RULES.update({rule_id: (rule.description, rule.level) for rule_id, (rule, _) in sdks.RULES.items()})
_OUTCOME_RULES = CLIENT_RULES
_OUTCOME_WORDS = {
    MIGRATED: "migrated",
    KEYLESS: "already keyless",
    MANUAL: "needs manual work",
    REVIEW: "needs review",
}
_SEVERITY_LEVELS = {"error": ERROR, "warning": WARNING, "info": NOTE, "note": NOTE}


@dataclass(frozen=True)
class Finding:
    rule: str
    level: str
    path: str
    line: int
    column: int  # 1-based
    message: str
    client: ClientRecord | None = None
    cell: int | None = None  # notebooks: line and column are within this 1-based cell


def findings(report: Report) -> list[Finding]:
    """Every finding of the run, sorted by file and position."""
    would = report.mode != MODE_WRITE
    out: list[Finding] = []
    for result in report.results:
        if result.status == FAILED:
            out.append(
                Finding(
                    "file-failed",
                    ERROR,
                    result.path,
                    result.error_line or 1,
                    1,
                    f"{result.error}; left as it was",
                )
            )
        for c in result.clients:
            rule = _OUTCOME_RULES.get(c.outcome, f"client-{c.outcome}")
            level = RULES.get(rule, ("", WARNING))[1]
            word = _OUTCOME_WORDS.get(c.outcome, c.outcome)
            if c.outcome == MIGRATED and would:
                level, word = WARNING, "would be migrated"
            tags = ", ".join(
                f"{role.name}{' (assumed)' if assumed else ''}"
                f"{' (unverified)' if unverified else ''}"
                for role, assumed, unverified in roles.client_roles(c)
            )
            message = f"{c.cls}: {word}: {c.reason}{f' [role: {tags}]' if tags else ''}"
            out.append(Finding(rule, level, result.path, c.line, c.column + 1, message, c, c.cell))
        for n in result.notices:
            level = _SEVERITY_LEVELS.get(n.severity, WARNING)
            out.append(
                Finding(n.rule, level, result.path, n.line, n.column + 1, n.message, cell=n.cell)
            )
    out.sort(key=lambda f: (f.path, f.cell or 0, f.line, f.column, f.rule))
    return [f for f in out if report.rules.shows(f.rule)]


def render(report: Report, fmt: str, verbose: bool = False, roles_format: str | None = "az") -> str:
    if fmt == "text":
        return report.render_text(roles_format, verbose)
    if fmt == "json":
        return json.dumps(_printable(to_json(report)), indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        return json.dumps(_printable(to_sarif(report)), indent=2, ensure_ascii=False) + "\n"
    if fmt == "github":
        positions = StoredPositions(report)
        return printable("".join(github_annotation(f, positions) + "\n" for f in findings(report)))
    raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")


class StoredPositions:
    """Where a finding is in the file as stored, for tools that point at file lines (SARIF,
    GitHub). A notebook finding's line is a line of its cell; here it becomes the line of the
    ``.ipynb`` JSON that holds that source line (the column is exact unless escaped characters
    come before it on that line), and the message names the cell. A finding that cannot be
    placed points at line 1. The places come from the analysis (``FileResult.positions``, the
    file as it was read); no file is read here."""

    def __init__(self, report: Report | None = None) -> None:
        self._results = {r.path: r for r in report.results} if report is not None else {}
        self._notebooks: dict[str, dict[int, tuple[tuple[int, int, str], ...]] | None] = {}

    def locate(self, f: Finding) -> tuple[int, int, str]:
        if f.cell is None:
            return f.line, f.column, f.message
        message = f"cell {f.cell}, line {f.line}: {f.message}"
        cells = self._notebook(f.path)
        if cells is None or f.cell not in cells:
            return 1, 1, message
        line = 1
        for start_line, start_column, value in cells[f.cell]:
            lines_here = value.count("\n") + (0 if value.endswith("\n") else 1)
            if f.line < line + lines_here:
                # The JSON string holding the line: exact when the line starts the string.
                column = f.column if f.line == line else 1
                return start_line, start_column + 1 + column, message
            line += value.count("\n")
        return 1, 1, message

    def _notebook(self, path: str) -> dict[int, tuple[tuple[int, int, str], ...]] | None:
        if path not in self._notebooks:
            result = self._results.get(path)
            positions = result.positions if result is not None else None
            self._notebooks[path] = dict(positions.cells) if positions is not None else None
        return self._notebooks[path]


# -- JSON ---------------------------------------------------------------------------------------


def to_json(report: Report) -> dict[str, object]:
    """The JSON document (schema documented in README.md, "Machine-readable output")."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "mode": report.mode,
        "exit_code": report.return_code,
        "interrupted": report.interrupted,
        "summary": _summary_json(report),
        "findings": [_finding_json(f) for f in findings(report)],
        "files": [_file_json(r) for r in sorted(report.results, key=lambda r: r.path)],
        "role_assignments": [_assignment_json(a) for a in report.assignments()],
    }


def _summary_json(report: Report) -> dict[str, object]:
    sources = [r for r in report.results if r.kind == "source"]
    project = [r for r in report.results if r.kind != "source"]

    def count(results: list[FileResult], status: str) -> int:
        return sum(r.status == status for r in results)

    return {
        "files": len(sources),
        "changed": count(sources, CHANGED),
        "unchanged": count(sources, UNCHANGED),
        "failed": count(sources, FAILED),
        "skipped": count(sources, SKIPPED),
        "project_files": {
            "changed": count(project, CHANGED),
            "unchanged": count(project, UNCHANGED),
            "failed": count(project, FAILED),
        },
        "text": report.summary(),
    }


def _finding_json(f: Finding) -> dict[str, object]:
    item: dict[str, object] = {
        "rule": f.rule,
        "level": f.level,
        "file": _display_path(f.path),
        "file_uri": _path_uri(f.path),
        "line": f.line,
        "column": f.column,
        "cell": f.cell,
        "message": f.message,
    }
    if f.client is not None:
        item["client"] = {
            "class": f.client.cls,
            "sdk": f.client.sdk,
            "service": f.client.service,
            "outcome": f.client.outcome,
            "async": f.client.is_async,
            "roles": [
                {"name": role.name, "id": role.id, "assumed": assumed, "unverified": unverified}
                for role, assumed, unverified in roles.client_roles(f.client)
            ],
            "calls": [{"call": call.chain, "line": call.line} for call in f.client.calls],
        }
    return item


def _file_json(result: FileResult) -> dict[str, object]:
    return {
        "path": _display_path(result.path),
        "uri": _path_uri(result.path),
        "kind": result.kind,
        "status": result.status,
        "written": result.written,
        "error": result.error,
        "reason": result.reason,
        "diff": diff_text(result),
        "credential": (
            None
            if result.credential is None
            else {"kind": result.credential[0], "why": result.credential[1]}
        ),
    }


def _assignment_json(a: roles.Assignment) -> dict[str, object]:
    return {
        "service": a.service,
        "resource": a.resource,
        "scope_variable": roles.resource_variable(a.resource),
        "role": {"name": a.role.name, "id": a.role.id},
        "assumed": a.assumed,
        "unverified": a.unverified,
        "evidence": [
            {"file": _display_path(e.path), "line": e.line, "what": e.what} for e in a.evidence
        ],
    }


def _display_path(path: str) -> str:
    """A path as the user gave it, with ``/`` separators and no leading ``./`` (see shown_path)."""
    return shown_path(path)


def _path_uri(path: str) -> str:
    """The path as a relative (or absolute) URI reference: its bytes percent-encoded (RFC 3986),
    so ``urllib.parse.unquote_to_bytes`` gives back the exact file name, UTF-8 or not."""
    shown = path.replace(os.sep, "/")
    while shown.startswith("./"):
        shown = shown[2:]
    return quote(raw_path(shown))


def _printable(value: object) -> object:
    """A JSON document whose every string can be written as UTF-8 (see report.printable)."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def diff_text(result: FileResult) -> str | None:
    """The file's unified diff, its ``---``/``+++`` names quoted as git quotes a name that needs
    it (``"a/caf\\351.py"``: C escapes, octal bytes), which ``git apply`` and ``patch`` read back
    to the exact name; a name that needs no quoting is left as it is."""
    if not result.diff:
        return result.diff
    label = os.path.normpath(result.path).replace(os.sep, "/").lstrip("/")
    head = f"--- a/{label}\n+++ b/{label}\n"
    if not result.diff.startswith(head) or not _needs_quoting(label):
        return result.diff
    quoted = f"--- {_git_quote('a/' + label)}\n+++ {_git_quote('b/' + label)}\n"
    return quoted + result.diff[len(head) :]


_C_ESCAPES = {0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f", 0x0D: "r"}


def _needs_quoting(name: str) -> bool:
    raw = raw_path(name)
    if any(b < 0x20 or b == 0x7F or b in b'"\\' for b in raw):
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _git_quote(name: str) -> str:
    out = []
    for b in raw_path(name):
        if b in b'"\\':
            out.append("\\" + chr(b))
        elif b in _C_ESCAPES:
            out.append("\\" + _C_ESCAPES[b])
        elif b < 0x20 or b >= 0x7F:
            out.append(f"\\{b:03o}")
        else:
            out.append(chr(b))
    return '"' + "".join(out) + '"'


# -- SARIF 2.1.0 --------------------------------------------------------------------------------


def to_sarif(report: Report) -> dict[str, object]:
    found = findings(report)
    rule_ids = sorted({f.rule for f in found} | set(RULES))
    index = {rule: i for i, rule in enumerate(rule_ids)}
    cwd = os.getcwd()
    positions = StoredPositions(report)
    prints = sarif_extras.fingerprints(found, report, lambda path: _artifact(path, cwd)["uri"])
    results = []
    for f, fingerprint in zip(found, prints, strict=True):
        line, column, message = positions.locate(f)
        physical: dict[str, object] = {"artifactLocation": _artifact(f.path, cwd)}
        if not sarif_extras.is_directory(f.path):
            physical["region"] = {"startLine": line, "startColumn": column}
        result: dict[str, object] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": f.level,
            "message": {"text": message},
            "locations": [{"physicalLocation": physical}],
            "partialFingerprints": fingerprint,
        }
        if f.cell is not None:
            result["properties"] = {"cell": f.cell, "cellLine": f.line, "cellColumn": f.column}
        results.append(result)
    rules = []
    for rule in rule_ids:
        description, level = RULES.get(rule, (rule, WARNING))
        rules.append(
            {
                "id": rule,
                "name": "".join(part.capitalize() for part in rule.split("-")),
                "shortDescription": {"text": description},
                "help": sarif_extras.rule_help(rule, description),
                "helpUri": sarif_extras.help_uri(rule),
                "defaultConfiguration": {"level": level},
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": _file_uri(cwd, directory=True)}},
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {
                        "executionSuccessful": not report.failed and not report.interrupted,
                        "exitCode": report.return_code,
                    }
                ],
                "results": results,
            }
        ],
    }


def _artifact(path: str, cwd: str) -> dict[str, str]:
    absolute = os.path.abspath(path)
    if absolute == cwd:
        return {"uri": "./", "uriBaseId": "%SRCROOT%"}
    if absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        rel = os.path.relpath(absolute, cwd).replace(os.sep, "/")
        rel += "/" if sarif_extras.is_directory(absolute) else ""
        return {"uri": quote(raw_path(rel)), "uriBaseId": "%SRCROOT%"}
    return {"uri": _file_uri(absolute)}


def _file_uri(path: str, directory: bool = False) -> str:
    uri = "file://" + quote(
        raw_path(
            path.replace(os.sep, "/") if path.startswith("/") else "/" + path.replace(os.sep, "/")
        )
    )
    if directory and not uri.endswith("/"):
        uri += "/"
    return uri


# -- GitHub workflow annotations ----------------------------------------------------------------

_GITHUB_COMMANDS = {ERROR: "error", WARNING: "warning", NOTE: "notice"}


def github_annotation(f: Finding, positions: StoredPositions | None = None) -> str:
    line, column, message = (positions or StoredPositions()).locate(f)
    message = printable(message)
    properties = {"file": _display_path(f.path), "line": str(line), "col": str(column)}
    if sarif_extras.is_directory(f.path):  # a directory has no lines
        del properties["line"], properties["col"]
    properties["title"] = f"{TOOL_NAME} ({f.rule})"
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{_GITHUB_COMMANDS[f.level]} {props}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: also ``:`` and ``,``, which separate properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def emit(report: Report, fmt: str, verbose: bool = False, roles_format: str | None = "az") -> None:
    """Print a finished run. Text: the report on stdout (with ``--dry-run`` the patch is on stdout
    and the report on stderr). Other formats: the document on stdout, the summary line on stderr.

    Everything is rendered before anything is printed: if rendering fails (a bug), nothing half
    made is printed and the process exits with EXIT_INTERNAL, never with the code that means
    "would change"."""
    import sys

    try:
        if fmt == "text":
            patch = "".join(
                printable(diff_text(r) or "") for r in sorted(report.results, key=lambda r: r.path)
            )
            text = render(report, fmt, verbose, roles_format)
            to_out, to_err = (patch, text) if report.mode == MODE_DIFF else (text, "")
            if report.mode == MODE_DIFF:  # coloured on a terminal only
                from migrator.colour import patch_for

                to_out = patch_for(sys.stdout, to_out)
        else:
            to_out, to_err = render(report, fmt, verbose), printable(report.summary()) + "\n"
    except Exception as exc:  # noqa: BLE001 - a bug: said as one line, with its own exit code
        internal_error(exc, "while printing the report")
    out, err = sys.stdout, sys.stderr
    out.write(to_out)
    out.flush()
    err.write(to_err)
    if report.interrupted:
        err.write(
            "aoai-migrate: interrupted; files already written are complete, the rest untouched\n"
        )
    out.flush()
    err.flush()


def internal_error(exc: BaseException, doing: str = "") -> NoReturn:
    """Say that aoai-migrate itself failed (one line: the exception and where it was raised) and
    exit with EXIT_INTERNAL. Files already written are complete: each write is atomic."""
    import sys
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    message = printable(f"{type(exc).__name__}: {exc}{where}").replace("\n", " ")
    sys.stderr.write(
        f"aoai-migrate: internal error{' ' + doing if doing else ''}: {message}; please report it\n"
    )
    sys.stderr.flush()
    raise SystemExit(EXIT_INTERNAL)
