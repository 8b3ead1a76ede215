"""Organisation-scale batch runs: `--shard K/N` on CI runners, `batch merge`, `--push` to local
bare remotes, `--pr-body-dir`, and the CI recipes of the README run as written."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from migrator import batch_shard

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "examples" / "ci" / "github-actions.yml"
AZURE = ROOT / "examples" / "ci" / "azure-pipelines.yml"
BRANCH = "aoai-migrate/keyless"
FAKE_KEY = "9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a"  # shaped like a 32-character Azure key

KEYED = """\
import os
from openai import AzureOpenAI

client = AzureOpenAI(
    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
    api_version="2024-10-21",
)
"""
LITERAL = f"""\
from openai import AzureOpenAI

embedder = AzureOpenAI(
    azure_endpoint="https://contoso.openai.azure.com",
    api_key="{FAKE_KEY}",
    api_version="2024-10-21",
)
"""
MANUAL = "from openai import AzureOpenAI\n\ndef make(cfg):\n    return AzureOpenAI(**cfg)\n"
PLAIN = "def add(a, b):\n    return a + b\n"
KINDS = ({"app.py": KEYED}, {"embed.py": LITERAL}, {"make.py": MANUAL}, {"util.py": PLAIN})


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
    ):
        monkeypatch.delenv(name, raising=False)


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Setup", "-c", "user.email=setup@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, f"git {args}: {proc.stderr}"
    return proc.stdout.strip()


def make_repo(path: Path, files: dict[str, str], remote: Path | None = None) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch", "main")
    for name, text in files.items():
        (path / name).write_text(text)
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "-m", "initial")
    if remote is not None:
        git(remote.parent, "init", "--quiet", "--bare", remote.name)
        git(path, "remote", "add", "origin", str(remote))
    return path


def make_fleet(root: Path, count: int, remotes: bool = False) -> list[Path]:
    """``root/src/rNN``: four kinds of repository in turn; each with a bare ``origin`` if asked."""
    (root / "remotes").mkdir(parents=True)
    return [
        make_repo(
            root / "src" / f"r{i:02d}",
            KINDS[i % len(KINDS)],
            root / "remotes" / f"r{i:02d}.git" if remotes else None,
        )
        for i in range(count)
    ]


def shim(tmp_path: Path) -> dict[str, str]:
    """An environment where `aoai-migrate` on PATH runs this checkout's code."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    exe = bindir / "aoai-migrate"
    exe.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m migrator "$@"\n')
    exe.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def sh(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def aoai(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["aoai-migrate", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def workflow_steps(path: Path) -> list[str]:
    """Every `run:` (GitHub) or `script:` (Azure) block of a CI file, in order."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("run", "script") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(path.read_text()))
    return found


def github_step(name: str) -> str:
    jobs = yaml.safe_load(GITHUB.read_text())["jobs"]
    for job in jobs.values():
        for step in job["steps"]:
            if step.get("name") == name:
                return step["run"]
    raise AssertionError(f"no step {name!r} in {GITHUB}")


# -- sharding --------------------------------------------------------------------------------


def test_shards_partition_the_list_and_adding_a_repository_moves_only_that_one() -> None:
    identities = [f"remote:https://github.com/contoso/service-{i}" for i in range(200)]
    before = {ident: batch_shard.shard_of(ident, 4) for ident in identities}
    assert set(before.values()) == {1, 2, 3, 4}
    assert min(list(before.values()).count(k) for k in range(1, 5)) > 25  # roughly even
    grown = ["remote:https://github.com/contoso/new-service", *identities]  # added at the front
    after = {ident: batch_shard.shard_of(ident, 4) for ident in grown}
    assert {k: after[k] for k in identities} == before
    # The same in another Python process (str hashes are randomised per process).
    code = (
        "from migrator import batch_shard;"
        f"print([batch_shard.shard_of(i, 4) for i in {identities[:20]!r}])"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="random")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == str([before[i] for i in identities[:20]])


def test_identity_is_the_remote_without_credentials_else_the_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "svc", {"util.py": PLAIN})
    monkeypatch.chdir(tmp_path)
    assert batch_shard.repo_identity(str(repo)) == "path:svc"
    git(repo, "remote", "add", "origin", f"https://bot:{FAKE_KEY}@github.com/contoso/svc.git")
    assert batch_shard.repo_identity(str(repo)) == "remote:https://github.com/contoso/svc.git"
    with pytest.raises(batch_shard.ShardError):
        batch_shard.parse_shard("5/4")
    assert str(batch_shard.parse_shard("2/4")) == "2/4"


# -- 40 repositories: one run, and four shards run by the GitHub workflow's commands + merge ---


def comparable(rows: list[dict]) -> list[dict]:
    drop = ("commit", "position", "push")  # commits carry their time; the rest is merge's
    return [{k: v for k, v in r.items() if k not in drop} for r in rows]


def test_four_shards_merged_give_the_table_of_one_run(tmp_path: Path) -> None:
    one, sharded = tmp_path / "one", tmp_path / "sharded"
    make_fleet(one, 40)
    make_fleet(sharded, 40, remotes=True)
    env = shim(tmp_path)

    single = aoai(one, env, "batch", "src", "--jobs", "2", "--summary", "all.json")
    assert single.returncode == 0, single.stderr
    aoai(one, env, "batch", "src", "--summary", "all.csv")  # a rerun: every row says `done`

    migrate = github_step("Migrate this shard")
    sizes = []
    for k in range(1, 5):
        proc = sh(migrate.replace("${{ matrix.shard }}", str(k)), sharded, env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        sizes.append(
            len(json.loads((sharded / f"results/shard-{k}.json").read_text())["repositories"])
        )
    assert sum(sizes) == 40 and min(sizes) > 0

    summary = tmp_path / "job-summary.md"
    proc = sh(github_step("Rollout table"), sharded, dict(env, GITHUB_STEP_SUMMARY=str(summary)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = summary.read_text()
    assert "40 repositories from 4 shard(s): 20 migrated, 10 already keyless, " in table
    assert "10 needing manual work, 0 failed" in table
    assert table.count("| src/r") == 40

    merged = aoai(
        sharded,
        env,
        "batch",
        "merge",
        *sorted(map(str, (sharded / "results").glob("*.json"))),
        "--format",
        "json",
    )
    assert merged.returncode == 0, merged.stderr
    document = json.loads(merged.stdout)
    expected = json.loads((one / "all.json").read_text())
    assert comparable(document["repositories"]) == comparable(expected["repositories"])
    assert [r["repository"] for r in document["repositories"]] == [
        f"src/r{i:02d}" for i in range(40)
    ]
    assert document["totals"]["pushes"] == {"pushed": 20, "skipped": 20}
    assert document["totals"]["role_assignments"] == [
        {
            "resource": "env:AZURE_OPENAI_ENDPOINT",
            "role": "Cognitive Services OpenAI User",
            "repositories": 20,  # the migrated and the manual-only ones
        },
        {
            "resource": "host:contoso.openai.azure.com",
            "role": "Cognitive Services OpenAI User",
            "repositories": 10,
        },
    ]
    assert "literal-key" in " ".join(document["totals"]["key_sites_left_by_rule"])

    # CSV: the same rows as the one run's CSV, once `done` is read as the `migrated` it was.
    merged_csv = aoai(
        sharded,
        env,
        "batch",
        "merge",
        *map(str, (sharded / "results").glob("*.json")),
        "--format",
        "csv",
    )
    one_rows = list(csv.DictReader(io.StringIO((one / "all.csv").read_text())))
    shard_rows = list(csv.DictReader(io.StringIO(merged_csv.stdout)))
    for a, b in zip(one_rows, shard_rows, strict=True):
        assert {**a, "status": "", "detail": ""} == {**b, "status": "", "detail": ""}
        assert a["status"] in ("done", b["status"])


def write_shard(path: Path, k: int, n: int, list_id: str, repos: list[str], total: int) -> str:
    rows = [
        {"repository": r, "status": "nothing-to-migrate", "position": i}
        for i, r in enumerate(repos)
    ]
    document = {
        "schema_version": batch_shard.RESULTS_SCHEMA_VERSION,
        "shard": {"index": k, "count": n},
        "list": {"id": list_id, "repositories": total},
        "repositories": rows,
    }
    path.write_text(json.dumps(document))
    return str(path)


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing", "shard(s) 2/2 missing"),
        ("twice", "shard 1/2 given twice"),
        ("mixed", "another repository list"),
        ("short", "the shards hold 1 repositories, the list 2"),
        ("version", "schema_version 99"),
    ],
)
def test_merge_refuses_a_missing_duplicated_or_foreign_shard(
    tmp_path: Path, case: str, message: str
) -> None:
    a = write_shard(tmp_path / "a.json", 1, 2, "L1", ["x"], 2)
    b = write_shard(tmp_path / "b.json", 2, 2, "L1", ["y"], 2)
    files = {
        "missing": [a],
        "twice": [a, a, b],
        "mixed": [a, write_shard(tmp_path / "c.json", 2, 2, "L2", ["y"], 2)],
        "short": [a, write_shard(tmp_path / "d.json", 2, 2, "L1", [], 2)],
        "version": [a, b],
    }[case]
    env = shim(tmp_path)
    whole = aoai(tmp_path, env, "batch", "merge", a, b, "--format", "markdown")
    assert whole.returncode == 0 and whole.stdout.count("| nothing-to-migrate |") == 2
    if case == "version":
        data = json.loads(Path(b).read_text())
        Path(b).write_text(json.dumps({**data, "schema_version": 99}))
    proc = aoai(tmp_path, env, "batch", "merge", *files)
    assert proc.returncode == 3 and message in proc.stderr, proc.stderr


# -- --push ------------------------------------------------------------------------------------


def test_push_to_bare_remotes_is_idempotent_and_a_rejection_is_reported(tmp_path: Path) -> None:
    repos = make_fleet(tmp_path, 3, remotes=True)  # r00 keyed, r01 literal key, r02 manual-only
    hook = tmp_path / "remotes" / "r01.git" / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\necho 'policy: no new branches (token {FAKE_KEY})' >&2\nexit 1\n")
    hook.chmod(0o755)
    env = shim(tmp_path)

    first = aoai(
        tmp_path, env, "batch", "src", "--jobs", "1", "--push", "origin", "--summary", "1.json"
    )
    assert first.returncode == 3, first.stdout + first.stderr
    local = git(repos[0], "rev-parse", BRANCH)
    assert git(tmp_path / "remotes" / "r00.git", "rev-parse", BRANCH) == local
    assert "Push to origin: 1 pushed, 1 failed, 1 skipped" in first.stdout
    rows = {
        Path(r["repository"]).name: r
        for r in json.loads((tmp_path / "1.json").read_text())["repositories"]
    }
    rejected = rows["r01"]["push"]
    assert rejected["status"] == "failed" and "policy: no new branches" in rejected["detail"]
    assert FAKE_KEY not in first.stdout + (tmp_path / "1.json").read_text()
    assert "<masked, 32 characters>" in rejected["detail"]
    assert rows["r02"]["push"]["status"] == "skipped"

    hook.unlink()
    again = aoai(tmp_path, env, "batch", "src", "--push", "origin", "--summary", "2.json")
    assert again.returncode == 0, again.stdout + again.stderr
    rows = {
        Path(r["repository"]).name: r
        for r in json.loads((tmp_path / "2.json").read_text())["repositories"]
    }
    assert rows["r00"]["status"] == "done" and rows["r00"]["push"]["status"] == "done"
    assert rows["r01"]["push"]["status"] == "pushed"
    third = aoai(tmp_path, env, "batch", "src", "--push", "origin")
    assert "Push to origin: 2 done, 1 skipped" in third.stdout


# -- --pr-body-dir ---------------------------------------------------------------------------


def test_pr_bodies_hold_no_secret_and_their_commands_parse(tmp_path: Path) -> None:
    make_fleet(tmp_path, 4)
    env = shim(tmp_path)
    proc = aoai(tmp_path, env, "batch", "src", "--pr-body-dir", "bodies", "--system-assigned")
    assert proc.returncode == 0, proc.stderr
    bodies = {p.stem: p.read_text() for p in (tmp_path / "bodies").glob("*.md")}
    assert sorted(bodies) == ["r00", "r01", "r02"]  # r03 has nothing to migrate
    body = bodies["r01"]
    assert FAKE_KEY not in "".join(bodies.values())
    assert FAKE_KEY in (tmp_path / "src" / "r01" / "embed.py").read_text()  # it was there
    for title in (
        "What changed",
        "Needs manual work",
        "Before merging",
        "Check it",
        "key authentication off",
    ):
        assert title in body
    assert "`embed.py:3 openai.AzureOpenAI`" in body and "literal-key" in body

    blocks = re.findall(r"```bash\n(.*?)```", body, re.S)
    az, check = blocks
    assert "az role assignment create" in az and "disableLocalAuth=true" in az
    assert "--role 5e0bd9bd-7b93-4f28-af87-19fc36ad61bd" in az  # OpenAI User, by its id
    syntax = subprocess.run(["bash", "-n"], input=az, capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    import typer.main

    from migrator.cli import app

    words = shlex.split(check)
    assert words[:2] == ["aoai-migrate", "verify"] and "--system-assigned" in words
    command = typer.main.get_command(app).get_command(None, "verify")  # type: ignore[attr-defined]
    context = command.make_context("verify", words[2:])
    assert context.params["system_assigned"] is True
    assert "no role assignment" in bodies["r02"].lower() or "Needs manual work" in bodies["r02"]


# -- the CI recipes --------------------------------------------------------------------------


def test_readme_shows_the_ci_files_the_tests_run_and_their_scripts_parse() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    assert GITHUB.read_text() in blocks and AZURE.read_text() in blocks
    macros = {
        "$(shard)": "1",
        "$(Pipeline.Workspace)": "/w",
        "$(System.DefaultWorkingDirectory)": "/w",
    }
    for path in (GITHUB, AZURE):
        for script in workflow_steps(path):
            script = script.replace("${{ matrix.shard }}", "1")
            for macro, value in macros.items():
                script = script.replace(macro, value)
            proc = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
            assert proc.returncode == 0, f"{path.name}: {script}\n{proc.stderr}"
    # The Azure Pipelines shard step runs the very command of the GitHub one.
    azure = [s for s in workflow_steps(AZURE) if "--shard" in s]
    assert [s.replace("$(shard)", "${{ matrix.shard }}") for s in azure] == [
        github_step("Migrate this shard")
    ]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bench_script_runs_on_a_few_repositories(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "orgscale.py"),
            "--repos",
            "8",
            "--shards",
            "2",
            "--work",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 process" in proc.stdout and "merge" in proc.stdout and "JSON" in proc.stdout
