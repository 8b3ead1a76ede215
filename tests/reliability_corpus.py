"""Hostile and odd inputs, generated here, each with the outcome the tool must give.

Shared by ``tests/test_hostile.py`` (run in the default suite) and ``bench/reliability.py``
(the figures in the README). Nothing in this module imports the tool: the corpus is run
through the real command line, ``python -m migrator``, in a separate process.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What a file with one key-based client looks like; most cases wrap this in something odd.
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

TEMP_PREFIX = ".aoai-migrate-"

EXIT_OK, EXIT_FAILED = 0, 3


@dataclass
class Case:
    """One input tree and what must come of it.

    ``outcomes`` maps a file (relative to the tree) to ``changed``, ``unchanged`` or ``failed``;
    every file not ``changed`` must be byte-for-byte as it was. ``reason`` is a piece of text
    the report must give for the failed files. ``check`` runs extra checks on the migrated tree.
    """

    name: str
    category: str
    files: dict[str, bytes]
    outcomes: dict[str, str]
    exit_code: int
    reason: str | None = None
    args: tuple[str, ...] = (".",)
    setup: Callable[[Path], None] | None = None
    check: Callable[[Path], None] | None = None
    links: dict[str, str] = field(
        default_factory=dict
    )  # link path -> target (as written in the link)
    notice: str | None = None  # a piece of text one finding's message must hold


def _crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def _notebook(cells: list[dict], nbformat: int = 4) -> bytes:
    return json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": nbformat, "nbformat_minor": 5}, indent=1
    ).encode()


def _code_cell(source: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": source.splitlines(True),
    }


def _big_module(target_bytes: int) -> bytes:
    """A generated module of about ``target_bytes``, with one client at the end."""
    chunk = "".join(
        f"def handler_{{n}}_{i}(event, context):\n    total = 0\n    for item in event['items']:\n"
        f"        total += item * {i}\n    return {{{{'status': 200, 'total': total}}}}\n\n\n"
        for i in range(4)
    )
    parts, size, n = [], 0, 0
    while size < target_bytes:
        text = chunk.format(n=n)
        parts.append(text)
        size += len(text)
        n += 1
    return ("".join(parts) + CLIENT).encode()


def _is_migrated(path: Path, encoding: str = "utf-8") -> None:
    data = path.read_bytes()
    text = data.decode(encoding)
    assert "azure_ad_token_provider=token_provider" in text, text[-2000:]
    assert "AZURE_OPENAI_API_KEY" not in text.split("azure_ad_token_provider")[0][-400:]
    compile(data, str(path), "exec", dont_inherit=True)


def _keeps(
    path: str,
    *,
    crlf: bool = False,
    bom: bool = False,
    encoding: str = "utf-8",
    final_newline: bool = True,
):
    def check(root: Path) -> None:
        p = root / path
        data = p.read_bytes()
        _is_migrated(p, "utf-8-sig" if bom else encoding)
        assert data.startswith(b"\xef\xbb\xbf") == bom
        if crlf:
            assert data.count(b"\n") == data.count(b"\r\n"), "a bare LF crept into a CRLF file"
        else:
            assert b"\r\n" not in data
        assert data.endswith(b"\n") == final_newline

    return check


def cases(big_bytes: int = 5_000_000) -> list[Case]:
    client_cr = CLIENT.replace("\n", "\r").encode()
    mixed = CLIENT.encode().replace(b"import os\n", b"import os\r\n").replace(b"\n)\n", b"\r\n)\n")
    latin1 = (
        "# -*- coding: latin-1 -*-\n# Café, naïve, résumé\n" + CLIENT + 'GREETING = "¡Olé!"\n'
    ).encode("latin-1")
    deep_parens = ("(" * 5000 + "1" + ")" * 5000 + "\n").encode()
    deep_lists = ("x = " + "[" * 3000 + "]" * 3000 + "\n").encode()
    long_chain = ("x = " + " + ".join(["a"] * 60_000) + "\n").encode()
    deep_calls = ("x = " + "f(" * 2000 + ")" * 2000 + "\n").encode()
    c = CLIENT.encode()
    out: list[Case] = [
        # -- source text -------------------------------------------------------------------
        Case(
            "syntax-error",
            "syntax",
            {"bad.py": c + b"def broken(:\n    pass\n"},
            {"bad.py": "failed"},
            EXIT_FAILED,
            "cannot parse (line 9)",
        ),
        Case(
            "unclosed-call",
            "syntax",
            {"bad.py": b"from openai import AzureOpenAI\nclient = AzureOpenAI(api_key=\n"},
            {"bad.py": "failed"},
            EXIT_FAILED,
            "cannot parse",
        ),
        Case(
            "python2-print",
            "syntax",
            {"py2.py": c + b'print "hello"\n'},
            {"py2.py": "failed"},
            EXIT_FAILED,
            "cannot parse",
        ),
        Case(
            "python2-except",
            "syntax",
            {"py2.py": c + b"try:\n    pass\nexcept Exception, e:\n    pass\n"},
            {"py2.py": "failed"},
            EXIT_FAILED,
            "cannot parse",
        ),
        Case(
            "invalid-utf8",
            "encoding",
            {"bytes.py": c + b'NAME = "\xff\xfe caf\xe9"\n'},
            {"bytes.py": "failed"},
            EXIT_FAILED,
            "cannot decode",
        ),
        Case(
            "unknown-cookie",
            "encoding",
            {"cookie.py": b"# -*- coding: klingon -*-\n" + c},
            {"cookie.py": "failed"},
            EXIT_FAILED,
            "cannot",
        ),
        Case(
            "latin1-cookie",
            "encoding",
            {"latin.py": latin1},
            {"latin.py": "changed"},
            EXIT_OK,
            check=_keeps("latin.py", encoding="latin-1"),
        ),
        Case(
            "utf8-bom",
            "encoding",
            {"bom.py": b"\xef\xbb\xbf" + c},
            {"bom.py": "changed"},
            EXIT_OK,
            check=_keeps("bom.py", bom=True),
        ),
        Case(
            "crlf",
            "line-endings",
            {"crlf.py": _crlf(CLIENT)},
            {"crlf.py": "changed"},
            EXIT_OK,
            check=_keeps("crlf.py", crlf=True),
        ),
        Case(
            "crlf-bom",
            "line-endings",
            {"both.py": b"\xef\xbb\xbf" + _crlf(CLIENT)},
            {"both.py": "changed"},
            EXIT_OK,
            check=_keeps("both.py", crlf=True, bom=True),
        ),
        Case(
            "mixed-endings",
            "line-endings",
            {"mixed.py": mixed},
            {"mixed.py": "changed"},
            EXIT_OK,
            check=lambda r: _is_migrated(r / "mixed.py"),
        ),
        Case(
            "lone-cr",
            "line-endings",
            {"cr.py": client_cr},
            {"cr.py": "changed"},
            EXIT_OK,
            check=lambda r: _is_migrated(r / "cr.py"),
        ),
        Case(
            "tabs",
            "whitespace",
            {
                "tabs.py": b"import os\nfrom openai import AzureOpenAI\n\n\ndef make():\n\treturn AzureOpenAI(\n\t\tapi_key=os.environ['K'],\n\t\tazure_endpoint='https://x.openai.azure.com',\n\t)\n"
            },
            {"tabs.py": "changed"},
            EXIT_OK,
            check=lambda r: _is_migrated(r / "tabs.py"),
        ),
        Case(
            "form-feed",
            "whitespace",
            {"ff.py": c.replace(b"\nclient", b"\n\x0c\nclient")},
            {"ff.py": "changed"},
            EXIT_OK,
            check=lambda r: _is_migrated(r / "ff.py"),
        ),
        Case("empty-file", "whitespace", {"empty.py": b""}, {"empty.py": "unchanged"}, EXIT_OK),
        Case(
            "only-key-name",
            "whitespace",
            {"k.py": b"AZURE_OPENAI_API_KEY"},
            {"k.py": "unchanged"},
            EXIT_OK,
        ),
        Case(
            "no-final-newline",
            "whitespace",
            {"nofinal.py": c.rstrip(b"\n")},
            {"nofinal.py": "changed"},
            EXIT_OK,
            check=lambda r: _is_migrated(r / "nofinal.py"),
        ),
        Case(
            "big-generated",
            "size",
            {"big.py": _big_module(big_bytes)},
            {"big.py": "failed"},
            EXIT_FAILED,
            "too large to parse",
        ),
        Case(
            "deep-parens",
            "recursion",
            {"deep.py": c + deep_parens},
            {"deep.py": "failed"},
            EXIT_FAILED,
            "nested too deeply",
        ),
        Case(
            "deep-lists",
            "recursion",
            {"deep.py": c + deep_lists},
            {"deep.py": "failed"},
            EXIT_FAILED,
            "nested too deeply",
        ),
        Case(
            "deep-calls",
            "recursion",
            {"deep.py": c + deep_calls},
            {"deep.py": "failed"},
            EXIT_FAILED,
            "nested too deeply",
        ),
        Case(
            "long-chain",
            "recursion",
            {"chain.py": c + long_chain},
            {"chain.py": "failed"},
            EXIT_FAILED,
            "nested too deeply",
        ),
        # -- notebooks ---------------------------------------------------------------------
        Case(
            "notebook-invalid-json",
            "notebook",
            {
                "nb.ipynb": b'{"cells": [{"cell_type": "code", "source": ["from openai import AzureOpenAI"'
            },
            {"nb.ipynb": "failed"},
            EXIT_FAILED,
            "JSON",
        ),
        Case(
            "notebook-nbformat3",
            "notebook",
            {
                "old.ipynb": json.dumps(
                    {
                        "nbformat": 3,
                        "nbformat_minor": 0,
                        "metadata": {},
                        "worksheets": [
                            {
                                "cells": [
                                    {
                                        "cell_type": "code",
                                        "input": CLIENT.splitlines(True),
                                        "language": "python",
                                        "outputs": [],
                                    }
                                ]
                            }
                        ],
                    }
                ).encode()
            },
            {"old.ipynb": "unchanged"},
            EXIT_OK,
            notice="nbformat 3 notebook",
        ),
        Case(
            "notebook-no-code",
            "notebook",
            {
                "md.ipynb": _notebook(
                    [
                        {
                            "cell_type": "markdown",
                            "metadata": {},
                            "source": ["# AzureOpenAI(api_key=...)\n"],
                        }
                    ]
                )
            },
            {"md.ipynb": "unchanged"},
            EXIT_OK,
        ),
        Case(
            "notebook-empty-cells",
            "notebook",
            {"none.ipynb": _notebook([])},
            {"none.ipynb": "unchanged"},
            EXIT_OK,
        ),
        Case(
            "notebook-ok",
            "notebook",
            {"ok.ipynb": _notebook([_code_cell(CLIENT)])},
            {"ok.ipynb": "changed"},
            EXIT_OK,
        ),
        # -- file system -------------------------------------------------------------------
        Case(
            "space-and-non-ascii-path",
            "filesystem",
            {"my app/clients ünï 客户.py": c},
            {"my app/clients ünï 客户.py": "changed"},
            EXIT_OK,
            check=lambda r: _is_migrated(r / "my app/clients ünï 客户.py"),
        ),
        Case(
            "directory-named-like-a-file",
            "filesystem",
            {"pkg.py/inner.py": c},
            {"pkg.py/inner.py": "changed"},
            EXIT_OK,
        ),
        Case(
            "directory-named-like-a-file-given",
            "filesystem",
            {"pkg.py/inner.py": c},
            {"pkg.py/inner.py": "changed"},
            EXIT_OK,
            args=("pkg.py",),
        ),
        Case(
            "symlink-loop-walked",
            "filesystem",
            {"real.py": c},
            {"real.py": "changed"},
            EXIT_OK,
            links={"a.py": "b.py", "b.py": "a.py", "sub/up": ".."},
        ),
        Case(
            "symlink-loop-given",
            "filesystem",
            {"real.py": c},
            {"real.py": "unchanged"},
            EXIT_FAILED,
            "cannot read",
            args=("a.py",),
            links={"a.py": "b.py", "b.py": "a.py"},
        ),
        Case(
            "link-outside-the-tree",
            "filesystem",
            {"tree/own.py": c, "outside/theirs.py": c},
            {"tree/own.py": "changed", "outside/theirs.py": "unchanged"},
            EXIT_OK,
            args=("tree",),
            links={"tree/link.py": "../outside/theirs.py", "tree/linkdir": "../outside"},
        ),
        Case(
            "dangling-link",
            "filesystem",
            {"own.py": c},
            {"own.py": "changed"},
            EXIT_OK,
            links={"gone.py": "nowhere.py"},
        ),
        Case(
            "read-only-file",
            "filesystem",
            {"ro.py": c, "rw.py": c},
            {"ro.py": "failed", "rw.py": "changed"},
            EXIT_FAILED,
            "read-only",
            setup=lambda r: os.chmod(r / "ro.py", 0o444),
        ),
    ]
    return out


def build(case: Case, root: Path) -> None:
    for rel, data in case.files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    for rel, target in case.links.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, p)
    if case.setup is not None:
        case.setup(root)


def tree_hashes(root: Path) -> dict[str, str]:
    """Every regular file under ``root`` (links not followed) and its sha256."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            p = Path(dirpath, name)
            if p.is_symlink():
                out[str(p.relative_to(root))] = "link:" + os.readlink(p)
            else:
                out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
        for name in dirnames:
            p = Path(dirpath, name)
            if p.is_symlink():
                out[str(p.relative_to(root))] = "link:" + os.readlink(p)
    return out


def leftovers(root: Path) -> list[str]:
    return sorted(str(p) for p in root.rglob(f"{TEMP_PREFIX}*"))


def run_cli(
    *args: str, cwd: Path, timeout: float = 300, **popen
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(NO_COLOR="1", TERM="dumb", COLUMNS="200", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        **popen,
    )


@dataclass
class Verdict:
    case: str
    category: str
    problems: list[str]
    corrupted: int  # files the tool did not migrate that are no longer byte-for-byte as they were


def verify(case: Case, root: Path) -> Verdict:
    """Build the case under ``root`` (an empty directory), run the CLI, and list what went wrong."""
    build(case, root)
    before = tree_hashes(root)
    proc = run_cli(*case.args, "--format", "json", "--jobs", "1", cwd=root)
    problems: list[str] = []
    out = proc.stdout + proc.stderr
    if "Traceback" in out:
        problems.append(f"traceback in the output:\n{out[-3000:]}")
    if proc.returncode != case.exit_code:
        problems.append(f"exit {proc.returncode}, expected {case.exit_code}:\n{out[-3000:]}")
    statuses: dict[str, dict] = {}
    doc: dict = {}
    try:
        doc = json.loads(proc.stdout)
        statuses = {os.path.normpath(f["path"]): f for f in doc["files"]}
    except (ValueError, KeyError) as exc:
        problems.append(f"no JSON report ({exc}): {out[-2000:]}")
    after = tree_hashes(root)
    corrupted = 0
    for rel, outcome in case.outcomes.items():
        shown = statuses.get(rel)
        if outcome == "changed":
            if before.get(rel) == after.get(rel):
                problems.append(f"{rel}: expected a change, the file is as it was")
        elif before.get(rel) != after.get(rel):
            corrupted += 1
            problems.append(f"{rel}: expected {outcome}, but its bytes changed")
        if (
            shown is not None
            and outcome != shown["status"]
            and not (outcome == "unchanged" and shown["status"] == "skipped")
        ):
            problems.append(
                f"{rel}: expected {outcome}, report says {shown['status']} ({shown.get('error')})"
            )
    if case.notice and not any(
        case.notice in f["message"] for f in (doc.get("findings", []) if statuses else [])
    ):
        problems.append(f"no finding says {case.notice!r}")
    if case.reason:
        errors = [f.get("error") or "" for f in statuses.values() if f["status"] == "failed"]
        if not any(case.reason in e for e in errors):
            problems.append(f"no failed file with the reason {case.reason!r}: {errors}")
    for rel, digest in before.items():  # files no case names: never touched
        if rel not in case.outcomes and after.get(rel) != digest:
            corrupted += 1
            problems.append(f"{rel}: not part of the migration, but changed")
    if leftovers(root):
        problems.append(f"temporary files left: {leftovers(root)}")
    if case.check is not None and not problems:
        try:
            case.check(root)
        except AssertionError as exc:
            problems.append(f"check failed: {exc}")
    return Verdict(case.name, case.category, problems, corrupted)


# -- interruptions ---------------------------------------------------------------------------------


def client_tree(root: Path, n: int = 100) -> None:
    """``n`` modules with a client each (some with filler code, to make the run last), and a few without."""
    for i in range(n):
        sub = root / f"pkg{i % 7}"
        sub.mkdir(parents=True, exist_ok=True)
        filler = "".join(
            f"\n\ndef step_{i}_{j}(x):\n    return [x * {j} for _ in range({j})]\n"
            for j in range(i % 5)
        )
        (sub / f"mod_{i}.py").write_bytes((CLIENT + filler + f"\nprint(client, {i})\n").encode())
    for i in range(5):
        (root / f"plain_{i}.py").write_bytes(f"VALUE = {i}\n".encode())


def file_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@dataclass
class Interruption:
    signal: str
    delay: float
    exit_code: int
    finished_first: bool  # the run had ended before the signal was sent
    migrated: int  # files found fully migrated afterwards
    untouched: int
    problems: list[str]


def interrupt_once(
    original: dict[str, bytes], migrated: dict[str, bytes], work: Path, sig: int, delay: float
) -> Interruption:
    """Copy the tree into ``work``, start a run, send ``sig`` to its process group after ``delay`` s."""
    import shutil
    import signal as signals
    import time

    if work.exists():
        shutil.rmtree(work)
    for rel, data in original.items():
        p = work / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(NO_COLOR="1", TERM="dumb", PYTHONIOENCODING="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "migrator", ".", "--jobs", "2"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the signal reaches the workers too, as Ctrl-C does
    )
    time.sleep(delay)
    finished_first = proc.poll() is not None
    if not finished_first:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            finished_first = True
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signals.SIGKILL)
        out, err = proc.communicate()
        return Interruption(
            signals.Signals(sig).name,
            delay,
            proc.returncode,
            finished_first,
            0,
            0,
            ["the run did not stop within 60 s"],
        )
    if sig == signals.SIGKILL:
        try:  # workers of a killed parent: make sure none lingers and writes later
            os.killpg(proc.pid, signals.SIGKILL)
        except ProcessLookupError:
            pass
    text = (out + err).decode("utf-8", "replace")
    problems: list[str] = []
    after = file_bytes(work)
    n_migrated = n_untouched = 0
    for rel, before in original.items():
        now = after.get(rel)
        if now == before:
            n_untouched += 1
        elif now == migrated[rel]:
            n_migrated += 1
        else:
            problems.append(
                f"{rel}: neither as it was nor fully migrated ({None if now is None else len(now)} bytes)"
            )
    extra = sorted(set(after) - set(original))
    if extra:
        problems.append(f"files the run left behind: {extra}")
    if sig == signals.SIGINT:
        if "Traceback" in text:
            problems.append(f"traceback after Ctrl-C:\n{text[-3000:]}")
        if finished_first:
            if proc.returncode != 0:
                problems.append(f"exit {proc.returncode} for a run that finished:\n{text[-2000:]}")
        elif proc.returncode == 130:
            if "interrupted" not in err.decode("utf-8", "replace"):
                problems.append(f"no message on stderr after Ctrl-C:\n{text[-2000:]}")
        elif proc.returncode != 0:  # 0: it ended between the check and the signal
            problems.append(f"exit {proc.returncode} after Ctrl-C, expected 130:\n{text[-2000:]}")
    return Interruption(
        signals.Signals(sig).name,
        delay,
        proc.returncode,
        finished_first,
        n_migrated,
        n_untouched,
        problems,
    )


def migrated_copy(original: dict[str, bytes], work: Path) -> dict[str, bytes]:
    """What the whole tree becomes when a run is left to finish."""
    for rel, data in original.items():
        p = work / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    proc = run_cli(".", "--jobs", "2", cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return file_bytes(work)


# -- secrets ---------------------------------------------------------------------------------------

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _key(seed: int, length: int) -> str:
    import random

    rng = random.Random(seed)
    alphabet = "0123456789abcdef" if length == 32 else _ALNUM
    return "".join(rng.choice(alphabet) for _ in range(length))


# Recognisable values in the two shapes Azure keys have: 32 hex digits, and 84 characters.
KEYS = {
    "literal api_key": _key(1, 32),
    "module constant": _key(2, 84),
    "getenv default": _key(3, 32),
    "notebook": _key(4, 84),
    ".env": _key(5, 84),
    "local.settings.json": _key(6, 32),
    "azure.yaml": _key(7, 32),
}

MARKER = "EXECUTED-MARKER"


def plant_secrets(root: Path) -> None:
    """A small app whose keys sit everywhere people put them, and code that writes a marker file
    if anything ever imports or runs it."""
    ep = 'azure_endpoint="https://contoso.openai.azure.com", api_version="2024-10-21"'
    side_effect = f'open({MARKER!r}, "w").write("imported")\n'
    files = {
        "app.py": f'from openai import AzureOpenAI\n{side_effect}client = AzureOpenAI({ep}, api_key="{KEYS["literal api_key"]}")\n'
        'print(client.chat.completions.create(model="gpt-4o", messages=[]))\n',
        "settings.py": f'from openai import AzureOpenAI\n\nAPI_KEY = "{KEYS["module constant"]}"\n{side_effect}'
        f"client = AzureOpenAI({ep}, api_key=API_KEY)\nclient.embeddings.create(model='e', input='x')\n",
        "envdefault.py": f'import os\nfrom openai import AzureOpenAI\n\nif __name__ == "__main__":\n    {side_effect}'
        f'client = AzureOpenAI({ep}, api_key=os.getenv("AZURE_OPENAI_API_KEY", "{KEYS["getenv default"]}"))\n',
        "__init__.py": side_effect,
        "setup.py": side_effect,
        "conftest.py": side_effect,
        "requirements.txt": "openai>=1.40\n",
        ".env": f"AZURE_OPENAI_ENDPOINT=https://contoso.openai.azure.com\nAZURE_OPENAI_API_KEY={KEYS['.env']}\n",
        "local.settings.json": json.dumps(
            {"IsEncrypted": False, "Values": {"AZURE_OPENAI_API_KEY": KEYS["local.settings.json"]}},
            indent=2,
        )
        + "\n",
        "azure.yaml": f"name: app\nservices:\n  api:\n    env:\n      AZURE_OPENAI_API_KEY: {KEYS['azure.yaml']}\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    cell = f'from openai import AzureOpenAI\n{side_effect}client = AzureOpenAI({ep}, api_key="{KEYS["notebook"]}")\n'
    (root / "explore.ipynb").write_bytes(_notebook([_code_cell(cell)]))


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def secret_outputs(base: Path) -> list[tuple[str, str]]:
    """Every output the tool makes from the planted tree: (label, text)."""
    import shutil

    outputs: list[tuple[str, str]] = []
    src = base / "src"
    plant_secrets(src)

    def fresh(name: str) -> Path:
        dest = base / name
        shutil.copytree(src, dest, symlinks=True)
        return dest

    def record(label: str, proc: subprocess.CompletedProcess[str]) -> None:
        outputs.append((label, proc.stdout + proc.stderr))

    record("text (write)", run_cli(".", "--jobs", "1", cwd=fresh("write")))
    record(
        "text --verbose", run_cli(".", "--verbose", "--check", "--jobs", "1", cwd=fresh("verbose"))
    )
    for fmt in ("json", "sarif", "github"):
        record(
            f"--format {fmt}",
            run_cli(".", "--check", "--format", fmt, "--jobs", "1", cwd=fresh(f"fmt-{fmt}")),
        )
    for fmt in ("az", "bicep", "terraform", "json"):
        record(
            f"roles --roles-format {fmt}",
            run_cli("roles", ".", "--roles-format", fmt, cwd=fresh(f"roles-{fmt}")),
        )
    out = fresh("roles-out")
    proc = run_cli(
        ".", "--roles-format", "json", "--roles-out", "roles.json", "--jobs", "1", cwd=out
    )
    record("migrate --roles-out", proc)
    if (out / "roles.json").exists():
        outputs.append(("roles-out file", (out / "roles.json").read_text()))
    record("--dry-run diff", run_cli(".", "--dry-run", "--jobs", "1", cwd=fresh("dry")))
    # batch: table, CSV and JSON summaries, and the commit message
    repo = fresh("repo")
    for args in (
        ("init", "-q", "-b", "main"),
        ("add", "-A"),
        ("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "app"),
    ):
        _git(repo, *args)
    proc = run_cli(
        "batch", str(repo), "--summary", str(base / "rollout.csv"), "--jobs", "1", cwd=base
    )
    record("batch table", proc)
    for name in ("rollout.csv",):
        if (base / name).exists():
            outputs.append((f"batch --summary {name}", (base / name).read_text()))
    _git(repo, "branch", "-D", "aoai-migrate/keyless") if "aoai-migrate/keyless" in _git(
        repo, "branch"
    ) else None
    proc = run_cli(
        "batch", str(repo), "--summary", str(base / "rollout.json"), "--jobs", "1", cwd=base
    )
    if (base / "rollout.json").exists():
        outputs.append(("batch --summary rollout.json", (base / "rollout.json").read_text()))
    if "aoai-migrate/keyless" in _git(repo, "branch"):
        outputs.append(
            ("batch commit message", _git(repo, "log", "-1", "--format=%B", "aoai-migrate/keyless"))
        )
    return outputs


def leaks(outputs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(output, which key) for every key value found in an output."""
    return [(label, where) for label, text in outputs for where, key in KEYS.items() if key in text]
