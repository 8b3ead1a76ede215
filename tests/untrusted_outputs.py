"""Hostile inputs for what the tool prints and writes back: file names that are not UTF-8, and
notebooks whose cells a careless rewrite breaks (CRLF sources, lines holding characters that
``str.splitlines`` splits on and Jupyter does not, a token provider defined in a later cell).

Everything goes through the real command line (``python -m migrator``) in a separate process.
Outputs are read as bytes: each must be valid UTF-8, parse when it is JSON or SARIF (SARIF is
validated against the vendored 2.1.0 schema), and hold no traceback. Migrated notebooks are run,
their code cells top to bottom, with the real SDKs against the loopback services of
``tests/e2e/loopback.py``.

``measure(scratch)`` returns the figures for the reliability bench;
``tests/test_untrusted_outputs.py`` uses the same builders.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_to_bytes

ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json"
CLIENT_ID = "11111111-2222-4333-8444-555555555555"

# A module with one key-based client that makes one call.
CLIENT = (
    "import os\n"
    "from openai import AzureOpenAI\n"
    "\n"
    "client = AzureOpenAI(\n"
    '    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],\n'
    '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n'
    '    api_version="2024-10-21",\n'
    ")\n"
)
# File names no UTF-8 decoder accepts (Latin-1 "café", a UTF-16 byte-order mark), and one with a
# line break, which would forge a line of a line-based report.
ODD_NAMES = (b"caf\xe9.py", b"\xff\xfe.py", b"two\nlines.py")
EXIT_OK, EXIT_CHANGES = 0, 1

TEXT_FORMATS = ("text", "github")
JSON_FORMATS = ("json", "sarif")
ROLES_FORMATS = ("az", "bicep", "terraform", "json")


@dataclass
class Run:
    returncode: int
    stdout: bytes
    stderr: bytes


@dataclass
class Tally:
    category: str
    tried: int = 0
    as_expected: int = 0
    files_corrupted: int = 0
    invalid_outputs: int = 0
    notebooks_that_fail_top_to_bottom: int = 0
    problems: list[str] = field(default_factory=list)

    def check(self, name: str, problems: list[str]) -> None:
        self.tried += 1
        if problems:
            self.problems.extend(f"{name}: {p}" for p in problems)
        else:
            self.as_expected += 1

    def figures(self) -> dict[str, object]:
        return {
            "category": self.category,
            "tried": self.tried,
            "as_expected": self.as_expected,
            "files_corrupted": self.files_corrupted,
            "invalid_outputs": self.invalid_outputs,
            "notebooks_that_fail_top_to_bottom": self.notebooks_that_fail_top_to_bottom,
            "problems": self.problems,
        }


def run_cli(*args: str | bytes, cwd: Path) -> Run:
    """``python -m migrator ARGS`` with stdout and stderr as bytes (nothing decoded for us)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # Strict UTF-8 streams: a stray surrogate is an error, not silently written as a raw byte.
    env.update(NO_COLOR="1", TERM="dumb", COLUMNS="200", PYTHONIOENCODING="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def output_problems(run: Run, fmt: str = "text") -> list[str]:
    """Why an output is not one a tool can read: not UTF-8, a traceback, JSON/SARIF that does
    not parse or validate."""
    problems = []
    texts = {}
    for stream in ("stdout", "stderr"):
        try:
            texts[stream] = getattr(run, stream).decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(f"{stream} is not UTF-8: {exc}")
            texts[stream] = getattr(run, stream).decode("utf-8", "replace")
        if "Traceback" in texts[stream] or "internal error" in texts[stream]:
            problems.append(f"{stream} has a traceback: {texts[stream][-500:]!r}")
    if fmt in JSON_FORMATS and not problems:
        try:
            doc = json.loads(texts["stdout"])
        except ValueError as exc:
            return [*problems, f"stdout is not JSON: {exc}"]
        if fmt == "sarif":
            import jsonschema

            try:
                jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(doc)
            except jsonschema.ValidationError as exc:
                problems.append(f"not a valid SARIF 2.1.0 log: {exc.message}")
    return problems


# -- file names that are not UTF-8 ----------------------------------------------------------------


def odd_name_tree(root: Path) -> dict[bytes, bytes]:
    """One key-based client in each file with an odd name; returns name -> original bytes."""
    root.mkdir(parents=True, exist_ok=True)
    original = {}
    for name in ODD_NAMES:
        with open(os.path.join(os.fsencode(root), name), "wb") as handle:
            handle.write(CLIENT.encode())
        original[name] = CLIENT.encode()
    return original


def tree_bytes(root: Path) -> dict[bytes, bytes]:
    out = {}
    for entry in os.scandir(os.fsencode(root)):
        if entry.is_file():
            with open(entry.path, "rb") as handle:
                out[entry.name] = handle.read()
    return out


def migrated_reference(scratch: Path) -> bytes:
    """What the tool makes of CLIENT under a plain name: an odd name must give the same bytes."""
    where = scratch / "reference"
    where.mkdir(parents=True, exist_ok=True)
    (where / "plain.py").write_text(CLIENT)
    run = run_cli("plain.py", cwd=where)
    if run.returncode != EXIT_OK:
        raise RuntimeError(f"the reference migration failed: {run.stderr!r}")
    return (where / "plain.py").read_bytes()


def check_odd_names(scratch: Path, tally: Tally) -> None:
    reference = migrated_reference(scratch)
    for fmt in (*TEXT_FORMATS, *JSON_FORMATS):
        work = scratch / f"check-{fmt}"
        original = odd_name_tree(work)
        run = run_cli(".", "--check", "--format", fmt, cwd=work)
        problems = output_problems(run, fmt)
        tally.invalid_outputs += bool(problems)
        if run.returncode != EXIT_CHANGES:
            problems.append(f"exit {run.returncode}, expected {EXIT_CHANGES} (would change)")
        if tree_bytes(work) != original:
            tally.files_corrupted += 1
            problems.append("--check changed a file")
        if not problems:
            problems += _names_shown(run, fmt)
        tally.check(f"--check --format {fmt}", problems)

    work = scratch / "dry-run"
    original = odd_name_tree(work)
    run = run_cli(".", "--dry-run", cwd=work)
    problems = output_problems(run)
    tally.invalid_outputs += bool(problems)
    if run.returncode != EXIT_OK:
        problems.append(f"exit {run.returncode}, expected {EXIT_OK}")
    if tree_bytes(work) != original:
        tally.files_corrupted += 1
        problems.append("--dry-run changed a file")
    if not problems:
        problems += _patch_applies(run.stdout, work, original, reference)
    tally.check("--dry-run", problems)

    for fmt in ROLES_FORMATS:
        work = scratch / f"roles-{fmt}"
        odd_name_tree(work)
        run = run_cli("roles", ".", "--roles-format", fmt, cwd=work)
        problems = output_problems(run, "json" if fmt == "json" else "text")
        tally.invalid_outputs += bool(problems)
        if run.returncode != EXIT_OK:
            problems.append(f"exit {run.returncode}, expected {EXIT_OK}")
        tally.check(f"roles --roles-format {fmt}", problems)

    work = scratch / "write"
    odd_name_tree(work)
    run = run_cli(".", cwd=work)
    problems = output_problems(run)
    tally.invalid_outputs += bool(problems)
    if run.returncode != EXIT_OK:
        problems.append(f"exit {run.returncode}, expected {EXIT_OK}")
    after = tree_bytes(work)
    wrong = [name for name in ODD_NAMES if after.get(name) != reference]
    if wrong:
        tally.files_corrupted += len(wrong)
        problems.append(f"not migrated as the same code under a plain name: {wrong}")
    tally.check("in place", problems)


def _names_shown(run: Run, fmt: str) -> list[str]:
    """Each odd name is named in the output in a way that leads back to the file."""
    text = run.stdout.decode("utf-8")
    problems = []
    if fmt in ("text", "github"):
        for name in ODD_NAMES:
            shown = name.decode("utf-8", "backslashreplace").replace("\n", "\\n")
            if shown not in text:
                problems.append(f"{name!r} is not shown as {shown!r}")
        return problems
    doc = json.loads(text)
    if fmt == "json":
        uris = {unquote_to_bytes(f["uri"]) for f in doc["files"]}
    else:
        uris = {
            unquote_to_bytes(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
            for r in doc["runs"][0]["results"]
        }
    missing = [name for name in ODD_NAMES if name not in uris]
    return [f"no URI gives back {missing}"] if missing else []


def _patch_applies(
    patch: bytes, work: Path, original: dict[bytes, bytes], reference: bytes
) -> list[str]:
    """The --dry-run patch, applied by git to a copy of the tree, gives the migrated files."""
    if shutil.which("git") is None:
        return []
    copy = work.parent / f"{work.name}-applied"
    shutil.copytree(work, copy)
    done = subprocess.run(
        ["git", "apply", "--unsafe-paths", "-"],
        cwd=copy,
        input=patch,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        return [f"git apply rejects the patch: {done.stderr.decode('utf-8', 'replace')}"]
    after = tree_bytes(copy)
    wrong = [name for name in original if after.get(name) != reference]
    return [f"the patch does not migrate {wrong}"] if wrong else []


# -- notebooks -------------------------------------------------------------------------------------

NOTEBOOK_CLIENT = [
    "client = AzureOpenAI(\n",
    '    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],\n',
    '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n',
    '    api_version="2024-10-21",\n',
    ")\n",
]
ASK = [
    'hi = [{"role": "user", "content": "hi"}]\n',
    'answer = client.chat.completions.create(model="gpt-4o", messages=hi)\n',
    "print(answer.choices[0].message.content)",
]


def notebook(*sources: list[str]) -> bytes:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"cell-{i}",
            "metadata": {},
            "outputs": [],
            "source": s,
        }
        for i, s in enumerate(sources)
    ]
    doc = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode()


def _crlf(lines: list[str]) -> list[str]:
    return [line.replace("\n", "\r\n") for line in lines]


# Characters str.splitlines splits on that "\n"-only splitting (Jupyter's front ends) does not.
SPLITLINES_ONLY = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@dataclass
class NotebookCase:
    name: str
    data: bytes
    migrated: bool  # False: must be left byte for byte, with an error finding
    crlf_cell: int | None = None  # this cell's lines must all end with CRLF
    # nbformat's own splitting (str.splitlines) rather than "\n" only
    splitlines_items: bool = False


def notebook_cases() -> list[NotebookCase]:
    odd_line = f"note = 'a{SPLITLINES_ONLY[:4]}b'  # {SPLITLINES_ONLY}end\n"
    return [
        NotebookCase(
            "crlf.ipynb",
            notebook(
                _crlf(["import os\n", "from openai import AzureOpenAI\n"]),
                _crlf([*NOTEBOOK_CLIENT, *ASK]),
            ),
            True,
            crlf_cell=1,
        ),
        NotebookCase(
            "separators.ipynb",
            notebook(
                ["import os\n", "from openai import AzureOpenAI\n", odd_line],
                [*NOTEBOOK_CLIENT, odd_line, *ASK],
            ),
            True,
        ),
        NotebookCase(
            # As Python's nbformat writes it: the source split with str.splitlines.
            "separators-nbformat.ipynb",
            notebook(
                "import os\nfrom openai import AzureOpenAI\n".splitlines(True),
                ("".join(NOTEBOOK_CLIENT) + odd_line + "".join(ASK)).splitlines(True),
            ),
            True,
            splitlines_items=True,
        ),
        NotebookCase(
            # The notebook's own token provider is defined in a cell that runs after the client.
            "late-provider.ipynb",
            notebook(
                ["import os\n", "from openai import AzureOpenAI\n"],
                [*NOTEBOOK_CLIENT, *ASK],
                [
                    "from azure.identity import (\n",
                    "    ManagedIdentityCredential,\n",
                    "    get_bearer_token_provider,\n",
                    ")\n",
                    "token_provider = get_bearer_token_provider(\n",
                    '    ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID")),\n',
                    '    "https://cognitiveservices.azure.com/.default",\n',
                    ")\n",
                ],
            ),
            True,  # with a provider of its own, defined above the client
        ),
        NotebookCase(
            "plain.ipynb",
            notebook(["import os\n", "from openai import AzureOpenAI\n"], [*NOTEBOOK_CLIENT, *ASK]),
            True,
        ),
    ]


def cell_sources(data: bytes) -> list[list[str]]:
    return [c["source"] for c in json.loads(data)["cells"]]


def program_of(data: bytes) -> str:
    """The code cells, top to bottom, as one program (what a kernel runs, no IPython lines)."""
    return "\n".join("".join(source) for source in cell_sources(data)) + "\n"


def layout_problems(case: NotebookCase, before: bytes, after: bytes) -> list[str]:
    problems = []
    for number, (old, new) in enumerate(
        zip(cell_sources(before), cell_sources(after), strict=False), 1
    ):
        joined = "".join(new)
        expected = joined.splitlines(True) if case.splitlines_items else _jupyter_items(joined)
        if new != expected:
            problems.append(
                f"cell {number}: items {new!r} are not split as the notebook splits them"
            )
        kept = iter(new)
        if not all(any(item == n for n in kept) for item in old if "api_key" not in item):
            problems.append(f"cell {number}: an unchanged line's item was rewritten")
        if case.crlf_cell == number - 1:
            bare = [item for item in new[:-1] if not item.endswith("\r\n")]
            if bare:
                problems.append(f"cell {number} is CRLF but these lines are not: {bare!r}")
    return problems


def _jupyter_items(text: str) -> list[str]:
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def runs_top_to_bottom(program: str, work: Path, migrated: bool) -> list[str]:
    """Run the program with the real openai and azure-identity against loopback services: it
    must finish, and a migrated one must send a managed-identity token and no key."""
    sys.path.insert(0, str(ROOT))
    from tests.e2e.loopback import (
        COGNITIVE_SERVICES_RESOURCE,
        AzureOpenAIEndpoint,
        IdentityEndpoint,
        run_program,
    )

    key = "0123456789abcdef0123456789abcdef"
    script = work / "program.py"
    script.write_text(program, encoding="utf-8")
    with IdentityEndpoint() as identity:
        token = identity.token_for(COGNITIVE_SERVICES_RESOURCE, CLIENT_ID)
        with AzureOpenAIEndpoint(tokens=[token], api_keys=[key]) as aoai:
            env = {
                "AZURE_OPENAI_ENDPOINT": aoai.url,
                "AZURE_CLIENT_ID": CLIENT_ID,
                **identity.env(),
                **({} if migrated else {"AZURE_OPENAI_API_KEY": key}),
            }
            done = run_program(script, env)
            if done.returncode != 0:
                return [f"fails top to bottom: {done.stderr[-400:]}"]
            want = [("bearer", token)] if migrated else [("api-key", key)]
            if aoai.auth_headers_seen() != want:
                return [f"sent {aoai.auth_headers_seen()}, expected {want}"]
    return []


def check_notebooks(scratch: Path, tally: Tally) -> None:
    for case in notebook_cases():
        work = scratch / "notebooks" / case.name.removesuffix(".ipynb")
        work.mkdir(parents=True, exist_ok=True)
        path = work / case.name
        path.write_bytes(case.data)
        run = run_cli(case.name, "--format", "json", cwd=work)
        problems = output_problems(run, "json")
        tally.invalid_outputs += bool(problems)
        after = path.read_bytes()
        if problems:
            tally.check(case.name, problems)
            continue
        doc = json.loads(run.stdout)
        if case.migrated:
            if run.returncode != EXIT_OK or after == case.data:
                problems.append(f"not migrated (exit {run.returncode})")
            problems += layout_problems(case, case.data, after)
        else:
            if after != case.data:
                tally.files_corrupted += 1
                problems.append("a notebook that cannot be migrated whole was changed")
            errors = [
                f
                for f in doc["findings"]
                if f["rule"] == "notebook-cell-order" and f["level"] == "error"
            ]
            if not errors or not any(f["rule"] == "client-manual" for f in doc["findings"]):
                problems.append(f"no error finding says why it was left: {doc['findings']}")
        try:
            json.loads(after)
        except ValueError:
            tally.files_corrupted += 1
            problems.append("the notebook is no longer JSON")
        failing = runs_top_to_bottom(program_of(after), work, case.migrated)
        tally.notebooks_that_fail_top_to_bottom += bool(failing)
        tally.check(case.name, problems + failing)


def measure(scratch: Path) -> dict:
    tally = Tally("outputs")
    check_odd_names(scratch / "names", tally)
    check_notebooks(scratch, tally)
    return tally.figures()


if __name__ == "__main__":
    import pprint
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        pprint.pprint(measure(Path(tmp)))
