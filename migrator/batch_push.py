"""`batch --push REMOTE`: each migrated branch pushed to the repository's remote.

The only network access of the tool, and only when asked. A rerun finds the remote branch already
at the same commit and reports ``done``; a push the remote refuses (a protected branch, a
pre-receive hook) is ``failed``, with the remote's message, any key in it masked.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from migrator.batch_repo import _mask
from migrator.batch_results import DONE, FAILED, MIGRATED_STATUS, RepoResult
from migrator.gitrepo import base_env, branch_ref

PUSHED = "pushed"
SKIPPED = "skipped"  # nothing to push: no branch made (a patch, nothing to migrate, a failure)
PUSH_TIMEOUT = 600  # seconds, per repository

# The user's own configuration decides credentials and transports (that is what pushing needs);
# commands the repository's configuration could start besides are switched off.
_PUSH_CONFIG = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",  # no pre-push hook of the repository's
    "protocol.ext.allow=never",  # no remote helper that runs a command
    "submodule.recurse=false",
    "push.recurseSubmodules=no",
)


@dataclass(frozen=True)
class PushResult:
    repo: str
    status: str  # pushed | done | failed | skipped
    detail: str = ""

    def as_json(self, remote: str) -> dict[str, str]:
        return {"remote": remote, "status": self.status, "detail": self.detail}


def _git(repo: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = ["git", "--no-pager"]
    for pair in _PUSH_CONFIG:
        command += ["-c", pair]
    return subprocess.run(
        command + list(args),
        cwd=repo,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=base_env(),
        timeout=PUSH_TIMEOUT,
        check=False,
    )


def _message(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
    return _mask(" | ".join(lines[-8:]) or f"git exited with {proc.returncode}")


def push_one(result: RepoResult, remote: str) -> PushResult:
    """Push the branch of one repository's result, unless the remote already has that commit."""
    if result.status not in (MIGRATED_STATUS, DONE) or not result.branch:
        return PushResult(result.repo, SKIPPED, "no branch to push")
    ref = branch_ref(result.branch)
    try:
        local = _git(result.repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        if local.returncode != 0:
            return PushResult(result.repo, FAILED, f"the branch {result.branch} is missing")
        commit = local.stdout.strip()
        remote_ref = _git(result.repo, "ls-remote", "--heads", remote, ref)
        if remote_ref.returncode != 0:
            return PushResult(result.repo, FAILED, f"cannot read {remote}: {_message(remote_ref)}")
        there = remote_ref.stdout.split()[:1]
        if there == [commit]:
            return PushResult(result.repo, DONE, f"{remote} already has {commit[:12]}")
        pushed = _git(result.repo, "push", "--porcelain", remote, f"{ref}:{ref}")
    except subprocess.TimeoutExpired:
        return PushResult(result.repo, FAILED, f"no answer from {remote} in {PUSH_TIMEOUT}s")
    except OSError as exc:
        return PushResult(result.repo, FAILED, f"cannot run git: {exc.strerror or exc}")
    if pushed.returncode != 0:
        return PushResult(result.repo, FAILED, f"push rejected: {_message(pushed)}")
    return PushResult(result.repo, PUSHED, f"{result.branch} -> {remote} at {commit[:12]}")


def push_all(results: list[RepoResult], remote: str) -> list[PushResult]:
    return [push_one(r, remote) for r in results]


def render(pushes: list[PushResult], remote: str) -> str:
    """A short section after the table: counts, then one line per push that did not succeed."""
    counts: dict[str, int] = {}
    for p in pushes:
        counts[p.status] = counts.get(p.status, 0) + 1
    order = (PUSHED, DONE, FAILED, SKIPPED)
    parts = ", ".join(f"{counts[s]} {s}" for s in order if counts.get(s))
    lines = [f"Push to {remote}: {parts or 'nothing to push'}"]
    lines += [f"  failed  {p.repo}: {p.detail}" for p in pushes if p.status == FAILED]
    return "\n".join(lines) + "\n"
