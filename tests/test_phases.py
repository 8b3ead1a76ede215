"""A run's phases over data in memory: each file read and parsed once, the tree walked once,
and in-place, ``--dry-run`` and ``--check`` runs agreeing on every finding and role."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import libcst
import pytest

from codemods.options import MigrationOptions
from migrator import api, engine
from migrator.engine import MODE_CHECK, MODE_DIFF, MODE_WRITE

ROOT = Path(__file__).resolve().parents[1]

# A module that builds a client and defines, below it, a helper that calls ``files.create`` on
# whatever client it is given; another module passes the client to that helper.
CROSS = {
    "clients.py": (
        "# file: clients\n"
        "import os\n"
        "from openai import AzureOpenAI\n"
        "\n"
        "\n"
        "def upload(c):\n"
        '    return c.files.create(file=b"x", purpose="fine-tune")\n'
        "\n"
        "\n"
        'client = AzureOpenAI(azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"], '
        'api_key=os.environ["AZURE_OPENAI_API_KEY"], api_version="2024-10-21")\n'
    ),
    "app.py": "# file: app\nfrom clients import client, upload\n\nupload(client)\n",
}

# Two client modules, one using the other's client: nothing a slice leaves out receives a client.
PLAIN = {
    "one.py": (
        "# file: one\n"
        "import os\n"
        "from openai import AzureOpenAI\n"
        "\n"
        "\n"
        "def unrelated(x):\n"
        "    return x + 1\n"
        "\n"
        "\n"
        'client = AzureOpenAI(azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"], '
        'api_key=os.environ["AZURE_OPENAI_API_KEY"], api_version="2024-10-21")\n'
        'client.chat.completions.create(model="m", messages=[])\n'
    ),
    "two.py": (
        "# file: two\n"
        "import os\n"
        "from openai import AzureOpenAI\n"
        "\n"
        "from one import client as first\n"
        "\n"
        "\n"
        "def helper(y):\n"
        "    return y * 2\n"
        "\n"
        "\n"
        'second = AzureOpenAI(azure_endpoint=os.environ["OTHER_ENDPOINT"], '
        'api_key=os.environ["OTHER_KEY"], api_version="2024-10-21")\n'
        'second.embeddings.create(model="m", input="x")\n'
        'first.files.create(file=b"x", purpose="batch")\n'
    ),
}


def _tree(root: Path, sources: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in sources.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _findings_and_roles(stdout: str) -> list[str]:
    """The finding lines (one per client, with its role) and the role assignments block (a dry
    run prints its diffs first, the report after them)."""
    lines = stdout.splitlines()
    # --check and --dry-run say "would migrate" for what they did not write.
    lines = [line.replace(": would migrate:", ": migrated:") for line in lines]
    findings = [line for line in lines if line.startswith("./") and ": migrated:" in line]
    start = lines.index("Role assignments the keyless code needs:")
    return findings + lines[start:-1]  # the summary line says "migrated" or "would be migrated"


def test_a_client_passed_across_modules_gets_the_same_role_in_place_dry_run_and_check(tmp_path):
    outputs = {}
    for mode in ("in-place", "--dry-run", "--check"):
        tree = _tree(tmp_path / mode.strip("-"), CROSS)
        run = _cli(tree, ".", *([] if mode == "in-place" else [mode, "--roles"]))
        assert run.returncode in (0, 1), run.stderr
        outputs[mode] = _findings_and_roles(run.stdout + run.stderr)
    contributor = "[role: Cognitive Services OpenAI Contributor]"
    assert any(contributor in line for line in outputs["in-place"])
    assert "clients.py:7 files.create" in "\n".join(outputs["in-place"])
    assert outputs["in-place"] == outputs["--dry-run"] == outputs["--check"]
    # The in-place run did write the module.
    assert "token_provider" in (tmp_path / "in-place" / "clients.py").read_text()


# The key comes from a subscript of a name (``CONFIG["key"]``), which the JSON-schema step
# follows: it must not parse the module again when nothing in it loads JSON.
LOOKUP = {
    "lookup.py": (
        "# file: lookup\n"
        "from openai import AzureOpenAI\n"
        "\n"
        "from settings import CONFIG\n"
        "\n"
        'client = AzureOpenAI(azure_endpoint=CONFIG["endpoint"], api_key=CONFIG["key"], '
        'api_version="2024-10-21")\n'
        'client.chat.completions.create(model="m", messages=[])\n'
    ),
    "settings.py": (
        "# file: settings\n"
        "import os\n"
        "\n"
        'CONFIG = {"endpoint": os.environ["E"], "key": os.environ["K"]}\n'
    ),
}


@pytest.fixture
def counted(monkeypatch):
    """LibCST parses and whole-module retries per file, told apart by each file's first line."""
    parses: dict[str, int] = {}
    retries: dict[str, int] = {}

    def name_of(data: str | bytes) -> str:
        text = data.decode() if isinstance(data, bytes) else data
        return text.split("\n", 1)[0].removeprefix("# file: ")

    real_parse = libcst.parse_module

    def parse_module(source, *args, **kwargs):  # type: ignore[no-untyped-def]
        parses[name_of(source)] = parses.get(name_of(source), 0) + 1
        return real_parse(source, *args, **kwargs)

    real_migrate = engine._migrate_source

    def migrate(data, options, filename=None, sliced=True, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not sliced:
            retries[name_of(data)] = retries.get(name_of(data), 0) + 1
        return real_migrate(data, options, filename, sliced, *args, **kwargs)

    monkeypatch.setattr(libcst, "parse_module", parse_module)
    monkeypatch.setattr(engine, "_migrate_source", migrate)
    return parses, retries


@pytest.mark.parametrize("mode", [MODE_WRITE, MODE_DIFF, MODE_CHECK])
@pytest.mark.parametrize(
    "sources", [CROSS, PLAIN, LOOKUP], ids=["passed-to-a-helper", "imported", "config-lookup"]
)
def test_each_client_file_is_parsed_once_plus_once_per_whole_retry(
    tmp_path, counted, sources, mode
):
    parses, retries = counted
    root = _tree(tmp_path, sources)
    report = api.run([str(root)], MigrationOptions(), mode, jobs=1)
    clients = {Path(r.path).stem for r in report.results if r.clients}
    assert clients
    for name in clients:
        assert parses.get(name, 0) == 1 + retries.get(name, 0), (name, parses, retries)
    if sources is PLAIN:
        assert retries == {} and parses == {"one": 1, "two": 1}


KEY_LINE = "AZURE_OPENAI_API_KEY=not-a-real-key\n"
# Key configuration where the discovery walk goes (the top, .github) and where only the
# key-configuration scan goes (a gitignored directory, an excluded one); a virtual environment
# neither enters.
CONFIG = {
    ".gitignore": "secrets/\n",
    ".env": KEY_LINE,
    "secrets/.env": KEY_LINE,
    "build/.env": KEY_LINE,
    ".github/workflows/ci.yml": "jobs:\n  a:\n    env:\n      K: ${{ secrets.AZURE_OPENAI_API_KEY }}\n",
    "venv/pyvenv.cfg": "",
    "venv/.env": KEY_LINE,
}


def test_the_console_script_walks_the_tree_once(tmp_path, monkeypatch, capsys):
    """The quick path finds files that need a parse: the full command goes on from its walk, and
    so does the key-configuration scan of the project files: no directory is listed twice."""
    from migrator import discovery

    sources = {**PLAIN, "pkg/__init__.py": "", "pkg/plain.py": "print(1)\n", **CONFIG}
    root = _tree(tmp_path / "tree", sources)
    walks: list[list[str]] = []
    real_iter_files = discovery.iter_files

    def iter_files(paths, *args, **kwargs):  # type: ignore[no-untyped-def]
        walks.append(list(paths))
        return real_iter_files(paths, *args, **kwargs)

    listed: Counter[str] = Counter()
    real_scandir = os.scandir

    def scandir(path="."):  # type: ignore[no-untyped-def]
        listed[os.path.abspath(path)] += 1
        return real_scandir(path)

    real_walk = os.walk

    def walk(top, *args, **kwargs):  # type: ignore[no-untyped-def]
        listed[f"os.walk {os.path.abspath(top)}"] += 1
        return real_walk(top, *args, **kwargs)

    monkeypatch.setattr(discovery, "iter_files", iter_files)
    monkeypatch.setattr(api, "iter_files", iter_files)
    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "walk", walk)
    monkeypatch.chdir(root)
    from migrator.quick import main

    with pytest.raises(SystemExit) as exit_:
        main(["--check", "--jobs", "1", "."])
    out = capsys.readouterr().out
    assert exit_.value.code == 1  # the full command ran: files would be migrated
    assert walks == [["."]]
    # The key configuration was found where it is, the virtual environment left alone...
    reported = sorted(line.split(":")[0] for line in out.splitlines() if ": key-config: " in line)
    assert reported == ["./.env", "./.github/workflows/ci.yml", "./build/.env", "./secrets/.env"]
    # ... and each directory was listed once, those the walk leaves out by the scan.
    twice = {path: n for path, n in listed.items() if n > 1}
    assert twice == {}
    assert {str(root / "secrets"), str(root / "build")} <= set(listed)
    assert not any(key.startswith("os.walk") for key in listed)


def test_a_run_resolves_scopes_once_per_tree_and_reads_visitor_classes_once(tmp_path, monkeypatch):
    """The cost beyond the parse: each tree LibCST analyses gets its expression contexts, scopes
    and positions once, and no traversal of its own for qualified names (they come from the
    scopes); LibCST's search of a new visitor for matcher decorators reads the methods of each
    class once per run, not ~1,300 attributes per visitor."""
    import functools

    import libcst.matchers._visitors as matcher_visitors
    from libcst.metadata import (
        ExpressionContextProvider,
        PositionProvider,
        QualifiedNameProvider,
        ScopeProvider,
    )

    counts: Counter[str] = Counter()

    def count(cls, name, label):  # type: ignore[no-untyped-def]
        real = getattr(cls, name)

        @functools.wraps(real)  # LibCST finds a provider's visit_ methods by their name
        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            counts[label] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(cls, name, counted)

    for provider in (ExpressionContextProvider, ScopeProvider, QualifiedNameProvider):
        count(provider, "visit_Module", provider.__name__)
    count(PositionProvider, "_gen_impl", "PositionProvider")
    count(matcher_visitors.MatcherDecoratableVisitor, "__init__", "visitors")
    count(matcher_visitors.MatcherDecoratableTransformer, "__init__", "visitors")
    count(matcher_visitors, "is_property", "attribute reads")

    root = _tree(tmp_path, CROSS)
    report = api.run([str(root)], MigrationOptions(), MODE_CHECK, jobs=1)
    assert any(r.clients for r in report.results)
    trees = counts["PositionProvider"]
    assert trees >= 2  # the module, its whole-module retry, the module linked to it
    assert counts["ScopeProvider"] == counts["ExpressionContextProvider"] == trees
    assert counts["QualifiedNameProvider"] == 0
    assert counts["visitors"] >= 5
    assert counts["attribute reads"] <= 250 * counts["visitors"], counts
