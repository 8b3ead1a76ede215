"""Literal keys in every spelling, and clients named where the tool cannot follow them.

Each spelling is a module that hands one planted key to ``AzureOpenAI(api_key=...)``; every
output of the tool (reports in all formats, ``roles``, the dry-run diff, a notebook's diff, batch
tables, summaries, commit message and ``--patch-dir`` patch) is searched for the key, for any
8-character run of it and for each piece it is written in. Each spelling must also give a
``literal-key`` finding on the line the key is written on.

``measure`` runs it all through the real command line (``python -m migrator``, a separate
process) and returns the figures ``bench/reliability.py`` reports.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.reliability_corpus import _code_cell, _git, _notebook, run_cli

ENDPOINT = 'azure_endpoint="https://contoso.openai.azure.com", api_version="2024-10-21"'
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

# Code the migration does not need, so that the slicing step leaves most of each module out and a
# key written far from its client must still be found.
FILLER = "".join(
    f"\n\ndef helper_{i}(items):\n    total = 0\n    for item in items:\n        total += item * {i}\n    return total\n"
    for i in range(12)
)


def _key(seed: int, length: int = 32) -> str:
    rng = random.Random(1000 + seed)
    alphabet = "0123456789abcdef" if length == 32 else _ALNUM
    return "".join(rng.choice(alphabet) for _ in range(length))


@dataclass(frozen=True)
class Spelling:
    name: str
    key: str
    file: str
    source: str  # the module (or, for a notebook, its one code cell)
    pieces: tuple[str, ...] = ()  # the parts the key is written in, when it is split

    @property
    def line(self) -> int:
        """The line the key (its first piece) is written on."""
        first = self.pieces[0] if self.pieces else self.key
        for number, text in enumerate(self.source.splitlines(), 1):
            if first in text:
                return number
        raise AssertionError(f"{self.name}: key not in its source")


def _split(key: str, size: int) -> tuple[str, ...]:
    return tuple(key[i : i + size] for i in range(0, len(key), size))


def spellings() -> list[Spelling]:
    out: list[Spelling] = []

    def add(
        name: str, make, length: int = 32, size: int | None = None, file: str | None = None
    ) -> None:  # type: ignore[no-untyped-def]
        key = _key(len(out), length)
        pieces = _split(key, size) if size else ()
        body = make(key, pieces)
        out.append(Spelling(name, key, file or f"{name.replace('-', '_')}.py", body, pieces))

    head = "import os\nfrom openai import AzureOpenAI\n"

    def client(expr: str, indent: str = "") -> str:
        return f"{indent}client = AzureOpenAI({ENDPOINT}, api_key={expr})\n"

    add("plain", lambda k, p: head + client(f'"{k}"') + FILLER)
    add("f-string", lambda k, p: head + client(f'f"{k}"') + FILLER)
    add("raw-f-string", lambda k, p: head + client(f'rf"{k}"') + FILLER, 84)
    add("bytes-decode", lambda k, p: head + client(f'b"{k}".decode()') + FILLER)
    add("str-call", lambda k, p: head + client(f'str("{k}")') + FILLER)
    add(
        "module-constant", lambda k, p: head + f'API_KEY = "{k}"\n' + FILLER + client("API_KEY"), 84
    )
    add(
        "annotated-constant",
        lambda k, p: head + f'API_KEY: str = "{k}"\n' + FILLER + client("API_KEY"),
    )
    add(
        "class-attribute",
        lambda k, p: (
            head + f'\n\nclass Settings:\n    KEY = "{k}"\n' + FILLER + client("Settings.KEY")
        ),
    )
    add(
        "instance-attribute",
        lambda k, p: (
            head
            + f'\n\nclass Settings:\n    def __init__(self):\n        self.key = "{k}"\n'
            + FILLER
            + "settings = Settings()\n"
            + client("settings.key")
        ),
    )
    add(
        "self-attribute",
        lambda k, p: (
            head
            + f'\n\nclass Service:\n    KEY = "{k}"\n\n    def client(self):\n'
            + f"        return AzureOpenAI({ENDPOINT}, api_key=self.KEY)\n"
            + FILLER
        ),
    )
    add(
        "parameter-default",
        lambda k, p: (
            head
            + f'\n\ndef make(key="{k}"):\n    return AzureOpenAI({ENDPOINT}, api_key=key)\n'
            + FILLER
        ),
    )
    add(
        "keyword-only-default",
        lambda k, p: (
            head
            + f'\n\ndef make(*, key: str = "{k}"):\n    return AzureOpenAI({ENDPOINT}, api_key=key)\n'
            + FILLER
        ),
    )
    add(
        "local-variable",
        lambda k, p: (
            head
            + f'\n\ndef make():\n    key = "{k}"\n    return AzureOpenAI({ENDPOINT}, api_key=key)\n'
            + FILLER
        ),
    )
    add(
        "function-return",
        lambda k, p: (
            head + f'\n\ndef get_key():\n    return "{k}"\n' + FILLER + client("get_key()")
        ),
    )
    add(
        "implicit-concatenation",
        lambda k, p: head + client(" ".join(f'"{x}"' for x in p)) + FILLER,
        size=16,
    )
    add(
        "backslash-continuation",
        lambda k, p: head + client(" \\\n    ".join(f'"{x}"' for x in p)) + FILLER,
        size=16,
    )
    add(
        "parenthesised-lines",
        lambda k, p: (
            head + client("(\n" + "".join(f'        "{x}"\n' for x in p) + "    )") + FILLER
        ),
        84,
        size=21,
    )
    add("short-pieces", lambda k, p: head + client(" ".join(f'"{x}"' for x in p)) + FILLER, size=7)
    add(
        "continued-inside-literal",
        lambda k, p: head + client(f'"{p[0]}\\\n{p[1]}"') + FILLER,
        size=16,
    )
    add("plus", lambda k, p: head + client(" + ".join(f'"{x}"' for x in p)) + FILLER, size=11)
    add(
        "join",
        lambda k, p: head + client('"".join([' + ", ".join(f'"{x}"' for x in p) + "])") + FILLER,
        size=8,
    )
    add(
        "f-string-of-constant",
        lambda k, p: head + f'PART = "{p[1]}"\n' + client(f'f"{p[0]}{{PART}}"') + FILLER,
        size=16,
    )
    add(
        "getenv-default",
        lambda k, p: head + client(f'os.getenv("AZURE_OPENAI_API_KEY", "{k}")') + FILLER,
    )
    add(
        "environ-get-default",
        lambda k, p: head + client(f'os.environ.get("AZURE_OPENAI_API_KEY", "{k}")') + FILLER,
    )
    add(
        "getenv-default-constant",
        lambda k, p: (
            head
            + f'DEFAULT = "{k}"\n'
            + client('os.getenv("AZURE_OPENAI_API_KEY", DEFAULT)')
            + FILLER
        ),
    )
    add(
        "config-dict",
        lambda k, p: (
            head
            + f'CONFIG = {{"api_key": "{k}", "api_version": "2024-10-21"}}\n'
            + FILLER
            + 'client = AzureOpenAI(azure_endpoint="https://contoso.openai.azure.com", **CONFIG)\n'
        ),
    )
    add(
        "config-dict-shared",
        lambda k, p: (
            head
            + f'CONFIG = {{"api_key": "{k}", "api_version": "2024-10-21"}}\n'
            + FILLER
            + 'client = AzureOpenAI(azure_endpoint="https://contoso.openai.azure.com", **CONFIG)\nprint(CONFIG)\n'
        ),
    )
    add(
        "dict-entry",
        lambda k, p: head + f'SECRETS = {{"aoai": "{k}"}}\n' + FILLER + client('SECRETS["aoai"]'),
    )
    add(
        "module-client",
        lambda k, p: (
            f'import openai\n\nopenai.api_type = "azure"\nopenai.api_key = "{k}"\n' + FILLER
        ),
    )
    add("notebook-f-string", lambda k, p: head + client(f'f"{k}"'), file="explore.ipynb")
    add(
        "notebook-concatenation",
        lambda k, p: head + client(" \\\n    ".join(f'"{x}"' for x in p)),
        size=16,
        file="concat.ipynb",
    )
    return out


def plant(root: Path, items: list[Spelling]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "requirements.txt").write_text("openai>=1.40\n")
    for s in items:
        if s.file.endswith(".ipynb"):
            (root / s.file).write_bytes(_notebook([_code_cell(s.source)]))
        else:
            (root / s.file).write_text(s.source)


def fragments(s: Spelling) -> set[str]:
    """What no output may show: the key, every 8-character run of it, each quoted piece."""
    out = {s.key[i : i + 8] for i in range(len(s.key) - 7)}
    out |= {f'"{p}"' for p in s.pieces}
    return out


def outputs(base: Path, items: list[Spelling]) -> list[tuple[str, str]]:
    """Every output the tool makes from the planted tree: (label, text)."""
    src = base / "src"
    plant(src, items)
    found: list[tuple[str, str]] = []

    def fresh(name: str) -> Path:
        dest = base / name
        shutil.copytree(src, dest)
        return dest

    def record(label: str, proc: subprocess.CompletedProcess[str]) -> None:
        found.append((label, proc.stdout + proc.stderr))

    record("text (write)", run_cli(".", "--jobs", "1", cwd=fresh("write")))
    record(
        "text --verbose --check",
        run_cli(".", "--verbose", "--check", "--jobs", "1", cwd=fresh("verbose")),
    )
    for fmt in ("json", "sarif", "github"):
        record(
            f"--format {fmt}",
            run_cli(".", "--check", "--format", fmt, "--jobs", "1", cwd=fresh(f"fmt-{fmt}")),
        )
    for fmt in ("az", "json"):
        record(
            f"roles --roles-format {fmt}",
            run_cli("roles", ".", "--roles-format", fmt, cwd=fresh(f"roles-{fmt}")),
        )
    record("--dry-run diff", run_cli(".", "--dry-run", "--jobs", "1", cwd=fresh("dry")))
    repo = fresh("repo")
    for args in (
        ("init", "-q", "-b", "main"),
        ("add", "-A"),
        ("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "app"),
    ):
        _git(repo, *args)
    patches = base / "patches"
    record(
        "batch --patch-dir table",
        run_cli(
            "batch",
            str(repo),
            "--patch-dir",
            str(patches),
            "--summary",
            str(base / "patch.json"),
            "--jobs",
            "1",
            cwd=base,
        ),
    )
    for p in sorted(patches.glob("*.patch")):
        found.append((f"patch {p.name}", p.read_bytes().decode("utf-8", "replace")))
    record(
        "batch table",
        run_cli(
            "batch", str(repo), "--summary", str(base / "rollout.csv"), "--jobs", "1", cwd=base
        ),
    )
    for name in ("patch.json", "rollout.csv"):
        if (base / name).exists():
            found.append((f"batch --summary {name}", (base / name).read_text()))
    if "aoai-migrate/keyless" in _git(repo, "branch"):
        found.append(
            ("batch commit message", _git(repo, "log", "-1", "--format=%B", "aoai-migrate/keyless"))
        )
    return found


def leaks(found: list[tuple[str, str]], items: list[Spelling]) -> list[tuple[str, str]]:
    """(output, spelling) for every output that shows a spelling's key, or a piece of it."""
    return [
        (label, s.name)
        for label, text in found
        for s in items
        if any(f in text for f in fragments(s))
    ]


def missing_findings(report: dict, items: list[Spelling]) -> list[str]:
    """Spellings without a ``literal-key`` finding on the line the key is written on."""
    at = {(f["file"], f["line"]) for f in report.get("findings", []) if f["rule"] == "literal-key"}
    return [s.name for s in items if (s.file, s.line) not in at]


# -- clients named where the tool cannot follow them --------------------------------------------

UNSEEN = {
    "star-import": "from openai import *\n\nclient = AzureOpenAI(api_key=KEY)\n",
    "alias": "from openai import AzureOpenAI\n\ncls = AzureOpenAI\nclient = cls(api_key=KEY)\n",
    "getattr": 'import openai\n\nclient = getattr(openai, "AzureOpenAI")(api_key=KEY)\n',
    "partial": "from functools import partial\n\nfrom openai import AzureOpenAI\n\nmake = partial(AzureOpenAI, api_key=KEY)\n",
    "subclass": "from openai import AzureOpenAI\n\n\nclass Client(AzureOpenAI):\n    pass\n\n\nclient = Client(api_key=KEY)\n",
    "star-import-elsewhere": "import openai\nfrom .clients import *\n\nclient = AzureOpenAI(api_key=KEY)\n",
}
# Look-alikes: nothing to report.
NOT_UNSEEN = {
    "local-class": "class AzureOpenAI:\n    def __init__(self, api_key):\n        self.api_key = api_key\n\n\nclient = AzureOpenAI(api_key=KEY)\n",
    "star-import-no-sdk": "from mylib import *\n\nclient = AzureOpenAI(api_key=KEY)\n",
    "star-import-local-class": "from openai import *\n\n\nclass AzureOpenAI:\n    pass\n\n\nclient = AzureOpenAI(api_key=KEY)\n",
    "type-uses": (
        "from typing import Optional\n\nfrom openai import AzureOpenAI\n\n\n"
        "def check(client: Optional[AzureOpenAI]) -> AzureOpenAI:\n"
        "    assert isinstance(client, AzureOpenAI)\n    return client\n"
    ),
}


def unseen_findings(base: Path) -> tuple[dict[str, int], int, dict]:
    """(findings per reported case, exit code of --check, the JSON report)."""
    root = base / "unseen"
    root.mkdir(parents=True)
    for name, source in {**UNSEEN, **NOT_UNSEEN}.items():
        (root / f"{name.replace('-', '_')}.py").write_text(
            f"KEY = 'key'\n{source}"
            if "import *" not in source
            else source.replace("\n\n", "\n\nKEY = 'key'\n", 1)
        )
    proc = run_cli(".", "--check", "--format", "json", "--jobs", "1", cwd=root)
    report = json.loads(proc.stdout)
    counts = {name: 0 for name in {**UNSEEN, **NOT_UNSEEN}}
    for f in report["findings"]:
        if f["rule"] == "client-unresolved":
            counts[f["file"].removesuffix(".py").replace("_", "-")] += 1
    return counts, proc.returncode, report


def measure(scratch: Path) -> dict:
    scratch = Path(scratch)
    items = spellings()
    found = outputs(scratch / "secrets", items)
    problems: list[str] = []
    leaked = leaks(found, items)
    problems += [f"{label} shows the key of the {name} spelling" for label, name in leaked]
    report_text = dict(found).get("--format json", "{}")
    try:
        report = json.JSONDecoder().raw_decode(report_text)[0]  # the summary line follows it
    except ValueError:
        report = {}
        problems.append(f"no JSON report: {report_text[-2000:]}")
    missing = missing_findings(report, items)
    problems += [f"no literal-key finding for the {name} spelling" for name in missing]
    corrupted = 0
    written = scratch / "secrets" / "write"
    for s in items:
        if s.file.endswith(".py"):
            data = (written / s.file).read_bytes()
            try:
                compile(data, s.file, "exec", dont_inherit=True)
            except SyntaxError as exc:
                corrupted += 1
                problems.append(f"{s.file} does not compile after the migration: {exc}")
    for label, text in found:
        if "Traceback" in text:
            problems.append(f"traceback in {label}")
    counts, check_exit, _ = unseen_findings(scratch)
    unreported = [n for n in UNSEEN if counts[n] == 0]
    false_reports = [n for n in NOT_UNSEEN if counts[n]]
    problems += [f"unresolved client not reported: {n}" for n in unreported]
    problems += [f"reported a client that is not one: {n}" for n in false_reports]
    tried = len(items) + len(UNSEEN) + len(NOT_UNSEEN)
    bad = {name for _, name in leaked} | set(missing) | set(unreported) | set(false_reports)
    return {
        "category": "secrets",
        "tried": tried,
        "as_expected": tried - len(bad),
        "files_corrupted": corrupted,
        "secrets_leaked": len(leaked),
        "spellings": len(items),
        "outputs_searched": len(found),
        "literal_key_findings_missing": len(missing),
        "unresolved_clients_unreported": len(unreported),
        "unresolved_false_reports": len(false_reports),
        "check_exit_with_only_unresolved": check_exit,
        "problems": problems,
    }
