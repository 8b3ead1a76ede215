"""The shape of the transforms: no import cycles in codemods/, read-only visitors batched in one
traversal, and LibCST's private API in one module with its version pinned."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path

import libcst as cst
import pytest
import tomllib
from libcst.metadata import MetadataWrapper, PositionProvider
from packaging.requirements import Requirement

from codemods.options import MigrationOptions
from codemods.pipeline import migrate_module

ROOT = Path(__file__).resolve().parent.parent
CODEMODS = ROOT / "codemods"
MODULES = sorted(p.stem for p in CODEMODS.glob("*.py") if p.stem != "__init__")

# Every production module, dotted (codemods.sdks.openai, migrator.engine, ...).
PACKAGE_MODULES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for package in ("codemods", "migrator")
    for p in (ROOT / package).rglob("*.py")
)
# Import cycles not yet taken apart (each pair: the importer, the imported).
PENDING: set[tuple[str, str]] = set()


def _module_path(name: str) -> Path:
    path = ROOT.joinpath(*name.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _imports(name: str) -> set[str]:
    """Production modules ``name`` imports, at run time, in a function or for type checking."""
    tree = ast.parse(_module_path(name).read_text())
    known = set(PACKAGE_MODULES)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                found.add(dotted if dotted in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in known and m != name}


def test_no_import_cycles_in_the_packages():
    graph = {
        name: _imports(name) - {b for a, b in PENDING if a == name} for name in PACKAGE_MODULES
    }
    cycles: list[list[str]] = []

    def walk(name: str, path: list[str]) -> None:
        for nxt in sorted(graph[name]):
            if nxt in path:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in done:
                walk(nxt, [*path, nxt])
        done.add(name)

    done: set[str] = set()
    for name in PACKAGE_MODULES:
        if name not in done:
            walk(name, [name])
    assert cycles == []


def test_no_production_module_over_600_lines():
    sizes = {name: len(_module_path(name).read_text().splitlines()) for name in PACKAGE_MODULES}
    assert {name: n for name, n in sizes.items() if n > 600} == {}


def test_every_production_module_is_imported_by_another_or_is_an_entry_point():
    # Entry points: the console script's module, `python -m`, the packages, and the commands
    # the CLI loads by name.
    entry = {"migrator.quick", "migrator.__main__", "codemods", "migrator"}
    cli = (ROOT / "migrator" / "cli.py").read_text()
    entry |= {name for name in PACKAGE_MODULES if f'"{name.rsplit(".", 1)[-1]}"' in cli}
    sdks = {name for name in PACKAGE_MODULES if name.startswith("codemods.sdks.")}  # discovered
    imported = set().union(*(_imports(name) for name in PACKAGE_MODULES))
    assert set(PACKAGE_MODULES) - imported - entry - sdks == set()


@pytest.mark.parametrize("name", MODULES)
def test_each_codemods_module_imports_on_its_own(name):
    proc = subprocess.run(
        [sys.executable, "-c", f"import codemods.{name}"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_libcst_private_api_is_used_in_one_module_with_the_version_pinned():
    private = re.compile(r"libcst\._|def _handle_metadata_reference|def _instantiate_and_run")
    # positions.py is used by no production code; it leaves the package (issue 16, item 4).
    users = sorted(
        p.name
        for p in [*CODEMODS.glob("*.py"), *(ROOT / "migrator").glob("*.py")]
        if p.name != "positions.py" and private.search(p.read_text())
    )
    assert users == ["libcst_private.py"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (line,) = [d for d in project["dependencies"] if Requirement(d).name == "libcst"]
    specifier = Requirement(line).specifier
    assert any(s.operator == "<" for s in specifier), line  # an upper bound: a release not checked
    assert specifier.contains(version("libcst"))


class _Recorder(cst.CSTVisitor):
    """Records what it is called on; skips the subtree of every import and of ``skip_in``."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, skip_in: str) -> None:
        super().__init__()
        self.skip_in = skip_in
        self.events: list[tuple[str, str, int]] = []

    def _event(self, kind: str, node: cst.CSTNode) -> None:
        line = self.get_metadata(PositionProvider, node).start.line
        self.events.append((kind, type(node).__name__, line))

    def visit_Import(self, node: cst.Import) -> bool:
        self._event("visit", node)
        return False

    def leave_Import(self, original_node: cst.Import) -> None:
        self._event("leave", original_node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._event("visit", node)
        return node.name.value != self.skip_in

    def visit_Name(self, node: cst.Name) -> None:
        self._event("visit", node)

    def leave_Call(self, original_node: cst.Call) -> None:
        self._event("leave", original_node)


SOURCE = textwrap.dedent(
    """\
    import os, sys
    def skipped(a):
        return f(a)
    def seen(b):
        import json
        return g(b, os)
    h(sys)
    """
)


def test_batched_visitors_see_what_they_see_alone_skips_included():
    from codemods import batched

    alone = [_Recorder("skipped"), _Recorder("seen")]
    for visitor in alone:
        MetadataWrapper(cst.parse_module(SOURCE)).visit(visitor)
    wrapper = MetadataWrapper(cst.parse_module(SOURCE))
    together = [_Recorder("skipped"), _Recorder("seen")]
    batched.visit(wrapper.module, together, wrapper)
    assert [v.events for v in together] == [v.events for v in alone]
    assert alone[0].events != alone[1].events  # each skips its own part


def test_read_only_visitors_run_in_one_traversal(monkeypatch):
    module = cst.parse_module(
        textwrap.dedent(
            """\
            import os
            from openai import AzureOpenAI

            client = AzureOpenAI(api_key=os.environ["KEY"], azure_endpoint="https://x.openai.azure.com")
            client.chat.completions.create(model="m", messages=[])
            """
        )
    )
    visits: list[str] = []
    real = cst.Module.visit

    def counting(self, visitor):  # type: ignore[no-untyped-def]
        if self is module and type(visitor).__module__.startswith("codemods."):
            visits.append(type(visitor).__name__)  # (LibCST's own, resolving metadata, not counted)
        return real(self, visitor)

    monkeypatch.setattr(cst.Module, "visit", counting)
    new, outcome = migrate_module(module, MigrationOptions(credential="default"))
    assert "azure_ad_token_provider=token_provider" in new.code
    assert [c.outcome for c in outcome.clients] == ["migrated"]
    # one pass of every read-only visitor, one of the transforms
    assert visits == ["_Batch", "KeylessMigration"]
