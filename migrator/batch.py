"""Many repositories in, one result per repository out: a branch and a commit, or a patch.

Each repository is migrated in a temporary git worktree checked out at its HEAD, never in the
user's own working tree: their checked-out branch, index and uncommitted files are not touched,
whatever happens (a hook rejecting the commit, Ctrl-C, a crash). The worktree is removed at the
end; what stays is a branch with one commit (or a ``.patch`` file).

Nothing here prints: the CLI decides what the user sees. Results are small frozen dataclasses,
so repositories can be migrated in worker processes.

This module chooses the repositories and runs them (in worker processes, Ctrl-C included);
``migrator.batch_repo`` migrates or resets one repository; ``migrator.batch_results`` holds the
statuses and result types both use.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path

from codemods.options import MigrationOptions
from migrator.batch_repo import (  # noqa: F401
    commit_message,
    dependency_files,
    identities,
    migrate_repository,
    repo_options,
    reset_repository,
    write_file,
)
from migrator.batch_results import (  # noqa: F401 - the names callers and tests use
    ABSENT,
    DEFAULT_BRANCH,
    DIRTY,
    DONE,
    FAILED,
    INTERRUPTED,
    KEPT,
    MANUAL_ONLY,
    MARK_COMMIT,
    MARK_FROM,
    MIGRATED_STATUS,
    NOTHING,
    PATCHED,
    PROBLEM_STATUSES,
    REMOVED,
    TRAILER,
    TRAILER_KEY,
    BatchInputError,
    BatchOutcome,
    BatchSettings,
    RepoResult,
    _Stop,
)

# -- choosing repositories -------------------------------------------------------------------


def expand_repositories(
    specs: list[str], repos_files: tuple[str, ...] | list[str] = ()
) -> list[str]:
    """Repository paths from arguments (``@file`` reads a list), list files, and parent directories.

    A directory that is not itself a repository (no ``.git``) but whose immediate
    subdirectories are stands for those subdirectories. Anything else is kept as given, so
    that it is reported ("not a git repository") rather than silently dropped.
    """
    items: list[str] = []
    for spec in specs:
        items.extend(_read_list(spec[1:]) if spec.startswith("@") else [spec])
    for name in repos_files:
        items.extend(_read_list(name))
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        path = Path(item).expanduser()
        candidates = [item]
        if path.is_dir() and not (path / ".git").exists():
            subs = sorted(d.name for d in path.iterdir() if d.is_dir() and (d / ".git").exists())
            if subs:
                candidates = [os.path.join(item, name) for name in subs]
        for candidate in candidates:
            key = os.path.realpath(os.path.expanduser(candidate))
            if key not in seen:
                seen.add(key)
                out.append(candidate)
    return out


def _read_list(name: str) -> list[str]:
    """One path per line; blank lines and ``#`` comments skipped; relative to the list's folder."""
    path = Path(name).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BatchInputError(
            f"cannot read the list of repositories {name}: {exc.strerror or exc}"
        ) from exc
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        entry = Path(line).expanduser()
        out.append(str(entry if entry.is_absolute() else path.parent / entry))
    return out


def patch_names(repos: list[str]) -> dict[str, str]:
    """``<folder name>.patch`` per repository, made unique when two folders share a name."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for repo in repos:
        base = (
            re.sub(r"[^A-Za-z0-9._-]+", "-", Path(os.path.realpath(repo)).name).strip("-.")
            or "repository"
        )
        name, n = f"{base}.patch", 1
        while name in used:
            n += 1
            name = f"{base}-{n}.patch"
        used.add(name)
        names[repo] = name
    return names


# -- many repositories -----------------------------------------------------------------------------


def run_batch(
    repos: list[str],
    options: MigrationOptions,
    settings: BatchSettings,
    jobs: int | None = None,
    on_result: Callable[[RepoResult], None] | None = None,
    reset: bool = False,
) -> BatchOutcome:
    """Every repository, in parallel; results in the order the repositories were given."""
    outcome = BatchOutcome()
    patches = patch_names(repos) if settings.patch_dir and not reset else {}
    if settings.patch_dir and not reset:
        Path(settings.patch_dir).mkdir(parents=True, exist_ok=True)

    def call(repo: str) -> tuple[Callable[..., RepoResult], tuple[object, ...]]:
        if reset:
            return reset_repository, (repo, settings.branch)
        patch = os.path.join(settings.patch_dir, patches[repo]) if settings.patch_dir else None
        return migrate_repository, (repo, options, settings, patch)

    done: dict[int, RepoResult] = {}

    def deliver(index: int, result: RepoResult) -> None:
        done[index] = result
        if on_result is not None:
            on_result(result)

    def stopped(index: int) -> None:
        deliver(
            index,
            RepoResult(repos[index], INTERRUPTED, "stopped before it finished; left as it was"),
        )

    jobs = min(jobs or os.cpu_count() or 1, len(repos))
    if jobs <= 1:
        for i, repo in enumerate(repos):
            func, args = call(repo)
            try:
                deliver(i, func(*args))
            except KeyboardInterrupt:
                stopped(i)
                outcome.interrupted = True
                break
    else:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_signals) as pool:
            # At most `jobs` repositories in flight, so after Ctrl-C none is still queued to start.
            queue = iter(enumerate(repos))
            running: dict[Future[RepoResult], int] = {}

            def submit_next() -> None:
                for i, repo in queue:
                    func, args = call(repo)
                    running[pool.submit(_in_worker, func, *args)] = i
                    return

            for _ in range(jobs):
                submit_next()
            try:
                while running:
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        index = running.pop(future)
                        try:
                            deliver(index, future.result())
                        except KeyboardInterrupt:  # the worker's copy of the same Ctrl-C
                            stopped(index)
                            raise
                        submit_next()
            except KeyboardInterrupt:
                outcome.interrupted = True
                # Workers received Ctrl-C too and clean up; collect what each of them reports.
                for future, index in running.items():
                    try:
                        deliver(index, future.result())
                    except BaseException:  # noqa: BLE001 - interrupted in the worker
                        stopped(index)
    outcome.results = [done[i] for i in sorted(done)]
    return outcome


# Ctrl-C reaches the workers too (one process group). A worker in the middle of a repository
# stops it (its cleanup runs); an idle one ignores it instead of dying with a traceback.
_BUSY = False


def _worker_signals() -> None:
    signal.signal(signal.SIGINT, _on_sigint)


def _on_sigint(signum: int, frame: object) -> None:
    if _BUSY:
        raise KeyboardInterrupt


def _in_worker(func: Callable[..., RepoResult], *args: object) -> RepoResult:
    global _BUSY
    _BUSY = True
    try:
        return func(*args)
    finally:
        _BUSY = False
