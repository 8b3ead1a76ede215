"""Hostile repositories and trees for the git and file-system parts of issue 15.

Each builder makes its input under a scratch directory and the real command line runs over it
(``python -m migrator``, the ``aoai-migrate`` console script, the pre-commit hook's entry), in
a separate process. ``measure`` runs them all and counts what went wrong:

* ``commands_executed``: marker files written by a command a scanned repository's git
  configuration names (``core.fsmonitor``, hooks in patch mode, filter and diff drivers, a pager,
  ``gpg.program``...) or by a module of a scanned tree the tool imported. Must be 0.
* ``writes_through_links``: files outside the tree changed through a symbolic or hard link.
  Must be 0.
* ``files_corrupted``: files the tool did not migrate that are no longer as they were (a named
  pipe's tree, the big generated modules, a link's target).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.reliability_corpus import CLIENT, ROOT

IDENTITY = ("-c", "user.name=Setup", "-c", "user.email=setup@example.com")
NOTEBOOK = json.dumps(
    {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": CLIENT.splitlines(True),
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    },
    indent=1,
)


def env(scratch: Path) -> dict[str, str]:
    """The CLI's environment: this checkout's code, and no user or system git configuration."""
    home = scratch / "home"
    home.mkdir(parents=True, exist_ok=True)
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), out.get("PYTHONPATH")]))
    out.update(
        HOME=str(home),
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        NO_COLOR="1",
        TERM="dumb",
        COLUMNS="200",
        PYTHONIOENCODING="utf-8",
    )
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_PAGER", "PAGER", "GIT_EDITOR", "EDITOR"):
        out.pop(name, None)
    return out


def run(
    command: list[str], cwd: Path, scratch: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env=env(scratch),
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def tool(*args: str) -> list[str]:
    return [sys.executable, "-m", "migrator", *args]


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *IDENTITY, *args], cwd=repo, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {args}: {proc.stderr}")
    return proc.stdout


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- 1. command-bearing git settings of a scanned repository -------------------------------------


@dataclass(frozen=True)
class GitSetting:
    name: str
    # Makes the repository hostile: (repository, marker file, scratch) -> None. Runs only
    # `git config` and writes files: nothing that the setting itself would trigger.
    apply: Callable[[Path, Path, Path], None]
    attributes: str = ""  # a committed .gitattributes naming a driver
    commit_mode: bool = True  # also tried in commit mode (not hooks, not commit signing)


def _touch(marker: Path) -> str:
    return f"touch '{marker}'"


def _script(directory: Path, name: str, marker: Path) -> Path:
    path = directory / name
    path.write_text(f"#!/bin/sh\n{_touch(marker)}\ncat >/dev/null 2>&1 </dev/null\nexit 0\n")
    path.chmod(0o755)
    return path


def _config(**pairs: str) -> Callable[[Path, Path, Path], None]:
    def apply(repo: Path, marker: Path, scratch: Path) -> None:
        for key, value in pairs.items():
            git(repo, "config", key.replace("__", "."), value.format(touch=_touch(marker)))

    return apply


HOOKS = (
    "pre-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "post-checkout",
    "reference-transaction",
    "post-index-change",
    "pre-auto-gc",
    "post-rewrite",
    "fsmonitor-watchman",
)


def _hooks_in(directory: Path, marker: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for hook in HOOKS:
        _script(directory, hook, marker)


def _hooks_dir(repo: Path, marker: Path, scratch: Path) -> None:
    _hooks_in(repo / ".git" / "hooks", marker)


def _hooks_path(repo: Path, marker: Path, scratch: Path) -> None:
    hooks = scratch / f"hooks-{repo.name}"
    _hooks_in(hooks, marker)
    git(repo, "config", "core.hooksPath", str(hooks))


def _included(repo: Path, marker: Path, scratch: Path) -> None:
    other = scratch / f"included-{repo.name}.cfg"
    other.write_text(
        f"[core]\n\tfsmonitor = {_touch(marker)}\n\tpager = {_touch(marker)}; cat\n"
        f'[filter "inc"]\n\tclean = {_touch(marker)}; cat\n\tsmudge = {_touch(marker)}; cat\n'
    )
    git(repo, "config", "include.path", str(other))


def _included_in_worktrees(repo: Path, marker: Path, scratch: Path) -> None:
    # Only a linked worktree's git directory matches: the configuration seen in the repository
    # itself has no such driver.
    other = scratch / f"worktree-only-{repo.name}.cfg"
    other.write_text(
        f'[filter "wt"]\n\tclean = {_touch(marker)}; cat\n\tsmudge = {_touch(marker)}; cat\n'
        f"\trequired = true\n[core]\n\tfsmonitor = {_touch(marker)}\n"
    )
    git(repo, "config", "includeIf.gitdir:**/worktrees/**.path", str(other))


def _gpg(sign: bool) -> Callable[[Path, Path, Path], None]:
    def apply(repo: Path, marker: Path, scratch: Path) -> None:
        program = _script(scratch, f"gpg-{repo.name}", marker)
        git(repo, "config", "gpg.program", str(program))
        git(repo, "config", "log.showSignature", "true")
        if sign:
            git(repo, "config", "commit.gpgSign", "true")

    return apply


GIT_SETTINGS: tuple[GitSetting, ...] = (
    GitSetting("fsmonitor", _config(core__fsmonitor="{touch}")),
    GitSetting("hooks-dir", _hooks_dir, commit_mode=False),
    GitSetting("hooks-path", _hooks_path, commit_mode=False),
    GitSetting("diff-external", _config(diff__external="{touch}; true")),
    GitSetting(
        "diff-driver",
        _config(diff__evil__command="{touch}; true", diff__evil__textconv="{touch}; cat"),
        attributes="*.py diff=evil\n",
    ),
    GitSetting(
        "filter-driver",
        _config(
            filter__evil__clean="{touch}; cat",
            filter__evil__smudge="{touch}; cat",
            filter__evil__required="true",
        ),
        attributes="*.py filter=evil\n",
    ),
    GitSetting(
        "filter-process",
        _config(filter__proc__process="{touch}"),
        attributes="*.py filter=proc\n",
    ),
    GitSetting(
        "pager",
        _config(
            core__pager="{touch}; cat",
            pager__status="{touch}; cat",
            pager__diff="{touch}; cat",
            pager__log="{touch}; cat",
            **{"pager__format-patch": "{touch}; cat"},
        ),
    ),
    GitSetting("editor", _config(core__editor="{touch}; true", sequence__editor="{touch}; true")),
    GitSetting(
        "credentials",
        _config(credential__helper="!{touch}; true", core__askPass="{touch}; true"),
    ),
    GitSetting(
        "ssh-and-transport",
        _config(
            core__sshCommand="{touch}; false",
            remote__origin__url="ssh://example.invalid/repo.git",
            remote__origin__uploadpack="{touch}; false",
            remote__origin__receivepack="{touch}; false",
            core__alternateRefsCommand="{touch}; true",
            submodule__recurse="true",
        ),
    ),
    GitSetting(
        "merge-driver",
        _config(merge__evil__driver="{touch}; true"),
        attributes="*.py merge=evil\n",
    ),
    GitSetting("include-path", _included, attributes="*.py filter=inc\n"),
    GitSetting("include-if-worktree", _included_in_worktrees, attributes="*.py filter=wt\n"),
    GitSetting("gpg-verify", _gpg(sign=False)),
    GitSetting("gpg-sign", _gpg(sign=True), commit_mode=False),
)


def make_hostile_repo(path: Path, setting: GitSetting, marker: Path, scratch: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch", "main")
    (path / "app.py").write_text(CLIENT)
    (path / "requirements.txt").write_text("openai\n")
    if setting.attributes:
        (path / ".gitattributes").write_text(setting.attributes)
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "-m", "initial")
    setting.apply(path, marker, scratch)
    return path


def git_settings(scratch: Path) -> dict:
    """Every setting, in patch mode, and in commit mode where it applies (run twice: the second
    run finds the branch and reports it done). Markers must not appear; the run must work."""
    problems: list[str] = []
    tried = ok = 0
    executed = 0
    for mode in ("patch", "commit"):
        base = scratch / f"git-{mode}"
        markers = base / "markers"
        markers.mkdir(parents=True)
        repos = {}
        for setting in GIT_SETTINGS:
            if mode == "commit" and not setting.commit_mode:
                continue
            repos[setting.name] = make_hostile_repo(
                base / "repos" / setting.name, setting, markers / setting.name, scratch
            )
        args = ["batch", *map(str, repos.values()), "--jobs", "2"]
        if mode == "patch":
            args += ["--patch-dir", str(base / "patches")]
        expected = "patched" if mode == "patch" else "migrated"
        runs = [run(tool(*args, "--summary", str(base / "one.json")), base, scratch)]
        if mode == "commit":
            runs.append(run(tool(*args, "--summary", str(base / "two.json")), base, scratch))
        statuses = {}
        for number, summary in enumerate(("one.json", "two.json")[: len(runs)]):
            try:
                doc = json.loads((base / summary).read_text())
                statuses[number] = {Path(r["repository"]).name: r for r in doc["repositories"]}
            except (OSError, ValueError, KeyError) as exc:
                problems.append(f"{mode}: no summary ({exc}): {runs[number].stderr[-2000:]}")
                statuses[number] = {}
        for name in repos:
            tried += 1
            fine = True
            if (markers / name).exists():
                executed += 1
                fine = False
                problems.append(f"{mode} mode: the repository's {name} setting ran a command")
            first = statuses.get(0, {}).get(name, {})
            if first.get("status") != expected:
                fine = False
                problems.append(f"{mode} mode, {name}: status {first.get('status')!r}: {first}")
            if mode == "commit" and statuses.get(1, {}).get(name, {}).get("status") != "done":
                fine = False
                problems.append(f"commit mode, {name}: the second run is not done")
            ok += fine
    return {"tried": tried, "as_expected": ok, "commands_executed": executed, "problems": problems}


# -- 2. links ------------------------------------------------------------------------------------


def links(scratch: Path) -> dict:
    """Dependency files, code, a notebook and configuration reached through symbolic links, and
    a hard-linked module: what is outside the tree stays as it was; the links stay links."""
    base = scratch / "links"
    outside, tree = base / "outside", base / "tree"
    outside.mkdir(parents=True)
    tree.mkdir()
    (outside / "reqs.txt").write_text("openai\n")
    (outside / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["openai"]\n')
    (outside / "more").mkdir()
    (outside / "more" / "base.txt").write_text("openai\n")
    (outside / "theirs.py").write_text(CLIENT)
    (outside / "theirs.ipynb").write_text(NOTEBOOK)
    (outside / "env").write_text("AZURE_OPENAI_API_KEY=0123456789abcdef0123456789abcdef\n")
    (outside / "hard.py").write_text(CLIENT)
    (tree / "app.py").write_text(CLIENT)
    symlinks = {
        "requirements.txt": "../outside/reqs.txt",
        "pyproject.toml": "../outside/pyproject.toml",
        "requirements": "../outside/more",
        "linked.py": "../outside/theirs.py",
        "linked.ipynb": "../outside/theirs.ipynb",
        ".env": "../outside/env",
    }
    for name, target in symlinks.items():
        (tree / name).symlink_to(target)
    os.link(outside / "hard.py", tree / "hard.py")
    before = {
        p.relative_to(outside).as_posix(): digest(p) for p in outside.rglob("*") if p.is_file()
    }
    proc = run(
        tool(".", "linked.py", "linked.ipynb", "--format", "json", "--jobs", "1"), tree, scratch
    )
    problems: list[str] = []
    after = {
        p.relative_to(outside).as_posix(): digest(p) for p in outside.rglob("*") if p.is_file()
    }
    through = sorted(name for name in before if after.get(name) != before[name])
    problems += [f"{name} (outside the tree) was written through a link" for name in through]
    for name, target in symlinks.items():
        if not (tree / name).is_symlink() or os.readlink(tree / name) != target:
            problems.append(f"{name} is no longer the link it was")
    try:
        files = {os.path.normpath(f["path"]): f for f in json.loads(proc.stdout)["files"]}
    except (ValueError, KeyError) as exc:
        files = {}
        problems.append(f"no JSON report ({exc}): {proc.stderr[-2000:]}")
    for name in ("linked.py", "linked.ipynb"):
        error = (files.get(name) or {}).get("error") or ""
        if "symbolic link" not in error:
            problems.append(f"{name}: not reported as a link: {files.get(name)}")
    if "azure_ad_token_provider" not in (tree / "app.py").read_text():
        problems.append("app.py (a regular file) was not migrated")
    if "azure_ad_token_provider" not in (tree / "hard.py").read_text():
        problems.append("hard.py was not migrated under its own name")
    notes = json.dumps(json.loads(proc.stdout).get("findings", [])) if files else ""
    for name in ("requirements.txt", "pyproject.toml", "requirements"):
        if f"{name} is a symbolic link" not in notes:
            problems.append(f"{name}: the link is not reported")
    if proc.returncode != 3:
        problems.append(f"exit {proc.returncode}, expected 3 (two named links not written)")
    tried = len(symlinks) + 1
    return {
        "tried": tried,
        "as_expected": tried - min(tried, len(problems)),
        "writes_through_links": len(through),
        "files_corrupted": len(through),
        "problems": problems,
    }


# -- 3. special files and modes ------------------------------------------------------------------


def named_pipe(scratch: Path) -> dict:
    """A FIFO named on the command line: refused at once (no writer ever comes)."""
    tree = scratch / "fifo"
    tree.mkdir()
    (tree / "app.py").write_text(CLIENT)
    os.mkfifo(tree / "pipe.py")
    before = digest(tree / "app.py")
    problems: list[str] = []
    started = time.monotonic()
    try:
        proc = run(tool("app.py", "pipe.py"), tree, scratch, timeout=60)
    except subprocess.TimeoutExpired:
        return {"tried": 1, "as_expected": 0, "files_corrupted": 0, "problems": ["a FIFO hangs"]}
    if proc.returncode != 2 or "named pipe" not in proc.stderr:
        problems.append(f"FIFO: exit {proc.returncode}: {proc.stderr[-500:]}")
    if time.monotonic() - started > 30:
        problems.append("FIFO: the refusal took over 30 s")
    corrupted = int(digest(tree / "app.py") != before)  # a usage error changes nothing
    return {
        "tried": 1,
        "as_expected": int(not problems),
        "files_corrupted": corrupted,
        "problems": problems,
    }


def special_modes(scratch: Path) -> dict:
    """setuid and setgid bits of migrated files survive the rewrite."""
    tree = scratch / "modes"
    tree.mkdir()
    modes = {"suid.py": 0o4755, "sgid.py": 0o2755, "both.py": 0o6750}
    for name, mode in modes.items():
        (tree / name).write_text(CLIENT)
        (tree / name).chmod(mode)
    proc = run(tool(".", "--jobs", "1"), tree, scratch)
    problems = (
        [f"modes run: exit {proc.returncode}: {proc.stderr[-500:]}"] if proc.returncode else []
    )
    for name, mode in modes.items():
        now = stat.S_IMODE((tree / name).stat().st_mode)
        if now != mode:
            problems.append(f"{name}: mode {mode:04o} became {now:04o}")
        if "azure_ad_token_provider" not in (tree / name).read_text():
            problems.append(f"{name}: not migrated")
    return {
        "tried": len(modes),
        "as_expected": len(modes) - min(len(modes), len(problems)),
        "problems": problems,
    }


# -- 4. the tool importing a scanned tree's modules ----------------------------------------------

# Module names a tree can hold that the tool imports (itself, its parser, its command line).
SHADOWS = ("codemods", "libcst", "typer", "click", "pathspec", "tomli")


def plant_shadows(tree: Path, marker: Path, with_migrator: bool) -> None:
    """Modules named like the tool's own that write ``marker`` when imported."""
    line = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    (tree / "codemods").mkdir(parents=True, exist_ok=True)
    (tree / "codemods" / "__init__.py").write_text(line)
    for name in SHADOWS[1:]:
        (tree / f"{name}.py").write_text(line)
    if with_migrator:
        (tree / "migrator.py").write_text(line)
    for i in range(8):  # enough files that need parsing for a worker pool to start
        (tree / "src" / f"client_{i}.py").parent.mkdir(parents=True, exist_ok=True)
        (tree / "src" / f"client_{i}.py").write_text(CLIENT)


def _hook_entries() -> list[list[str]]:
    entries = []
    for line in (ROOT / ".pre-commit-hooks.yaml").read_text().splitlines():
        if line.strip().startswith("entry:"):
            entries.append(line.split(":", 1)[1].split())
    return entries


def console_script() -> str:
    """The ``aoai-migrate`` script next to this interpreter (where pip puts it)."""
    return str(Path(sys.executable).parent / "aoai-migrate")


def invocations(tree: Path, with_migrator: bool) -> list[tuple[str, list[str]]]:
    """The ways the project documents or uses to run the tool, from inside ``tree``."""
    out = [
        ("aoai-migrate", [console_script(), "migrate", ".", "--jobs", "2", "--dry-run"]),
        (
            "python -P -m migrator",
            [sys.executable, "-P", "-m", "migrator", ".", "--jobs", "2", "--dry-run"],
        ),
    ]
    if not with_migrator:
        # `python -m migrator` finds the package only when no migrator.py shadows it.
        out.append(("python -m migrator", tool(".", "--jobs", "2", "--dry-run")))
        patches = f"../patches-{tree.name}"
        out.append(("python -m migrator batch", tool("batch", ".", "--patch-dir", patches)))
    # pre-commit runs the hook's entry with the files; the one that writes goes last, so that
    # every invocation before it has files to parse.
    files = sorted(str(p.relative_to(tree)) for p in (tree / "src").glob("*.py"))
    for entry in sorted(_hook_entries(), key=lambda e: "--check" not in e):
        script = shutil.which(entry[0], path=str(Path(sys.executable).parent)) or entry[0]
        out.append((f"pre-commit hook: {' '.join(entry)}", [script, *entry[1:], *files]))
    return out


def imports_from_tree(scratch: Path) -> dict:
    problems: list[str] = []
    tried = ok = executed = 0
    for with_migrator in (False, True):
        tree = scratch / ("shadows-with-migrator" if with_migrator else "shadows")
        marker = scratch / f"imported-{tree.name}.txt"
        plant_shadows(tree, marker, with_migrator)
        if not with_migrator:
            git(tree, "init", "--quiet")
            git(tree, "add", "--all")
            git(tree, "commit", "--quiet", "-m", "initial")
        for label, command in invocations(tree, with_migrator):
            if command[0].endswith("aoai-migrate") and not Path(command[0]).exists():
                continue  # the package is not installed with its script here
            tried += 1
            if marker.exists():
                marker.unlink()
            proc = run(command, tree, scratch)
            fine = True
            if marker.exists():
                executed += 1
                fine = False
                problems.append(f"{label} imported {marker.read_text().split()} from the tree")
            if proc.returncode not in (0, 1) or "Traceback" in proc.stderr:
                fine = False
                problems.append(f"{label}: exit {proc.returncode}: {proc.stderr[-800:]}")
            ok += fine
    return {"tried": tried, "as_expected": ok, "commands_executed": executed, "problems": problems}


# -- 5. big generated-looking modules ------------------------------------------------------------


def generated_catalogue(target_bytes: int, seed: int = 0) -> bytes:
    """A module as a release script writes it: one big dict literal (about ``target_bytes``) whose
    data names a client class and a key variable, and no code that builds a client."""
    rnd = random.Random(seed)
    lines = [
        '"""Deployment catalogue, written by the release script from the provider listing."""\n',
        "from openai.types import Model\n\n",
        "CATALOGUE = {\n",
    ]
    size, i = sum(map(len, lines)), 0
    while size < target_bytes:
        weights = ", ".join(f"{rnd.random():.6f}" for _ in range(24))
        line = (
            f'    "deployment-{i:06d}": {{"provider": "AzureOpenAI", "region": "eastus{i % 7}", '
            f'"context": {4096 * (i % 32 + 1)}, "key_env": "AZURE_OPENAI_API_KEY", '
            f'"weights": [{weights}]}},\n'
        )
        lines.append(line)
        size += len(line)
        i += 1
    lines.append("}\n")
    return "".join(lines).encode()


def big_generated(scratch: Path) -> dict:
    """Three 1.7-1.9 MB generated modules with no marker next to a real client: skipped with a
    note, the client migrated, exit 0 (it was 3)."""
    tree = scratch / "generated"
    (tree / "models").mkdir(parents=True)
    (tree / "app.py").write_text(CLIENT)
    sizes = {
        "models/catalogue_a.py": 1_700_000,
        "models/catalogue_b.py": 1_800_000,
        "models/catalogue_c.py": 1_900_000,
    }
    for n, (name, size) in enumerate(sizes.items()):
        (tree / name).write_bytes(generated_catalogue(size, n))
    before = {name: digest(tree / name) for name in sizes}
    proc = run(tool(".", "--format", "json", "--jobs", "1"), tree, scratch)
    problems: list[str] = []
    try:
        files = {os.path.normpath(f["path"]): f for f in json.loads(proc.stdout)["files"]}
    except (ValueError, KeyError) as exc:
        files = {}
        problems.append(f"no JSON report ({exc}): {proc.stderr[-2000:]}")
    for name in sizes:
        shown = files.get(os.path.normpath(name)) or {}
        if shown.get("status") != "skipped" or "generated-looking" not in (
            shown.get("reason") or ""
        ):
            problems.append(f"{name}: expected skipped as generated-looking: {shown}")
    corrupted = sum(digest(tree / name) != before[name] for name in sizes)
    if proc.returncode != 0:
        problems.append(f"exit {proc.returncode}, expected 0")
    if "azure_ad_token_provider" not in (tree / "app.py").read_text():
        problems.append("app.py was not migrated")
    tried = len(sizes)
    return {
        "tried": tried,
        "as_expected": tried - min(tried, len(problems)),
        "files_corrupted": corrupted,
        "problems": problems,
    }


# -- all of it ------------------------------------------------------------------------------------


def measure(scratch: Path) -> dict:
    """Every hostile input above through the real tool; the counts the benchmark reports."""
    scratch.mkdir(parents=True, exist_ok=True)
    out = {
        "category": "untrusted-fsgit",
        "tried": 0,
        "as_expected": 0,
        "files_corrupted": 0,
        "commands_executed": 0,
        "writes_through_links": 0,
        "problems": [],
    }
    parts = [git_settings, links, named_pipe, special_modes, imports_from_tree, big_generated]
    for part in parts:
        place = scratch / part.__name__
        place.mkdir(parents=True, exist_ok=True)
        got = part(place)
        for key in (
            "tried",
            "as_expected",
            "files_corrupted",
            "commands_executed",
            "writes_through_links",
        ):
            out[key] += got.get(key, 0)
        out["problems"] += [f"{part.__name__}: {p}" for p in got["problems"]]
    return out


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(measure(Path(tmp)), indent=1))
