"""`aoai-migrate batch` on real git repositories made in tmp_path: branches, commits, messages,
patches, the rollout table, re-runs, --reset, and the user's checkout left as it was."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from codemods.options import MigrationOptions
from migrator import api, batch
from migrator.batch import BatchSettings, expand_repositories, run_batch

BRANCH = batch.DEFAULT_BRANCH
LITERAL_KEY = "3f9c2a7b6d1e4f8a9b0c5d2e7f1a3b4c"  # looks like a real 32-character Azure key

APP = """\
import os
from openai import AzureOpenAI

client = AzureOpenAI(
    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
    api_version="2024-10-21",
)


def ask(question):
    answer = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
    )
    return answer.choices[0].message.content
"""

WORKER = f"""\
from openai import AzureOpenAI

CONFIG = dict(azure_endpoint="https://contoso.openai.azure.com", **LOADED_SETTINGS)

embedder = AzureOpenAI(
    azure_endpoint="https://contoso.openai.azure.com",
    api_key="{LITERAL_KEY}",
    api_version="2024-10-21",
)
uploader = AzureOpenAI(**CONFIG)


def embed(text):
    return embedder.embeddings.create(model="text-embedding-3-small", input=text)
"""

PLAIN = "def add(a, b):\n    return a + b\n"

NOTEBOOK = json.dumps(
    {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": [
                    "import os\n",
                    "from openai import AzureOpenAI\n",
                    "\n",
                    "client = AzureOpenAI(\n",
                    '    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],\n',
                    '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n',
                    '    api_version="2024-10-21",\n',
                    ")\n",
                    'client.chat.completions.create(model="gpt-4o-mini", messages=[])',
                ],
            }
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    },
    indent=1,
)


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No user or system git configuration: in particular no identity, as on a fresh CI box."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "EMAIL",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


def git(repo: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Setup", "-c", "user.email=setup@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {args}: {proc.stderr}")
    return proc.stdout.strip()


def make_repo(path: Path, files: dict[str, str], branch: str = "main") -> Path:
    path.mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch", branch)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "-m", "initial")
    return path


def reject_commits(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'policy: commits are frozen' >&2\nexit 1\n")
    hook.chmod(0o755)


def state(repo: Path) -> dict[str, object]:
    """Everything about the user's checkout that the tool must leave as it was."""
    files = {
        str(p.relative_to(repo)): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }
    return {
        "head": git(repo, "symbolic-ref", "--quiet", "HEAD", check=False)
        or git(repo, "rev-parse", "HEAD"),
        "head_commit": git(repo, "rev-parse", "HEAD"),
        "status": git(repo, "status", "--porcelain"),
        "files": files,
        "worktrees": git(repo, "worktree", "list", "--porcelain").count("worktree "),
    }


def branches(repo: Path) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads").splitlines()


def message(repo: Path, rev: str = BRANCH) -> str:
    return git(repo, "log", "-1", "--format=%B", rev)


def run(repos: list[Path], **settings: object) -> dict[str, batch.RepoResult]:
    outcome = run_batch(
        [str(r) for r in repos], MigrationOptions(), BatchSettings(**settings), jobs=1
    )  # type: ignore[arg-type]
    assert not outcome.interrupted
    return {Path(r.repo).name: r for r in outcome.results}


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migrator", "batch", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def show(repo: Path, rev: str, path: str) -> bytes:
    return subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=repo, capture_output=True, check=True
    ).stdout


@pytest.fixture
def fleet(tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "fleet"
    repos = {
        "clean": make_repo(
            root / "clean", {"app/chat.py": APP, "app/worker.py": WORKER, "app/util.py": PLAIN}
        ),
        "dirty": make_repo(root / "dirty", {"chat.py": APP}),
        "nothing": make_repo(root / "nothing", {"util.py": PLAIN, "README.md": "# tools\n"}),
        "notebook": make_repo(root / "notebook", {"explore.ipynb": NOTEBOOK}),
        "hooked": make_repo(root / "hooked", {"chat.py": APP}),
    }
    (repos["dirty"] / "chat.py").write_text(APP + "\n# work in progress\n")
    reject_commits(repos["hooked"])
    return repos


# -- one run over the whole fleet ------------------------------------------------------------------


def test_fleet_gets_a_branch_and_a_commit_only_where_something_was_migrated(
    fleet: dict[str, Path],
) -> None:
    before = {name: state(repo) for name, repo in fleet.items()}
    results = run(list(fleet.values()))

    assert results["clean"].status == batch.MIGRATED_STATUS
    assert results["dirty"].status == batch.DIRTY
    assert results["nothing"].status == batch.NOTHING
    assert results["hooked"].status == batch.FAILED
    assert "policy: commits are frozen" in results["hooked"].detail

    # Only the clean repository has the tool's branch, one commit on top of its HEAD.
    assert sorted(branches(fleet["clean"])) == [BRANCH, "main"]
    assert results["notebook"].status == batch.MIGRATED_STATUS
    assert sorted(branches(fleet["notebook"])) == [BRANCH, "main"]
    for name in ("dirty", "nothing", "hooked"):
        assert branches(fleet[name]) == ["main"], name
    clean = fleet["clean"]
    assert git(clean, "rev-parse", f"{BRANCH}^") == before["clean"]["head_commit"]
    assert git(clean, "diff", "--name-only", "main", BRANCH).splitlines() == [
        "app/chat.py",
        "app/worker.py",
    ]
    assert results["clean"].files == ("app/chat.py", "app/worker.py")
    assert results["clean"].commit == git(clean, "rev-parse", BRANCH)

    # The branch holds exactly what a single run makes of the same files.
    single = clean.parent / "single"
    shutil.copytree(clean, single, ignore=shutil.ignore_patterns(".git"))
    api.run([str(single)], MigrationOptions(), jobs=1)
    for name in ("app/chat.py", "app/worker.py", "app/util.py"):
        assert show(clean, BRANCH, name) == (single / name).read_bytes()
    assert "azure_ad_token_provider=token_provider" in git(clean, "show", f"{BRANCH}:app/chat.py")

    # Every checkout is as it was: same branch checked out, same files, no leftover worktree.
    for name, repo in fleet.items():
        assert state(repo) == before[name], name


def test_commit_message_lists_clients_follow_ups_and_roles_and_no_secret(
    fleet: dict[str, Path],
) -> None:
    run([fleet["clean"]])
    text = message(fleet["clean"])
    subject, blank, *body = text.splitlines()
    assert subject == "Use Microsoft Entra ID tokens for Azure OpenAI, not API keys" and blank == ""
    assert (
        "Clients migrated (2):\n"
        "- app/chat.py:4 openai.AzureOpenAI\n"
        "- app/worker.py:5 openai.AzureOpenAI" in text
    )
    # The **CONFIG client cannot be migrated automatically: a follow-up, as is the literal key.
    assert "- app/worker.py:10 openai.AzureOpenAI: built from *args/**kwargs" in text
    assert "(needs manual work)" in text
    assert (
        "app/worker.py:7 literal-key: an API key is written in the code (<masked, 32 characters>)"
        in text
    )
    # Role assignments, with the identity that needs them.
    assert (
        "Role assignments, for managed identity (user-assigned, client id in AZURE_CLIENT_ID):"
        in text
    )
    assert (
        "- Cognitive Services OpenAI User (5e0bd9bd-7b93-4f28-af87-19fc36ad61bd) "
        "on the resource named by AZURE_OPENAI_ENDPOINT" in text
    )
    assert "on the resource at contoso.openai.azure.com" in text
    # The marker trailer is the last paragraph, and no key value anywhere.
    assert body[-1].startswith("Migrated-by: aoai-migrate ")
    trailer = git(
        fleet["clean"], "log", "-1", "--format=%(trailers:key=Migrated-by,valueonly)", BRANCH
    )
    assert trailer.startswith("aoai-migrate ")
    assert LITERAL_KEY not in text


def test_commit_uses_the_configured_identity_else_a_fallback_one(
    fleet: dict[str, Path], isolated_git: Path
) -> None:
    run([fleet["clean"]])
    assert git(fleet["clean"], "log", "-1", "--format=%an <%ae>|%cn <%ce>", BRANCH) == (
        "aoai-migrate <aoai-migrate@localhost>|aoai-migrate <aoai-migrate@localhost>"
    )
    # With an identity configured, the commit is the user's.
    (isolated_git / ".gitconfig").write_text(
        "[user]\n\tname = Dana Platform\n\temail = dana@example.com\n"
    )
    other = make_repo(fleet["clean"].parent / "other", {"chat.py": APP})
    run([other])
    assert (
        git(other, "log", "-1", "--format=%an <%ae>", BRANCH) == "Dana Platform <dana@example.com>"
    )


def test_hook_rejection_removes_the_branch_and_leaves_everything_as_it_was(
    fleet: dict[str, Path],
) -> None:
    repo = fleet["hooked"]
    before = state(repo)
    config_before = (repo / ".git" / "config").read_text()
    result = run([repo])["hooked"]
    assert result.status == batch.FAILED and result.problem
    assert result.detail.startswith(
        "the commit was refused by the pre-commit hook; git commit exited with 1"
    )
    assert branches(repo) == ["main"]
    assert state(repo) == before
    assert (repo / ".git" / "config").read_text() == config_before
    assert not (repo / ".git" / "worktrees").exists() or not any(
        (repo / ".git" / "worktrees").iterdir()
    )
    # Once the hook lets commits through, the same command succeeds.
    (repo / ".git" / "hooks" / "pre-commit").unlink()
    assert run([repo])["hooked"].status == batch.MIGRATED_STATUS


def test_commit_hooks_run_but_not_for_the_temporary_checkout(fleet: dict[str, Path]) -> None:
    repo = fleet["clean"]
    seen = repo.parent / "hook-saw.txt"
    checkouts = repo.parent / "post-checkout-ran.txt"
    hooks = repo / ".git" / "hooks"
    (hooks / "commit-msg").write_text(f'#!/bin/sh\ncp "$1" "{seen}"\n')
    (hooks / "post-checkout").write_text(f'#!/bin/sh\necho ran >> "{checkouts}"\n')
    for hook in ("commit-msg", "post-checkout"):
        (hooks / hook).chmod(0o755)
    assert run([repo])["clean"].status == batch.MIGRATED_STATUS
    assert seen.read_text().startswith("Use Microsoft Entra ID tokens")
    # The commit hooks see the real commit; the checkout hook is the user's, for their checkouts.
    assert not checkouts.exists()


def test_dirty_repository_is_refused_unless_allowed_and_then_its_changes_stay_out(
    fleet: dict[str, Path],
) -> None:
    repo = fleet["dirty"]
    before = state(repo)
    refused = run([repo])["dirty"]
    assert refused.status == batch.DIRTY and "chat.py" in refused.detail and refused.problem
    assert branches(repo) == ["main"]

    allowed = run([repo], allow_dirty=True)["dirty"]
    assert allowed.status == batch.MIGRATED_STATUS
    # The commit is the last commit migrated; the uncommitted line is in neither the commit
    # nor lost: it is still in the working tree, uncommitted.
    assert "# work in progress" not in git(repo, "show", f"{BRANCH}:chat.py")
    assert "azure_ad_token_provider" in git(repo, "show", f"{BRANCH}:chat.py")
    assert state(repo) == before


def test_notebook_only_repository_is_migrated(fleet: dict[str, Path]) -> None:
    result = run([fleet["notebook"]])["notebook"]
    assert result.status == batch.MIGRATED_STATUS
    assert result.files == ("explore.ipynb",)
    assert "azure_ad_token_provider" in git(fleet["notebook"], "show", f"{BRANCH}:explore.ipynb")


# -- re-running and --reset ------------------------------------------------------------------------


def test_rerun_reports_done_and_does_not_migrate_twice(fleet: dict[str, Path]) -> None:
    repo = fleet["clean"]
    first = run([repo])["clean"]
    second = run([repo])["clean"]
    assert second.status == batch.DONE
    assert second.commit == first.commit == git(repo, "rev-parse", BRANCH)
    assert git(repo, "rev-list", "--count", f"main..{BRANCH}") == "1"
    # What the branch holds is reported as on the first run.
    assert (second.files, second.migrated, second.manual) == (
        first.files,
        first.migrated,
        first.manual,
    )
    assert second.assignments == first.assignments

    # HEAD moves on: still done (the branch holds the migration), and the table says so.
    (repo / "notes.txt").write_text("later\n")
    git(repo, "add", "notes.txt")
    git(repo, "commit", "--quiet", "-m", "later")
    third = run([repo])["clean"]
    assert third.status == batch.DONE and "HEAD has 1 commit it does not" in third.detail
    assert git(repo, "rev-list", "--count", f"main..{BRANCH}") == "1"
    # Uncommitted work does not matter to a repository that is already done.
    (repo / "notes.txt").write_text("editing\n")
    assert run([repo])["clean"].status == batch.DONE


def test_existing_branch_not_made_by_the_tool_is_a_conflict_and_is_never_touched(
    fleet: dict[str, Path],
) -> None:
    repo = fleet["clean"]
    git(repo, "branch", BRANCH)
    mine = git(repo, "rev-parse", BRANCH)
    result = run([repo, fleet["nothing"]])
    assert result["clean"].status == batch.FAILED
    assert "already exists and holds no aoai-migrate commit" in result["clean"].detail
    assert result["nothing"].status == batch.NOTHING  # the others go on
    assert _reset([repo])["clean"].status == batch.KEPT
    assert git(repo, "rev-parse", BRANCH) == mine


def _reset(repos: list[Path]) -> dict[str, batch.RepoResult]:
    outcome = run_batch(
        [str(r) for r in repos], MigrationOptions(), BatchSettings(), jobs=1, reset=True
    )
    return {Path(r.repo).name: r for r in outcome.results}


def test_reset_removes_only_the_branches_the_tool_made(
    fleet: dict[str, Path], tmp_path: Path
) -> None:
    clean, nothing = fleet["clean"], fleet["nothing"]
    extended = make_repo(tmp_path / "extended", {"chat.py": APP})
    run([clean, extended])
    # Someone builds on the tool's branch in `extended`: their commit must not be lost.
    git(extended, "checkout", "--quiet", BRANCH)
    (extended / "fix.py").write_text(PLAIN)
    git(extended, "add", "fix.py")
    git(extended, "commit", "--quiet", "-m", "review fix")
    git(extended, "checkout", "--quiet", "main")
    # A branch of the user's own with another name is never considered.
    git(clean, "branch", "feature/mine")

    results = _reset([clean, nothing, extended])
    assert results["clean"].status == batch.REMOVED
    assert results["nothing"].status == batch.ABSENT
    assert (
        results["extended"].status == batch.KEPT
        and "commits aoai-migrate did not make" in results["extended"].detail
    )
    assert sorted(branches(clean)) == ["feature/mine", "main"]
    assert BRANCH in branches(extended)
    # The marker went with the branch.
    assert "aoaiMigrate" not in (clean / ".git" / "config").read_text()
    # After a reset, a run migrates again.
    assert run([clean])["clean"].status == batch.MIGRATED_STATUS


def test_reset_switches_back_before_removing_a_checked_out_branch(fleet: dict[str, Path]) -> None:
    repo = make_repo(fleet["clean"].parent / "ondevelop", {"chat.py": APP}, branch="develop")
    run([repo])
    git(repo, "checkout", "--quiet", BRANCH)
    result = _reset([repo])["ondevelop"]
    assert result.status == batch.REMOVED
    assert git(repo, "symbolic-ref", "HEAD") == "refs/heads/develop"
    assert branches(repo) == ["develop"]
    assert git(repo, "status", "--porcelain") == ""

    # With uncommitted changes on the checked-out tool branch, nothing is switched or deleted.
    run([repo])
    git(repo, "checkout", "--quiet", BRANCH)
    (repo / "chat.py").write_text("# editing\n")
    kept = _reset([repo])["ondevelop"]
    assert kept.status == batch.KEPT
    assert git(repo, "symbolic-ref", "HEAD") == f"refs/heads/{BRANCH}"
    assert (repo / "chat.py").read_text() == "# editing\n"


def test_branch_starts_from_the_checked_out_branch(fleet: dict[str, Path]) -> None:
    repo = make_repo(fleet["clean"].parent / "twobranches", {"util.py": PLAIN})
    git(repo, "checkout", "--quiet", "-b", "develop")
    (repo / "chat.py").write_text(APP)
    git(repo, "add", "chat.py")
    git(repo, "commit", "--quiet", "-m", "add chat")
    run([repo])
    assert git(repo, "rev-parse", f"{BRANCH}^") == git(repo, "rev-parse", "develop")
    assert git(repo, "symbolic-ref", "HEAD") == "refs/heads/develop"
    assert git(repo, "config", "--get", f"branch.{BRANCH}.aoaiMigrateFrom") == "refs/heads/develop"


# -- patches ---------------------------------------------------------------------------------------


def test_patch_dir_writes_patches_that_apply_and_leaves_repositories_untouched(
    fleet: dict[str, Path], tmp_path: Path
) -> None:
    clean, hooked = fleet["clean"], fleet["hooked"]

    def objects(repo: Path) -> set[str]:
        return {str(p) for p in (repo / ".git" / "objects").rglob("*") if p.is_file()}

    before = {
        r: (state(r), objects(r), (r / ".git" / "config").read_text()) for r in (clean, hooked)
    }
    patches = tmp_path / "patches"
    results = run([clean, hooked, fleet["nothing"]], patch_dir=str(patches))
    assert results["clean"].status == results["hooked"].status == batch.PATCHED
    assert results["nothing"].status == batch.NOTHING
    assert sorted(p.name for p in patches.iterdir()) == ["clean.patch", "hooked.patch"]
    assert results["clean"].patch == str(patches / "clean.patch")
    for repo in (clean, hooked):
        # No branch, no commit, no new object, no config entry, the same checkout.
        assert (state(repo), objects(repo), (repo / ".git" / "config").read_text()) == before[repo]
        assert branches(repo) == ["main"]

    text = (patches / "clean.patch").read_text()
    header = text.split("\ndiff --git ", 1)[0]
    assert header.startswith("From ") and "Subject: [PATCH] Use Microsoft Entra ID tokens" in header
    assert "Clients migrated (2):" in header and LITERAL_KEY not in header

    # The literal key in app/worker.py is masked, as in a dry run's diff, so that file's hunk
    # cannot apply; the rest of the patch applies and gives what a committed run gives.
    assert LITERAL_KEY not in text and "<masked, 32 characters>" in text
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(clean), str(clone))
    git(clone, "apply", "--exclude=app/worker.py", str(patches / "clean.patch"))
    run([clean])
    committed = git(clean, "show", f"{BRANCH}:app/chat.py")
    assert (clone / "app" / "chat.py").read_text().strip() == committed.strip()
    assert message(clean).splitlines()[0] in header
    # and `git apply` works too.
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(hooked), str(other))
    git(other, "apply", str(patches / "hooked.patch"))
    assert "azure_ad_token_provider" in (other / "chat.py").read_text()


def test_patch_keeps_a_non_utf8_module_byte_for_byte(tmp_path: Path) -> None:
    source = ("# -*- coding: latin-1 -*-\n# Caf\xe9\n" + APP).encode("latin-1")
    repo = tmp_path / "latin"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch", "main")
    (repo / "chat.py").write_bytes(source)
    git(repo, "add", "chat.py")
    git(repo, "commit", "--quiet", "-m", "initial")
    run([repo], patch_dir=str(tmp_path / "p"))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(repo), str(clone))
    git(clone, "am", "--quiet", str(tmp_path / "p" / "latin.patch"))
    migrated = (clone / "chat.py").read_bytes()
    assert migrated.startswith(b"# -*- coding: latin-1 -*-\n# Caf\xe9\n")
    assert b"azure_ad_token_provider" in migrated


# -- choosing repositories, and failures that do not stop the rest ----------------------------


def test_repositories_from_a_folder_a_list_file_and_arguments(
    fleet: dict[str, Path], tmp_path: Path
) -> None:
    root = fleet["clean"].parent
    assert expand_repositories([str(root)]) == [str(root / n) for n in sorted(fleet)]
    listing = tmp_path / "repos.txt"
    listing.write_text("# the two services\nfleet/clean\n\n  fleet/hooked  \nfleet/clean\n")
    assert expand_repositories([f"@{listing}"]) == [
        str(tmp_path / "fleet/clean"),
        str(tmp_path / "fleet/hooked"),
    ]
    assert expand_repositories([], [str(listing)]) == expand_repositories([f"@{listing}"])
    # A repository named twice (here once directly, once through the folder) is migrated once.
    assert expand_repositories([str(root / "clean"), str(root)])[0] == str(root / "clean")
    assert len(expand_repositories([str(root / "clean"), str(root)])) == len(fleet)
    with pytest.raises(batch.BatchInputError):
        expand_repositories(["@" + str(tmp_path / "missing.txt")])


def test_failures_are_reported_and_the_rest_go_on(fleet: dict[str, Path], tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "chat.py").write_text(APP)
    inner = fleet["clean"] / "app"
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "--quiet")
    results = run([plain, inner, tmp_path / "missing", empty, fleet["clean"]])
    assert (
        results["plain"].status == batch.FAILED
        and results["plain"].detail == "not a git repository"
    )
    assert (
        results["app"].status == batch.FAILED
        and "not the top of its git repository" in results["app"].detail
    )
    assert (
        results["missing"].status == batch.FAILED
        and results["missing"].detail == "no such directory"
    )
    assert results["empty"].status == batch.FAILED and "no commits yet" in results["empty"].detail
    assert results["clean"].status == batch.MIGRATED_STATUS
    assert (plain / "chat.py").read_text() == APP


def test_manual_only_repository_gets_no_branch(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "manual",
        {
            "chat.py": (
                "from openai import AzureOpenAI\n\ndef make(cfg):\n    return AzureOpenAI(**cfg)\n"
            )
        },
    )
    result = run([repo])["manual"]
    assert result.status == batch.MANUAL_ONLY
    assert len(result.manual) == 1 and "1 client(s) need manual work" in result.detail
    assert branches(repo) == ["main"]


# -- the command: table, summary files, roles, exit code, progress ---------------------------------


def test_command_prints_the_table_writes_csv_and_json_and_the_roles(
    fleet: dict[str, Path], tmp_path: Path
) -> None:
    root = fleet["clean"].parent
    proc = cli(str(root), "--jobs", "2", "--summary", str(tmp_path / "rollout.csv"), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr  # the dirty and the hooked repositories
    assert proc.stderr == ""  # no progress bar on a pipe
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:4] == ["Repository", "Branch", "/", "patch"]
    clean_line = next(line for line in lines if line.startswith(str(root / "clean") + " "))
    assert clean_line.split()[1:6] == [BRANCH, "2", "2", "1", "managed"]
    assert "5 repositories: 2 migrated, 1 dirty, 1 failed, 1 nothing-to-migrate" in lines
    assert LITERAL_KEY not in proc.stdout

    rows = {
        Path(r["repository"]).name: r
        for r in csv.DictReader(io.StringIO((tmp_path / "rollout.csv").read_text()))
    }
    assert list(rows) == ["clean", "dirty", "hooked", "notebook", "nothing"]
    clean = rows["clean"]
    assert clean["branch_or_patch"] == BRANCH
    assert (clean["files_changed"], clean["clients_migrated"], clean["clients_manual"]) == (
        "2",
        "2",
        "1",
    )
    assert clean["dependency_files_updated"] == "0"
    assert clean["status"] == "migrated"
    assert "managed identity (user-assigned, client id in AZURE_CLIENT_ID)" in clean["roles"]
    assert "Cognitive Services OpenAI User on AZURE_OPENAI_ENDPOINT" in clean["roles"]
    assert "Cognitive Services OpenAI User on contoso.openai.azure.com" in clean["roles"]
    assert rows["dirty"]["status"] == "dirty" and rows["hooked"]["status"] == "failed"
    assert (
        rows["nothing"]["status"] == "nothing-to-migrate"
        and rows["nothing"]["branch_or_patch"] == ""
    )

    # The role assignments of every migrated repository, together, as az commands.
    roles_text = proc.stdout.split(
        "Role assignments the migrated code needs, per repository:\n", 1
    )[1]
    # Two migrated repositories (the app and the notebook-only one), a block each.
    headers = [line for line in roles_text.splitlines() if line.startswith("# ===== ")]
    assert [h.rsplit("/", 1)[-1] for h in headers] == ["clean", "notebook"]
    # clean: two resources; notebook: one.
    assert roles_text.count("az role assignment create") == 6  # workload and developer each
    assert "--role 5e0bd9bd-7b93-4f28-af87-19fc36ad61bd" in roles_text

    # Second run, JSON summary, roles to a file: the clean repository is done, nothing doubled.
    proc = cli(
        str(root),
        "--summary",
        str(tmp_path / "rollout.json"),
        "--roles-out",
        str(tmp_path / "roles.sh"),
        cwd=tmp_path,
    )
    data = json.loads((tmp_path / "rollout.json").read_text())
    by_name = {Path(r["repository"]).name: r for r in data["repositories"]}
    assert by_name["clean"]["status"] == "done"
    assert by_name["clean"]["files"] == ["app/chat.py", "app/worker.py"]
    assert by_name["clean"]["commit"] == git(fleet["clean"], "rev-parse", BRANCH)
    assert {a["resource"] for a in by_name["clean"]["role_assignments"]} == {
        "env:AZURE_OPENAI_ENDPOINT",
        "host:contoso.openai.azure.com",
    }
    assert by_name["clean"]["clients_manual"] == 1 and len(by_name["clean"]["manual"]) == 1
    assert "Role assignments" not in proc.stdout
    # Both migrated repositories (now reported done) still contribute their assignments.
    assert (tmp_path / "roles.sh").read_text().count("az role assignment create") == 6
    assert LITERAL_KEY not in (tmp_path / "rollout.json").read_text()
    assert git(fleet["clean"], "rev-list", "--count", f"main..{BRANCH}") == "1"


def test_command_reset_and_usage_errors(fleet: dict[str, Path], tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("fleet/clean\nfleet/nothing\n")
    assert cli(f"@{listing}", cwd=tmp_path).returncode == 0
    assert BRANCH in branches(fleet["clean"])
    proc = cli("--repos-file", str(listing), "--reset", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "removed" in proc.stdout and "absent" in proc.stdout
    assert branches(fleet["clean"]) == ["main"]

    # Usage errors: exit 2 before any repository is touched.
    from typer.testing import CliRunner

    from migrator.cli import app

    clean = str(fleet["clean"])
    for args in (
        [],
        [clean, "--summary", str(tmp_path / "out.txt")],
        [clean, "--branch", "bad..name"],
        [clean, "--roles-format", "yaml"],
        [clean, "--reset", "--patch-dir", str(tmp_path / "p")],
        [clean, "--jobs", "0"],
        ["@" + str(tmp_path / "missing.txt")],
    ):
        outcome = CliRunner().invoke(app, ["batch", *args])
        assert outcome.exit_code == 2, (args, outcome.output)
    assert branches(fleet["clean"]) == ["main"]
    assert not (tmp_path / "p").exists()


def test_progress_bar_on_a_terminal(fleet: dict[str, Path], tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "migrator", "batch", str(fleet["clean"]), str(fleet["nothing"])],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=300,
            env={**os.environ, "TERM": "xterm"},
        )
        os.close(follower)
        follower = -1
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert proc.returncode == 0
    assert b"] 0/2 repositories" in seen and b"] 2/2 repositories" in seen
    assert "repositories" not in proc.stdout.splitlines()[0]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_cleanly(fleet: dict[str, Path], tmp_path: Path, jobs: str) -> None:
    # The hook plays the user pressing Ctrl-C mid-commit: SIGINT to the whole process group.
    first = make_repo(tmp_path / "first", {"chat.py": APP})
    hook = first / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nkill -INT 0\nsleep 5\n")
    hook.chmod(0o755)
    second = fleet["clean"]
    before = {r: state(r) for r in (first, second)}
    proc = subprocess.run(
        [sys.executable, "-m", "migrator", "batch", "-j", jobs, str(first), str(second)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,  # its own process group, so the hook's signal stays in it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        check=False,
    )
    assert proc.returncode == 130, proc.stdout + proc.stderr
    assert "interrupted" in proc.stderr and "Traceback" not in proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.startswith(str(first) + " "))
    assert "interrupted" in row
    assert branches(first) == ["main"] and state(first) == before[first]
    # The other repository either finished (with its branch) or was never touched.
    assert state(second) == before[second]
    if jobs == "1":
        assert branches(second) == ["main"]
        assert str(second) not in proc.stdout
    else:
        assert branches(second) in (["main"], sorted([BRANCH, "main"]))


# -- each repository's own configuration, and its dependency files -----------------------------


def test_a_repositorys_own_config_is_respected_and_its_dependency_file_counted(
    tmp_path: Path,
) -> None:
    repo = make_repo(
        tmp_path / "svc",
        {
            "app.py": APP,
            "requirements.txt": "openai>=1.40\n",
            "pyproject.toml": '[tool.aoai-migrate]\ncloud = "usgov"\nclient-id-env = "SVC_CLIENT_ID"\n',
        },
    )
    result = run([repo])["svc"]
    assert result.status == batch.MIGRATED_STATUS
    migrated = show(repo, BRANCH, "app.py").decode()
    assert "cognitiveservices.azure.us/.default" in migrated
    assert 'os.getenv("SVC_CLIENT_ID")' in migrated
    assert result.dependency_files == ("requirements.txt",)
    assert "azure-identity" in show(repo, BRANCH, "requirements.txt").decode()


def test_the_command_line_wins_over_a_repositorys_config(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "svc",
        {"app.py": APP, "pyproject.toml": '[tool.aoai-migrate]\ncloud = "usgov"\n'},
    )
    outcome = run_batch([str(repo)], MigrationOptions(cloud="china"), BatchSettings(), jobs=1)
    assert outcome.results[0].status == batch.MIGRATED_STATUS
    assert "cognitiveservices.azure.cn/.default" in show(repo, BRANCH, "app.py").decode()
