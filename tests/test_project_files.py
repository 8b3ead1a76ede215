"""The post-run step: project roots, the repository boundary, and the run modes, through api.run."""

from __future__ import annotations

from pathlib import Path

from migrator import api
from migrator.engine import MODE_CHECK, MODE_DIFF, MODE_WRITE

CLIENT = "import os\nfrom openai import AzureOpenAI\nc = AzureOpenAI(api_key=os.environ['AZURE_OPENAI_API_KEY'])\n"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def by_path(report) -> dict[str, object]:
    return {r.path: r for r in report.results}


def test_each_project_root_gets_its_own_dependencies(tmp_path: Path):
    write(
        tmp_path,
        {
            "api/requirements.txt": "openai\n",
            "api/app.py": CLIENT,
            "worker/requirements.txt": "openai\nrq\n",
            "worker/jobs/run.py": CLIENT.replace("AzureOpenAI", "AsyncAzureOpenAI"),
        },
    )
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    assert (tmp_path / "api/requirements.txt").read_text() == "openai\nazure-identity>=1.15.0\n"
    assert (
        tmp_path / "worker/requirements.txt"
    ).read_text() == "openai\nazure-identity>=1.15.0\nrq\n"  # no aiohttp: nothing uses .aio
    assert report.changed == 4 and report.return_code == 0


def test_the_repository_top_is_the_limit_and_is_found_from_a_subdirectory(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, {"requirements.txt": "openai\n", "src/app/main.py": CLIENT})
    report = api.run([str(tmp_path / "src")], mode=MODE_CHECK, jobs=1)
    assert report.return_code == 1
    assert str(tmp_path / "requirements.txt") in by_path(report)
    assert (tmp_path / "requirements.txt").read_text() == "openai\n"  # --check writes nothing


def test_no_dependency_file_is_reported(tmp_path: Path):
    write(tmp_path, {"app.py": CLIENT})
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    [notice] = by_path(report)[str(tmp_path)].notices
    assert notice.rule == "no-dependency-file"
    # Paths are named relative to the tree the run was given, never as absolute temp paths.
    assert "the packages of app.py: declare azure-identity>=1.15.0" in notice.message
    assert "no dependency file" in report.render_text()


def test_dry_run_shows_the_dependency_diff_and_writes_nothing(tmp_path: Path):
    write(
        tmp_path,
        {
            "requirements.txt": "openai\n",
            "app.py": CLIENT,
            ".env": "AZURE_OPENAI_API_KEY=abc123secretvalue\n",
        },
    )
    report = api.run([str(tmp_path)], mode=MODE_DIFF, jobs=1)
    results = by_path(report)
    requirements = results[str(tmp_path / "requirements.txt")]
    assert requirements.diff.endswith(" openai\n+azure-identity>=1.15.0\n")
    assert (tmp_path / "requirements.txt").read_text() == "openai\n"
    [env] = results[str(tmp_path / ".env")].notices
    assert env.rule == "key-config" and "abc123secretvalue" not in report.render_text()


def test_nothing_is_done_when_nothing_was_migrated(tmp_path: Path):
    write(
        tmp_path,
        {
            "requirements.txt": "openai\n",
            "app.py": "print('hi')\n",
            ".env": "AZURE_OPENAI_API_KEY=x\n",
        },
    )
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    assert [r.path for r in report.results] == [str(tmp_path / "app.py")]


def test_an_aio_search_client_adds_azure_identity_and_no_aiohttp(tmp_path: Path):
    # Its credential runs the sync one in a worker thread: azure.identity.aio is not used.
    write(
        tmp_path,
        {
            "requirements.txt": "azure-search-documents\n",
            "app.py": "from azure.core.credentials import AzureKeyCredential\n"
            "from azure.search.documents.aio import SearchClient\n"
            "c = SearchClient(E, 'hotels', AzureKeyCredential(K))\n",
        },
    )
    api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    requirements = (tmp_path / "requirements.txt").read_text()
    assert "azure-identity" in requirements and "aiohttp" not in requirements
