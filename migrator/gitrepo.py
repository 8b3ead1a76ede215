"""Git, run as a subprocess with explicit arguments (never a shell), for the batch command.

Only what ``batch`` needs: find a repository's top, its HEAD and state, make and remove temporary
worktrees, commit, and read or write a few refs and config entries. Nothing here touches the
network: no fetch, no push, and Git LFS is told not to download content on checkout.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Set by a calling git (a hook, `git rebase --exec`): they would point our commands at another
# repository, so they are dropped before running git.
_REPOSITORY_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
)

# The identity used only when the machine has none configured.
FALLBACK_NAME = "aoai-migrate"
FALLBACK_EMAIL = "aoai-migrate@localhost"


class GitError(Exception):
    def __init__(self, args: list[str], returncode: int, output: str) -> None:
        self.command = args
        self.returncode = returncode
        self.output = output
        super().__init__(f"git {' '.join(args)} exited with {returncode}: {output.strip()[-400:]}")


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_ENV}
    env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a password
    env["GIT_LFS_SKIP_SMUDGE"] = "1"  # a checkout must not download LFS objects
    env["GIT_EDITOR"] = "true"  # never open an editor
    env.setdefault("GIT_OPTIONAL_LOCKS", "0")  # `git status` need not refresh the user's index
    return env


@dataclass
class Git:
    """Runs git in one directory (a repository or one of its worktrees)."""

    cwd: Path
    config: tuple[str, ...] = ()  # extra `-c key=value` pairs
    env: dict[str, str] | None = None

    def _exec(
        self,
        args: tuple[str, ...],
        input: str | None,
        extra_env: dict[str, str] | None,
        text: bool = True,
    ) -> subprocess.CompletedProcess:
        command = ["git"]
        for pair in self.config:
            command += ["-c", pair]
        command += list(args)
        env = dict(self.env if self.env is not None else base_env())
        if extra_env:
            env.update(extra_env)
        if not text:
            return subprocess.run(
                command, cwd=self.cwd, input=b"", capture_output=True, env=env, check=False
            )
        return subprocess.run(
            command,
            cwd=self.cwd,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=env,
            check=False,
        )

    def run(
        self, *args: str, input: str | None = None, extra_env: dict[str, str] | None = None
    ) -> str:
        """stdout; raises GitError (with stderr and stdout) when git exits non-zero."""
        proc = self._exec(args, input, extra_env)
        if proc.returncode != 0:
            raise GitError(list(args), proc.returncode, proc.stderr + proc.stdout)
        return proc.stdout

    def run_bytes(self, *args: str, extra_env: dict[str, str] | None = None) -> bytes:
        proc = self._exec(args, None, extra_env, text=False)
        if proc.returncode != 0:
            raise GitError(list(args), proc.returncode, proc.stderr.decode("utf-8", "replace"))
        return proc.stdout

    def value(self, *args: str) -> str | None:
        """Stripped stdout, or None when git exits non-zero (an absent ref, an unset key)."""
        proc = self._exec(args, None, None)
        return proc.stdout.strip() if proc.returncode == 0 else None


def identity_config(repo: Git) -> tuple[str, ...]:
    """``-c`` pairs that let a commit work where no identity is configured, and only there."""
    pairs: list[str] = []
    env = os.environ
    if not repo.value("config", "--get", "user.name") and not (
        env.get("GIT_AUTHOR_NAME") and env.get("GIT_COMMITTER_NAME")
    ):
        pairs.append(f"user.name={FALLBACK_NAME}")
    if not repo.value("config", "--get", "user.email") and not (
        (env.get("GIT_AUTHOR_EMAIL") and env.get("GIT_COMMITTER_EMAIL")) or env.get("EMAIL")
    ):
        pairs.append(f"user.email={FALLBACK_EMAIL}")
    return tuple(pairs)


def branch_ref(branch: str) -> str:
    return f"refs/heads/{branch}"


def valid_branch_name(name: str) -> bool:
    proc = subprocess.run(
        ["git", "check-ref-format", "--branch", name],
        capture_output=True,
        env=base_env(),
        stdin=subprocess.DEVNULL,
        cwd="/",
        check=False,
    )
    return proc.returncode == 0 and not name.startswith("-")
