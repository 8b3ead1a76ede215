"""One repository of a batch run: migrated in a temporary git worktree at its HEAD (never the
user's working tree), then a branch with one commit, or a ``.patch`` file; and ``--reset``,
which removes the tool's branch again. See ``migrator.batch`` for the whole run.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from codemods.findings import MANUAL, MIGRATED, REVIEW
from codemods.options import MigrationOptions
from migrator import __version__, roles
from migrator.batch_refusal import refusal
from migrator.batch_results import (
    _MAX_LINES,
    ABSENT,
    DIRTY,
    DONE,
    FAILED,
    KEPT,
    MANUAL_ONLY,
    MARK_COMMIT,
    MARK_FROM,
    MIGRATED_STATUS,
    NOTHING,
    PATCHED,
    REMOVED,
    TRAILER,
    WOULD_MIGRATE,
    BatchSettings,
    RepoResult,
    _Stop,
)
from migrator.discovery import FileSelection
from migrator.engine import CHANGED, MODE_CHECK, MODE_WRITE, mask_secrets_in_bytes
from migrator.gitrepo import Git, GitError, branch_ref, identity_config
from migrator.report import Report

# -- the seams other features plug into ------------------------------------------------------


def repo_options(root: Path, base: MigrationOptions) -> MigrationOptions:
    """The options one repository is migrated with (see ``repo_settings``)."""
    return repo_settings(root, base)[0]


def repo_settings(root: Path, base: MigrationOptions) -> tuple[MigrationOptions, FileSelection]:
    """The options and file selection of one repository: its own ``[tool.aoai-migrate]``, read
    as ``migrate`` reads it (``migrator.batch_config``); the batch command line wins where it
    says something. A configuration ``migrate`` would refuse fails the repository."""
    from migrator.batch_config import RepoConfigError
    from migrator.batch_config import repo_settings as read

    try:
        return read(root, base)
    except RepoConfigError as exc:
        raise _Stop(FAILED, f"its configuration cannot be used: {exc}") from None


def dependency_files(report: Report) -> tuple[str, ...]:
    """Dependency and configuration files the run changed (kind "project" in the report)."""
    return tuple(r.path for r in report.results if r.kind != "source" and r.status == CHANGED)


# -- one repository ----------------------------------------------------------------------------


def migrate_repository(
    repo: str, options: MigrationOptions, settings: BatchSettings, patch_path: str | None = None
) -> RepoResult:
    """Migrate one repository. A problem becomes its status; only Ctrl-C propagates (cleaned up)."""
    try:
        return _migrate(repo, options, settings, patch_path)
    except _Stop as stop:
        return RepoResult(repo, stop.status, stop.detail)
    except GitError as exc:
        return RepoResult(repo, FAILED, _git_failure(exc))
    except Exception as exc:  # noqa: BLE001 - one repository's problem never stops the others
        return RepoResult(repo, FAILED, f"internal error ({type(exc).__name__}): {exc}")


def _open(repo: str) -> Git:
    path = Path(repo).expanduser()
    if not path.is_dir():
        raise _Stop(FAILED, "no such directory" if not path.exists() else "not a directory")
    git = Git(path)
    top = git.value("rev-parse", "--show-toplevel")
    if top is None:
        if git.value("rev-parse", "--is-bare-repository") == "true":
            raise _Stop(FAILED, "a bare repository: it has no working tree to migrate")
        raise _Stop(FAILED, "not a git repository")
    if os.path.realpath(top) != os.path.realpath(path):
        raise _Stop(FAILED, f"not the top of its git repository (that is {top})")
    git = Git(Path(top)).without_drivers()
    return replace(git, config=identity_config(git))


def _head(git: Git) -> tuple[str, str]:
    """(HEAD's commit, what is checked out: refs/heads/NAME or the commit when detached)."""
    head = git.value("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if not head:
        raise _Stop(FAILED, "no commits yet: nothing to branch from")
    return head, git.value("symbolic-ref", "--quiet", "HEAD") or head


def _uncommitted(git: Git) -> list[str]:
    out = git.run("status", "--porcelain", "-z")
    entries, skip = [], False
    for entry in out.split("\0"):
        if skip:
            skip = False
            continue
        if entry:
            entries.append(entry[3:])
            skip = entry[0] in "RC"  # a rename is followed by its old path
    return entries


def _migrate(
    repo: str, options: MigrationOptions, settings: BatchSettings, patch_path: str | None
) -> RepoResult:
    git = _open(repo)
    head, checked_out = _head(git)
    branch = settings.branch
    if settings.patch_dir is None and git.value(
        "rev-parse", "--verify", "--quiet", branch_ref(branch)
    ):
        return _existing_branch(repo, git, options, branch, head)
    dirty = _uncommitted(git)
    if dirty and not settings.allow_dirty:
        example = dirty[0] if len(dirty) == 1 else f"{dirty[0]} and {len(dirty) - 1} more"
        raise _Stop(
            DIRTY,
            f"uncommitted changes ({example}): commit or stash them, "
            "or pass --allow-dirty to migrate the last commit and leave them as they are",
        )

    created = committed = False
    try:
        with _worktree(git, head) as checkout:
            wt, work = checkout.path, checkout.without_hooks
            opts, selection = repo_settings(wt, options)
            report = _api_run(wt, opts, MODE_WRITE, selection)
            result = _findings(repo, report, opts, wt)
            # In patch mode and in a dry run even the blobs go to the temporary object directory.
            dry = settings.dry_run
            env = checkout.objects_env if patch_path is not None or dry else None
            work.run("add", "--all", extra_env=env)
            listed = work.run("diff", "--cached", "--name-only", "-z", extra_env=env)
            files = tuple(n for n in listed.split("\0") if n)
            if not files:
                status = MANUAL_ONLY if result.manual else NOTHING
                return replace(result, status=status, detail=_nothing_detail(result))
            result = replace(result, files=files)
            if dry:  # what a run would commit; no branch, no commit, no hook
                return replace(result, status=WOULD_MIGRATE, branch=branch)
            message = commit_message(result)
            if patch_path is not None:
                return _write_patch(checkout, result, message, patch_path, _secrets(report))
            checkout.without_hooks.run("checkout", "--quiet", "-b", branch)
            created = True
            try:
                # The one call with the repository's hooks (and its signing settings); drivers
                # asked again, as an includeIf can name the new branch.
                checkout.git.without_drivers().run(
                    "commit", "--quiet", "--cleanup=whitespace", "-F", "-", input=message
                )
            except GitError as exc:
                refused = _mask(refusal(exc.output, files, checkout.git, _git_failure(exc)))
                return replace(result, status=FAILED, detail=refused)
            commit = work.run("rev-parse", "HEAD").strip()
        git.run("config", f"branch.{branch}.{MARK_COMMIT}", commit)
        git.run("config", f"branch.{branch}.{MARK_FROM}", checked_out)
        committed = True
        return replace(result, status=MIGRATED_STATUS, branch=branch, commit=commit)
    finally:
        if created and not committed:
            # A refused commit, an error or Ctrl-C: the branch goes. The worktree is gone by
            # now, so the branch is checked out nowhere.
            git.value("branch", "--quiet", "-D", branch)


def _existing_branch(
    repo: str, git: Git, options: MigrationOptions, branch: str, head: str
) -> RepoResult:
    """Re-run: the tool's branch exists. Report what it holds; never migrate twice."""
    ref = branch_ref(branch)
    tool_commit = git.value("log", "-1", "--format=%H", "--fixed-strings", f"--grep={TRAILER}", ref)
    if not tool_commit:
        raise _Stop(
            FAILED,
            f"branch {branch} already exists and holds no aoai-migrate commit: "
            "choose another --branch, or rename that branch",
        )
    # What the migration did, judged again on the commit it started from.
    with _worktree(git, f"{tool_commit}^") as checkout:
        wt = checkout.path
        opts, selection = repo_settings(wt, options)
        result = _findings(repo, _api_run(wt, opts, MODE_CHECK, selection), opts, wt)
    files = tuple(
        n
        for n in git.run(
            "diff-tree", "--no-commit-id", "--name-only", "-r", "-z", tool_commit
        ).split("\0")
        if n
    )
    behind = int(git.run("rev-list", "--count", f"{ref}..{head}").strip() or 0)
    detail = "the branch already holds the migration"
    if behind:
        commits = f"{behind} commit{'s' if behind != 1 else ''}"
        detail += f"; HEAD has {commits} it does not (--reset, then a new run, rebuilds it)"
    return replace(
        result, status=DONE, detail=detail, branch=branch, commit=tool_commit, files=files
    )


def _write_patch(
    checkout: _Checkout,
    result: RepoResult,
    message: str,
    patch_path: str,
    secrets: tuple[str, ...] = (),
) -> RepoResult:
    # The commit exists only to let git write the patch: its objects go to a temporary object
    # directory and the repository's hooks do not run (nothing is committed to the repository).
    objects_env = checkout.objects_env
    checkout.without_hooks.run(
        "commit",
        "--quiet",
        "--no-verify",
        "--no-gpg-sign",
        "--cleanup=whitespace",
        "-F",
        "-",
        input=message,
        extra_env=objects_env,
    )
    # Bytes: a module in another encoding must reach the patch exactly as it is.
    plain = replace(
        checkout.without_hooks,
        config=checkout.without_hooks.config
        + ("diff.noprefix=false", "diff.mnemonicPrefix=false", "color.ui=false"),
    )
    data = plain.run_bytes(
        "format-patch",
        "-1",
        "--stdout",
        "--no-ext-diff",
        "--no-textconv",
        "HEAD",
        extra_env=objects_env,
    )
    write_file(Path(patch_path), mask_secrets_in_bytes(data, secrets))
    return replace(result, status=PATCHED, patch=patch_path)


@dataclass(frozen=True)
class _Checkout:
    path: Path
    git: Git  # runs git there, with the repository's hooks: only for the commit of commit mode
    without_hooks: Git  # for every other step (checkouts, git add, the patch commit)
    objects_env: dict[str, str]  # new objects in a temporary object directory


@contextmanager
def _worktree(git: Git, commit: str) -> Iterator[_Checkout]:
    """A detached worktree of ``commit`` in a temporary folder, removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="aoai-migrate-"))
    wt = tmp / "checkout"
    objects = tmp / "objects"
    objects.mkdir()
    common = git.run("rev-parse", "--git-common-dir").strip()
    repo_objects = (
        os.path.join(git.cwd, common, "objects")
        if not os.path.isabs(common)
        else os.path.join(common, "objects")
    )
    objects_env = {
        "GIT_OBJECT_DIRECTORY": str(objects),
        "GIT_ALTERNATE_OBJECT_DIRECTORIES": repo_objects,
    }
    added = False
    try:
        # No hooks for this temporary checkout (git runs none unless told): a post-checkout hook
        # is for the user's own. Its files are written only once the drivers the configuration
        # seen in it defines are known (an includeIf on its git directory can add some).
        git.run("worktree", "add", "--quiet", "--no-checkout", "--detach", str(wt), commit)
        added = True
        here = replace(git, cwd=wt).without_drivers()
        here.run("reset", "--quiet", "--hard", "HEAD")
        yield _Checkout(wt, replace(here, hooks=True), here, objects_env)
    finally:
        if added:
            git.value("worktree", "remove", "--force", str(wt))
        shutil.rmtree(tmp, ignore_errors=True)
        if added:
            git.value("worktree", "prune")


def _api_run(
    root: Path, options: MigrationOptions, mode: str, selection: FileSelection | None = None
) -> Report:
    from migrator import api

    # One process per repository already: files within it are done in this process.
    report = api.run([str(root)], options, mode, jobs=1, selection=selection)
    if report.interrupted:  # api.run stops early on Ctrl-C: a partial run must not be committed
        raise KeyboardInterrupt
    return report


def _relative(report: Report, root: Path) -> Report:
    """The same report with paths relative to the repository (the checkout is temporary)."""
    out = Report(report.mode, interrupted=report.interrupted)
    for r in report.results:
        out.add(replace(r, path=_rel(r.path, root)))
    return out


def _rel(path: str, root: Path) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/") if os.path.isabs(path) else path


def _findings(repo: str, report: Report, options: MigrationOptions, root: Path) -> RepoResult:
    """What one repository's report says, with paths relative to the repository."""
    deps = tuple(_rel(p, root) for p in dependency_files(report))
    report = _relative(report, root)
    migrated, manual, follow_ups = [], [], []
    for r in sorted(report.results, key=lambda r: r.path):
        if r.error:
            follow_ups.append(f"{r.path}: could not be processed ({r.error}); left as it was")
        for c in r.clients:
            if c.outcome == MIGRATED:
                migrated.append(f"{r.path}:{c.line} {c.cls}")
            elif c.outcome in (MANUAL, REVIEW):
                manual.append(f"{r.path}:{c.line} {c.cls}: {c.reason}")
        for n in r.notices:
            follow_ups.append(f"{r.path}:{n.line} {n.rule}: {n.message}")
    return RepoResult(
        repo,
        status="",
        migrated=tuple(migrated),
        manual=tuple(manual),
        follow_ups=tuple(follow_ups),
        failed_files=report.failed,
        identities=identities(options),
        assignments=tuple(report.assignments()),
        dependency_files=deps,
    )


def _nothing_detail(result: RepoResult) -> str:
    if result.manual:
        return f"no change made automatically; {len(result.manual)} client(s) need manual work"
    if result.failed_files:
        return f"{result.failed_files} file(s) could not be processed"
    return ""


def identities(options: MigrationOptions) -> tuple[str, ...]:
    """Who needs the roles, given how the migrated code authenticates."""
    developers = "developers (az login)"
    if options.credential == "default":
        return ("managed identity via DefaultAzureCredential", developers)
    if options.system_assigned:
        app = "managed identity (system-assigned)"
    else:
        app = f"managed identity (user-assigned, client id in {options.client_id_env})"
    return (app, developers) if options.credential == "chained" else (app,)


# -- the commit message ------------------------------------------------------------------------


def commit_message(result: RepoResult) -> str:
    """What changed, what is left to do, and the roles to grant. Never a secret: client reasons
    and notices are written by the codemods, which mask any key they find."""
    lines = [
        "Use Microsoft Entra ID tokens for Azure OpenAI, not API keys",
        "",
        "aoai-migrate replaced the API keys of the clients below with token providers.",
        "Grant the role assignments before deploying: without them the service answers 401/403.",
    ]
    _section(lines, "Clients migrated", result.migrated)
    _section(
        lines,
        "Follow-ups",
        [f"{m} (needs manual work)" for m in result.manual] + list(result.follow_ups),
    )
    if result.assignments:
        lines += ["", "Role assignments, for " + " and for ".join(result.identities) + ":"]
        for a in result.assignments:
            notes = (["assumed: the calls made are not visible"] if a.assumed else []) + (
                ["unverified"] if a.unverified else []
            )
            suffix = f" ({'; '.join(notes)})" if notes else ""
            lines.append(
                f"- {a.role.name} ({a.role.id}) on {roles.describe_resource(a.resource)}{suffix}"
            )
    lines += ["", f"{TRAILER} {__version__}"]
    return "\n".join(lines) + "\n"


def _section(lines: list[str], title: str, items: list[str] | tuple[str, ...]) -> None:
    if not items:
        return
    lines += ["", f"{title} ({len(items)}):"]
    lines += [f"- {item}" for item in items[:_MAX_LINES]]
    if len(items) > _MAX_LINES:
        lines.append(f"- ... and {len(items) - _MAX_LINES} more")


# -- --reset -------------------------------------------------------------------------------------


def reset_repository(repo: str, branch: str) -> RepoResult:
    """Delete the tool's branch, only if the tool made it and nobody has added to it since."""
    try:
        return _reset(repo, branch)
    except _Stop as stop:
        return RepoResult(repo, stop.status, stop.detail)
    except GitError as exc:
        return RepoResult(repo, FAILED, _git_failure(exc))
    except Exception as exc:  # noqa: BLE001
        return RepoResult(repo, FAILED, f"internal error ({type(exc).__name__}): {exc}")


def _reset(repo: str, branch: str) -> RepoResult:
    git = _open(repo)
    ref = branch_ref(branch)
    tip = git.value("rev-parse", "--verify", "--quiet", ref)
    if not tip:
        return RepoResult(repo, ABSENT, f"no branch {branch}")
    mark = git.value("config", "--get", f"branch.{branch}.{MARK_COMMIT}")
    if mark is None:
        return RepoResult(
            repo,
            KEPT,
            f"{branch} was not created by aoai-migrate here; left as it is",
            branch=branch,
        )
    if mark != tip:
        return RepoResult(
            repo,
            KEPT,
            f"{branch} has commits aoai-migrate did not make; left as it is "
            f"(git branch -D {branch} deletes it)",
            branch=branch,
        )
    if git.value("symbolic-ref", "--quiet", "HEAD") == ref:
        back = git.value("config", "--get", f"branch.{branch}.{MARK_FROM}") or ""
        if _uncommitted(git):
            return RepoResult(
                repo,
                KEPT,
                f"{branch} is checked out with uncommitted changes; left as it is",
                branch=branch,
            )
        if back.startswith("refs/heads/") and git.value("rev-parse", "--verify", "--quiet", back):
            git.run("checkout", "--quiet", back.removeprefix("refs/heads/"))
        elif re.fullmatch(r"[0-9a-f]{40,64}", back):
            git.run("checkout", "--quiet", "--detach", back)
        else:
            return RepoResult(
                repo,
                KEPT,
                f"{branch} is checked out and the branch it came from is gone; left as it is",
                branch=branch,
            )
    git.run("branch", "--quiet", "-D", branch)
    return RepoResult(
        repo, REMOVED, f"deleted {branch} (was {tip[:12]})", branch=branch, commit=tip
    )


# -- small helpers ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9_+=-]{20,}")


def _mask(text: str) -> str:
    """Hook output is the user's tool's, not ours: mask anything in it that looks like a key."""
    from codemods.keyless import looks_like_secret

    def repl(m: re.Match[str]) -> str:
        token = m.group(0)
        if looks_like_secret(token) and re.search(r"\d", token) and re.search(r"[A-Za-z]", token):
            return f"<masked, {len(token)} characters>"
        return token

    return _TOKEN.sub(repl, text)


def _secrets(report: Report) -> tuple[str, ...]:
    """The literal keys the migration found, which a patch shows masked like a dry run's diff."""
    return tuple(secret for result in report.results for secret in result.secrets)


def _git_failure(exc: GitError) -> str:
    lines = [line.strip() for line in exc.output.splitlines() if line.strip()]
    tail = " | ".join(lines[-6:]) or "no output"
    return _mask(f"git {exc.command[0]} exited with {exc.returncode}: {tail}")


def write_file(path: Path, data: bytes) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, then one rename."""
    fd, tmp = tempfile.mkstemp(prefix=".aoai-migrate-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
