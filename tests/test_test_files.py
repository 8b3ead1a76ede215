"""Test code (pytest and unittest conventions) is left alone unless --include-tests is given.

The corpus in ``tests/precision/tests_with_mocks/`` is test code written the way public test
suites write it: mocked transports, ``unittest.mock.patch``, respx routes, conftest fixtures with
dummy keys, ``*_test.py`` next to the code. A token provider there would make the tests ask for a
real token, so every file must come out byte for byte, with one info line each.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from migrator.testcode import find_test_files, is_test_path
from tests.clitools import cli

CORPUS = Path(__file__).parent / "precision" / "tests_with_mocks"

APP = (
    "import os\n"
    "from openai import AzureOpenAI\n"
    "\n"
    "client = AzureOpenAI(\n"
    '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n'
    '    azure_endpoint="https://contoso.openai.azure.com",\n'
    '    api_version="2024-10-21",\n'
    ")\n"
)


def _corpus_files() -> list[str]:
    return sorted(
        p.relative_to(CORPUS).as_posix()
        for p in CORPUS.rglob("*")
        if p.is_file() and p.suffix in (".py", ".ipynb")
    )


def _copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(CORPUS, project)
    (project / "src").mkdir()
    (project / "src" / "app.py").write_text(APP)  # not test code: migrated as ever
    return project


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _findings(out: str) -> list[dict]:
    return json.loads(out)["findings"]


def test_the_corpus_is_large_enough():
    assert len(_corpus_files()) >= 10


def test_test_files_are_left_byte_identical_and_listed(tmp_path):
    project = _copy(tmp_path)
    before = _snapshot(project)
    out = cli(["migrate", ".", "--format", "json"], cwd=project)
    after = _snapshot(project)
    for name in _corpus_files():
        assert after[name] == before[name], name
    assert after["src/app.py"] != before["src/app.py"]  # the application itself is migrated
    findings = _findings(out.stdout)
    skipped = {f["file"].removeprefix("./") for f in findings if f["rule"] == "test-file-skipped"}
    assert skipped == set(_corpus_files())
    for f in findings:
        if f["rule"] == "test-file-skipped":
            assert f["level"] == "note"
            assert "pass --include-tests to migrate it" in f["message"]
    # Nothing else is said about the test files: no migrated client, no literal-key warning.
    others = {f["file"].removeprefix("./") for f in findings if f["rule"] != "test-file-skipped"}
    assert not others & set(_corpus_files())


def test_include_tests_migrates_them(tmp_path):
    project = _copy(tmp_path)
    before = _snapshot(project)
    cli(["migrate", ".", "--include-tests"], cwd=project)
    after = _snapshot(project)
    changed = {name for name in _corpus_files() if after[name] != before[name]}
    assert "tests/unit/test_chat_client.py" in changed
    assert "app/embeddings_test.py" in changed
    assert "tests/notebooks/smoke_test_notebook.ipynb" in changed
    assert b"azure_ad_token_provider" in after["tests/unit/test_chat_client.py"]


def test_include_tests_from_the_configuration(tmp_path):
    project = _copy(tmp_path)
    (project / "pyproject.toml").write_text("[tool.aoai-migrate]\ninclude-tests = true\n")
    before = (project / "tests/test_respx_routes.py").read_bytes()
    cli(["migrate", "."], cwd=project)
    assert (project / "tests/test_respx_routes.py").read_bytes() != before


def test_a_test_file_named_on_the_command_line_is_left_too(tmp_path):
    # pre-commit names every file: naming one is no reason to migrate a test.
    project = _copy(tmp_path)
    before = _snapshot(project)
    out = cli(
        ["migrate", "tests/unit/test_chat_client.py", "app/test_search.py", "--format", "json"],
        cwd=project,
    )
    assert _snapshot(project) == before
    assert [f["rule"] for f in _findings(out.stdout)] == ["test-file-skipped"] * 2


def test_a_project_under_a_test_named_directory_is_not_test_code(tmp_path):
    # pytest's tmp_path is /tmp/pytest-of-USER/pytest-N/test_NAME0/: a path above the one given
    # on the command line never makes a file test code.
    project = tmp_path / "tests" / "test_case0" / "proj"
    project.mkdir(parents=True)
    (project / "app.py").write_text(APP)
    cli(["migrate", str(project)])
    assert (project / "app.py").read_text() != APP
    named = tmp_path / "test" / "service.py"
    named.parent.mkdir()
    named.write_text(APP)
    cli(["migrate", str(named)])
    assert named.read_text() != APP


@pytest.mark.parametrize(
    ("path", "root", "expected"),
    [
        ("proj/tests/helpers.py", "proj", True),
        ("proj/test/x.py", "proj", True),
        ("proj/pkg/test_x.py", "proj", True),
        ("proj/pkg/x_test.py", "proj", True),
        ("proj/conftest.py", "proj", True),
        ("proj/tests/nb.ipynb", "proj", True),
        ("proj/pkg/testing.py", "proj", False),
        ("proj/pkg/test_data.json", "proj", False),
        ("proj/pkg/contest.py", "proj", False),
        ("proj/latest/x.py", "proj", False),
        ("proj/test_x0/app.py", "proj", False),  # a directory is judged by its whole name
        ("tests/app.py", "tests/app.py", True),  # named, written relative: as written
        ("tests", "tests", False),
        ("/tmp/tests/app.py", "/tmp/tests/app.py", False),  # named, absolute: its name only
        ("/tmp/tests/test_app.py", "/tmp/tests/test_app.py", True),
        ("/tmp/tests/p/app.py", "/tmp/tests/p", False),
        ("/tmp/p/tests/app.py", "/tmp/p", True),
    ],
)
def test_is_test_path(path, root, expected):
    path, root = path.replace("/", os.sep), root.replace("/", os.sep)
    assert is_test_path(path, root) is expected


def test_test_paths_finds_each_files_root():
    files = ["a/tests/x.py", "a/app.py", "./conftest.py", "b.py", "/abs/tests/c.py"]
    roots = ["a", ".", "b.py", "/abs/tests/c.py"]
    assert find_test_files(roots, files) == {"a/tests/x.py", "./conftest.py"}
