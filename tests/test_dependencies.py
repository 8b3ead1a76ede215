"""Dependency files: minimal text edits that keep each file's layout, and reports for what is not ours to edit."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.dependencies import (
    decide,
    ensure,
    environment_layout,
    needs_for,
    poetry_layout,
    project_layout,
    requirements_layout,
    setup_cfg_layout,
    update_root,
)

IDENTITY = needs_for(True, False, False)
ASYNC = needs_for(True, True, False)
V1 = needs_for(True, False, True)


@pytest.mark.parametrize(
    "spec, flavor, verdict, new",
    [
        (">=1.40", "pep508", "raise", ">=1.106.0"),
        (">1.0, <2", "pep508", "raise", ">=1.106.0, <2"),
        ("<2", "pep508", "raise", ">=1.106.0,<2"),
        ("", "pep508", "raise", ">=1.106.0"),
        ("~=1.50", "pep508", "raise", "~=1.106"),
        (">=1.106.0", "pep508", "ok", None),
        (">=2", "pep508", "ok", None),
        ("==3.57.0", "pep508", "ok", None),
        ("==1.40.0", "pep508", "excluded", None),
        ("~=1.50.0", "pep508", "excluded", None),
        ("<1.100", "pep508", "excluded", None),
        ("<=1.106.0", "pep508", "raise", ">=1.106.0,<=1.106.0"),
        ("==1.*", "pep508", "pinned", None),
        ("^1.30", "poetry", "raise", "^1.106.0"),
        ("^0.28", "poetry", "excluded", None),
        ("~1.30", "poetry", "excluded", None),
        ("1.40.0", "poetry", "excluded", None),
        ("*", "poetry", "raise", ">=1.106.0"),
        (">=1.0 <2.0", "poetry", "raise", ">=1.106.0 <2.0"),
        ("^2.0", "poetry", "ok", None),
        ("=1.30", "conda", "excluded", None),
        (">=1.0", "conda", "raise", ">=1.106.0"),
        ("1.2 || 2.0", "poetry", "unknown", None),
    ],
)
def test_decide(spec, flavor, verdict, new):
    result = decide(spec, flavor, "1.106.0")
    assert (result.kind, result.new_spec) == (verdict, new)


def edit(text: str, layout, needs=IDENTITY, label="f"):
    return ensure(text, layout, needs, label)


# -- requirements*.txt ----------------------------------------------------------------------------------


def test_requirements_added_after_openai_with_comments_kept():
    text = "# runtime\nopenai>=1.40  # the SDK\nrequests\n\n# more\nfastapi\n"
    new, notices = edit(text, requirements_layout, ASYNC)
    assert (
        new
        == "# runtime\nopenai>=1.40  # the SDK\nazure-identity>=1.15.0\naiohttp>=3.0\nrequests\n\n# more\nfastapi\n"
    )
    assert [(n.line, n.rule) for n in notices] == [(3, "dependency-added"), (4, "dependency-added")]


def test_requirements_sorted_file_stays_sorted():
    new, _ = edit("fastapi==0.110\nopenai==1.99.0\nrequests\n", requirements_layout, ASYNC)
    assert new == "aiohttp>=3.0\nazure-identity>=1.15.0\nfastapi==0.110\nopenai==1.99.0\nrequests\n"


@pytest.mark.parametrize(
    "before, after",
    [
        ("openai", "openai\nazure-identity>=1.15.0"),  # no final newline before, none after
        ("openai\r\nrequests\r\n", "openai\r\nazure-identity>=1.15.0\r\nrequests\r\n"),
        ("", "azure-identity>=1.15.0\n"),
    ],
)
def test_requirements_line_endings(before, after):
    new, _ = edit(before, requirements_layout)
    assert new == after


def test_requirements_lower_bound_raised_in_place():
    text = "openai[datalib]<2 ; python_version >= '3.9'  # pinned below 2\nAzure_Identity==1.20.0\n"
    new, notices = edit(text, requirements_layout, V1)
    assert (
        new
        == "openai[datalib]>=1.106.0,<2 ; python_version >= '3.9'  # pinned below 2\nAzure_Identity==1.20.0\n"
    )
    assert [(n.line, n.rule, n.severity) for n in notices] == [(1, "dependency-raised", "info")]


def test_an_exact_pin_is_reported_never_changed():
    text = "openai==1.40.0\nazure-identity==1.12.0\n"
    new, notices = edit(text, requirements_layout, V1)
    assert new == text
    assert [(n.line, n.rule) for n in notices] == [
        (2, "dependency-pinned"),
        (1, "dependency-pinned"),
    ]
    assert "openai==1.40.0 excludes 1.106.0" in notices[1].message


def test_options_urls_and_includes_are_not_entries():
    text = "-r base.txt\n--index-url https://example.invalid/simple\ngit+https://x.invalid/openai.git\nmypkg @ file:///x\n"
    assert requirements_layout(text).entries == []


# -- pyproject.toml: [project] ----------------------------------------------------------------------------

PROJECT = """\
[build-system]
requires = ["setuptools"]

[project]
name = "app"
dependencies = [
    "openai>=1.40",  # chat
    'requests',
]

[project.optional-dependencies]
dev = ["pytest"]
"""


def test_project_dependencies_item_added_after_openai():
    new, notices = edit(PROJECT, project_layout, V1)
    assert new == PROJECT.replace(
        '    "openai>=1.40",  # chat\n',
        '    "openai>=1.106.0",  # chat\n    "azure-identity>=1.15.0",\n',
    )
    assert [(n.line, n.rule) for n in notices] == [
        (8, "dependency-added"),
        (7, "dependency-raised"),
    ]


def test_project_dependencies_without_trailing_comma():
    text = '[project]\nname = "a"\ndependencies = [\n  "openai",\n  "httpx"\n]\n'
    new, _ = edit(text, project_layout)
    assert (
        new
        == '[project]\nname = "a"\ndependencies = [\n  "openai",\n  "azure-identity>=1.15.0",\n  "httpx"\n]\n'
    )
    new, _ = edit('[project]\ndependencies = [\n  "httpx",\n  "openai"\n]\n', project_layout)
    assert (
        new
        == '[project]\ndependencies = [\n  "httpx",\n  "openai",\n  "azure-identity>=1.15.0"\n]\n'
    )


@pytest.mark.parametrize(
    "before, after",
    [
        (
            '[project]\ndependencies = ["openai", "httpx"]\n',
            '[project]\ndependencies = ["openai", "azure-identity>=1.15.0", "httpx"]\n',
        ),
        (
            "[project]\ndependencies = []\n",
            '[project]\ndependencies = ["azure-identity>=1.15.0"]\n',
        ),
        (
            "[project]\ndependencies = ['zzz']\n",
            "[project]\ndependencies = ['zzz', 'azure-identity>=1.15.0']\n",
        ),
    ],
)
def test_project_dependencies_on_one_line(before, after):
    assert edit(before, project_layout)[0] == after


def test_project_without_dependencies_key_is_not_a_layout():
    assert project_layout('[project]\nname = "a"\ndynamic = ["dependencies"]\n') is None
    assert project_layout("[tool.ruff]\nline-length = 100\n") is None


# -- pyproject.toml: Poetry --------------------------------------------------------------------------------

POETRY = """\
[tool.poetry]
name = "svc"

[tool.poetry.dependencies]
python = "^3.10"
openai = "^1.30"
httpx = { version = "^0.27", extras = ["http2"] }

[tool.poetry.group.dev.dependencies]
pytest = "^8"
"""


def test_poetry_entry_added_and_caret_raised():
    new, notices = edit(POETRY, poetry_layout, V1)
    assert new == POETRY.replace(
        'openai = "^1.30"\n', 'openai = "^1.106.0"\nazure-identity = "^1.15.0"\n'
    )
    assert {n.rule for n in notices} == {"dependency-added", "dependency-raised"}


def test_poetry_inline_table_version_and_exact_pin():
    text = '[tool.poetry.dependencies]\nopenai = { version = "1.40.0", extras = ["datalib"] }\n'
    new, notices = edit(text, poetry_layout, V1)
    assert new == text + 'azure-identity = "^1.15.0"\n'
    assert any(n.rule == "dependency-pinned" for n in notices)


# -- setup.cfg and environment.yml ------------------------------------------------------------------------


def test_setup_cfg_install_requires():
    text = "[metadata]\nname = a\n\n[options]\npackages = find:\ninstall_requires =\n    openai>=1.40\n    requests\n\n[options.extras_require]\ndev = pytest\n"
    new, _ = edit(text, setup_cfg_layout)
    assert new == text.replace(
        "    openai>=1.40\n", "    openai>=1.40\n    azure-identity>=1.15.0\n"
    )


def test_setup_cfg_one_line_value_is_reported():
    text = "[options]\ninstall_requires = openai\n"
    new, notices = edit(text, setup_cfg_layout)
    assert new == text and notices[0].rule == "dependency-manual"


ENVIRONMENT = """\
name: chat
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
      - openai>=1.40  # from PyPI
      - tiktoken
"""


def test_environment_pip_section():
    new, _ = edit(ENVIRONMENT, environment_layout, V1)
    assert new == ENVIRONMENT.replace(
        "      - openai>=1.40  # from PyPI\n",
        "      - openai>=1.106.0  # from PyPI\n      - azure-identity>=1.15.0\n",
    )


def test_environment_conda_section():
    text = "dependencies:\n- python=3.11\n- openai=1.30\n- numpy\n"
    new, notices = edit(text, environment_layout, V1)
    assert new == "dependencies:\n- python=3.11\n- openai=1.30\n- azure-identity>=1.15.0\n- numpy\n"
    assert any(n.rule == "dependency-pinned" and "openai=1.30" in n.message for n in notices)


# -- a project root ----------------------------------------------------------------------------------------


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def changed(changes) -> dict[str, str]:
    return {c.path.name: c.new.decode() for c in changes if c.new != c.old}


def test_runtime_files_are_edited_and_dev_files_left(tmp_path: Path):
    write(
        tmp_path,
        {
            "requirements.txt": "openai\n",
            "requirements-dev.txt": "-r requirements.txt\npytest\nopenai\n",
        },
    )
    assert changed(update_root(tmp_path, IDENTITY)) == {
        "requirements.txt": "openai\nazure-identity>=1.15.0\n"
    }


def test_every_file_that_declares_openai_is_edited(tmp_path: Path):
    write(
        tmp_path,
        {
            "requirements.txt": "openai\n",
            "pyproject.toml": '[project]\ndependencies = ["openai"]\n',
            "README.md": "openai\n",
        },
    )
    assert set(changed(update_root(tmp_path, IDENTITY))) == {"requirements.txt", "pyproject.toml"}


def test_compiled_and_hashed_requirements_are_reported(tmp_path: Path):
    write(
        tmp_path,
        {
            "requirements.in": "openai\n",
            "requirements.txt": "# This file is autogenerated by pip-compile with Python 3.11\nopenai==1.99.0\n",
            "requirements-lock.txt": "openai==1.99.0 \\\n    --hash=sha256:00\n",
        },
    )
    changes = update_root(tmp_path, IDENTITY)
    assert changed(changes) == {"requirements.in": "openai\nazure-identity>=1.15.0\n"}
    reported = {c.path.name: c.notices[0].message for c in changes if c.new == c.old}
    assert (
        "generated (pip-compile)" in reported["requirements.txt"]
        and "requirements.in" in reported["requirements.txt"]
    )
    assert "pins hashes" in reported["requirements-lock.txt"]


@pytest.mark.parametrize(
    "link, target, shown",
    [
        ("requirements.txt", "../outside/reqs.txt", "requirements.txt is a symbolic link"),
        ("pyproject.toml", "../outside/pyproject.toml", "pyproject.toml is a symbolic link"),
        ("requirements", "../outside", "requirements is a symbolic link"),
    ],
)
def test_a_linked_dependency_file_is_reported_not_written_through(
    tmp_path: Path, link: str, target: str, shown: str
):
    outside, tree = tmp_path / "outside", tmp_path / "tree"
    texts = {
        "reqs.txt": "openai\n",
        "base.txt": "openai\n",
        "pyproject.toml": '[project]\ndependencies = ["openai"]\n',
    }
    write(outside, texts)
    tree.mkdir()
    (tree / link).symlink_to(target)
    changes = update_root(tree, IDENTITY)
    assert changes and changed(changes) == {}
    assert all(shown in n.message and "by hand" in n.message for c in changes for n in c.notices)
    assert {p.name: p.read_text() for p in outside.iterdir()} == texts


def test_setup_py_is_reported_not_edited(tmp_path: Path):
    write(
        tmp_path, {"setup.py": "from setuptools import setup\nsetup(install_requires=['openai'])\n"}
    )
    [change] = update_root(tmp_path, IDENTITY)
    assert change.new == change.old and "by hand" in change.notices[0].message


def test_v1_client_and_openai_not_declared(tmp_path: Path):
    write(tmp_path, {"requirements.txt": "langchain\n"})
    changes = update_root(tmp_path, V1)
    assert changed(changes) == {"requirements.txt": "langchain\nazure-identity>=1.15.0\n"}
    assert any("openai is not declared" in n.message for c in changes for n in c.notices)


# -- packaging decides: exclusions, pre-releases, Poetry's operators -------------------------------


@pytest.mark.parametrize(
    "spec, flavor, verdict, new",
    [
        # "!=1.106.*" excludes versions; it is no lower bound.
        (">=1.105,!=1.106.*", "pep508", "raise", ">=1.106.0,!=1.106.*"),
        ("!=1.106.*", "pep508", "raise", ">=1.106.0,!=1.106.*"),
        ("!=1.2", "poetry", "raise", ">=1.106.0,!=1.2"),
        # A pre-release comes before its release.
        ("==1.106.0rc1", "pep508", "excluded", None),
        (">=1.106.0rc1", "pep508", "raise", ">=1.106.0"),
        ("==1.106.*", "pep508", "ok", None),
        ("^1.106.0rc1", "poetry", "raise", "^1.106.0"),
        ("~=1.106.0", "pep508", "ok", None),
        ("^0.0.3", "poetry", "excluded", None),
        ("~1", "poetry", "pinned", None),  # >=1,<2: a tilde is not rewritten
    ],
)
def test_decide_with_packaging(spec, flavor, verdict, new):
    result = decide(spec, flavor, "1.106.0")
    assert (result.kind, result.new_spec) == (verdict, new)


def test_an_excluded_series_does_not_satisfy_the_minimum():
    new, notices = edit("openai>=1.105,!=1.106.*\n", requirements_layout, V1)
    assert new == "openai>=1.106.0,!=1.106.*\nazure-identity>=1.15.0\n"
    assert [(n.line, n.rule) for n in notices] == [
        (2, "dependency-added"),
        (1, "dependency-raised"),
    ]


def test_a_release_candidate_pin_is_reported():
    text = "openai==1.106.0rc1\n"
    new, notices = edit(text, requirements_layout, needs_for(False, False, True))
    assert new == text
    assert [n.rule for n in notices] == ["dependency-pinned"]


# -- pyproject.toml through tomlkit: line endings, comments, extras --------------------------------


def test_project_crlf_file_keeps_its_line_endings_and_comments():
    text = PROJECT.replace("\n", "\r\n")
    new, notices = edit(text, project_layout, V1)
    assert new == text.replace(
        '    "openai>=1.40",  # chat\r\n',
        '    "openai>=1.106.0",  # chat\r\n    "azure-identity>=1.15.0",\r\n',
    )
    assert [(n.line, n.rule) for n in notices] == [
        (8, "dependency-added"),
        (7, "dependency-raised"),
    ]


def test_poetry_crlf_file_keeps_its_line_endings_and_comments():
    text = POETRY.replace('openai = "^1.30"', 'openai = "^1.30"  # the SDK').replace("\n", "\r\n")
    new, _ = edit(text, poetry_layout, V1)
    assert new == text.replace(
        'openai = "^1.30"  # the SDK\r\n',
        'openai = "^1.106.0"  # the SDK\r\nazure-identity = "^1.15.0"\r\n',
    )


def test_poetry_literal_quotes_and_inline_table_version_raised():
    text = "[tool.poetry.dependencies]\nopenai = { version = '>=1.0', extras = ['x'] }  # sdk\n"
    new, notices = edit(text, poetry_layout, needs_for(False, False, True))
    assert new == text.replace("'>=1.0'", "'>=1.106.0'")
    assert [(n.line, n.rule) for n in notices] == [(2, "dependency-raised")]


def test_project_optional_dependencies_are_raised_and_new_packages_go_to_dependencies():
    text = (
        '[project]\nname = "a"\ndependencies = ["httpx"]\n\n'
        "[project.optional-dependencies]\n"
        "# the model client\n"
        "ai = ['openai>=1.40,<3']  # pinned below 3\n"
    )
    new, notices = edit(text, project_layout, V1)
    assert new == text.replace('["httpx"]', '["httpx", "azure-identity>=1.15.0"]').replace(
        "'openai>=1.40,<3'", "'openai>=1.106.0,<3'"
    )
    assert [(n.line, n.rule) for n in notices] == [
        (3, "dependency-added"),
        (7, "dependency-raised"),
    ]


def test_a_pyproject_that_is_not_valid_toml_is_reported_not_edited(tmp_path: Path):
    text = '[project]\ndependencies = [\n  "openai>=1.40",\n  "openai>=1.50",\n]\n[project]\n'
    write(tmp_path, {"pyproject.toml": text})
    [change] = update_root(tmp_path, V1)
    assert change.new == change.old == text.encode()
    assert [n.rule for n in change.notices] == ["dependency-manual"]
    assert "not valid TOML" in change.notices[0].message
