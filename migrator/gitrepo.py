"""Git, run as a subprocess with explicit arguments (never a shell), for the batch command.

Only what ``batch`` needs: find a repository's top, its HEAD and state, make and remove temporary
worktrees, commit, and read or write a few refs and config entries. Nothing here touches the
network: no fetch, no push, and Git LFS is told not to download content on checkout.

The repositories are not the tool's: their ``.git/config`` (and what it includes) can name commands
that git runs by itself (``core.fsmonitor``, hooks, filter and diff drivers, ``gpg.program`` under
``log.showSignature``...). Every git call here overrides those settings on its command line, which
wins over every configuration file; the one exception is the commit of commit mode, which runs the
repository's hooks and signs as configured, like any commit made there.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, replace
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

# Overrides given to every git call (`-c` beats every configuration file, includes too).
NEUTRAL_CONFIG = (
    "core.fsmonitor=false",  # a command run by status, add, diff, checkout...
    "core.pager=cat",  # no pager is started without a terminal; and --no-pager as well
    "core.editor=true",
    "sequence.editor=true",
    "core.askPass=",
    "credential.helper=",  # an empty value clears the list of helpers
    "diff.external=",  # and --no-ext-diff where a diff is made
    "log.showSignature=false",  # verifying a signature runs gpg.program
    "protocol.allow=never",  # no transport at all: no ssh command, upload-pack, remote helpers
    "submodule.recurse=false",
    "gc.auto=0",
    "maintenance.auto=false",
)
# Hooks off: a path that is no directory, so git finds no hook in it.
NO_HOOKS = f"core.hooksPath={os.devnull}"
# Driver settings that run a command, by driver kind (`filter.<name>.clean`, `diff.<name>.command`).
_DRIVER_COMMANDS = {
    "filter": ("clean", "smudge", "process"),
    "diff": ("command", "textconv"),
    "merge": ("driver",),
}

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
    env["GIT_PAGER"] = "cat"
    env.pop("GIT_CONFIG_PARAMETERS", None)  # `-c` from a calling git: ours are given explicitly
    env.pop("GIT_CONFIG_COUNT", None)
    env.pop("GIT_EXTERNAL_DIFF", None)
    from migrator import quick

    if quick.SAFE_PATH_SET:  # set for the tool's own workers: hooks run as without the tool
        env.pop("PYTHONSAFEPATH", None)
    env.setdefault("GIT_OPTIONAL_LOCKS", "0")  # `git status` need not refresh the user's index
    return env


@dataclass
class Git:
    """Runs git in one directory (a repository or one of its worktrees).

    Every call runs with ``NEUTRAL_CONFIG`` and, unless ``hooks`` is set, without the
    repository's hooks; ``config`` adds pairs after those (driver overrides, an identity).
    """

    cwd: Path
    config: tuple[str, ...] = ()  # extra `-c key=value` pairs
    env: dict[str, str] | None = None
    hooks: bool = False
    # (key, value) given through GIT_CONFIG_COUNT: a driver's name may hold a `=`, which `-c`
    # cannot carry
    overrides: tuple[tuple[str, str], ...] = ()

    def _exec(
        self,
        args: tuple[str, ...],
        input: str | None,
        extra_env: dict[str, str] | None,
        text: bool = True,
    ) -> subprocess.CompletedProcess:
        command = ["git", "--no-pager"]
        for pair in NEUTRAL_CONFIG + (() if self.hooks else (NO_HOOKS,)) + self.config:
            command += ["-c", pair]
        command += list(args)
        env = dict(self.env if self.env is not None else base_env())
        if extra_env:
            env.update(extra_env)
        if self.overrides:
            env["GIT_CONFIG_COUNT"] = str(len(self.overrides))
            for i, (key, value) in enumerate(self.overrides):
                env[f"GIT_CONFIG_KEY_{i}"] = key
                env[f"GIT_CONFIG_VALUE_{i}"] = value
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

    def without_drivers(self) -> Git:
        """This Git, with every driver command the configuration seen here defines emptied.

        Seen here: an ``includeIf`` on the git directory or the branch can add drivers in one
        worktree, or on one branch, only; so this is asked again where either changes."""
        found = driver_config(self)
        return replace(self, overrides=tuple(dict.fromkeys(self.overrides + found)))


def driver_config(repo: Git) -> tuple[tuple[str, str], ...]:
    """Overrides that empty every filter, diff and merge driver command the configuration
    seen in ``repo`` defines (a driver is named by ``.gitattributes``, defined in config)."""
    listed = repo.value(
        "config", "--null", "--name-only", "--get-regexp", r"^(filter|diff|merge)\."
    )
    drivers: set[tuple[str, str]] = set()
    for name in (listed or "").split("\0"):
        kind, _, rest = name.partition(".")
        driver = rest.rpartition(".")[0]
        if kind in _DRIVER_COMMANDS and driver:
            drivers.add((kind, driver))
    pairs: list[tuple[str, str]] = []
    for kind, driver in sorted(drivers):
        pairs += [(f"{kind}.{driver}.{key}", "") for key in _DRIVER_COMMANDS[kind]]
        if kind == "filter":
            pairs.append((f"filter.{driver}.required", "false"))  # else an emptied filter fails
    return tuple(pairs)


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
