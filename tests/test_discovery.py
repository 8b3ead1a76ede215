"""Which files a run looks at: gitignore at every level, git's own excludes, virtual environments,
ruff-style exclude/include globs, explicit paths, symbolic links and generated files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from migrator.discovery import (
    DEFAULT_EXCLUDE,
    DiscoveryError,
    FileSelection,
    absolute_pattern,
    generated_marker,
    global_excludes_file,
    iter_files,
)

HAS_GIT = shutil.which("git") is not None


@pytest.fixture(autouse=True)
def isolated_git_config(tmp_path_factory, monkeypatch):
    """No user or system git configuration leaks into a test; each test sets what it needs."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.delenv("GIT_DIR", raising=False)
    return home


def make(root: Path, *files: str, content: str = "x = 1\n") -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def found(
    root: Path, selection: FileSelection | None = None, paths: list[str] | None = None
) -> list[str]:
    targets = paths if paths is not None else [str(root)]
    return sorted(
        os.path.relpath(p, root).replace(os.sep, "/") for p in iter_files(targets, selection)
    )


def git_init(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)


# -- gitignore ------------------------------------------------------------------------------------


def test_nested_gitignores_with_negation_and_anchors(tmp_path):
    git_init(tmp_path)
    (tmp_path / ".gitignore").write_text("*.gen.py\nsecret_dir/\n/top_only.py\n")
    make(
        tmp_path,
        "a.py",
        "x.gen.py",
        "top_only.py",
        "sub/top_only.py",
        "sub/b.py",
        "sub/local_a.py",
        "sub/keep.gen.py",
        "secret_dir/c.py",
        "sub/secret_dir/d.py",
    )
    (tmp_path / "sub" / ".gitignore").write_text("local_*.py\n!keep.gen.py\n")
    assert found(tmp_path) == ["a.py", "sub/b.py", "sub/keep.gen.py", "sub/top_only.py"]


def test_last_matching_line_wins_and_an_ignored_directory_cannot_be_reopened(tmp_path):
    git_init(tmp_path)
    (tmp_path / ".gitignore").write_text("*.py\n!main.py\nout/\n!out/keep.py\n")
    make(tmp_path, "main.py", "other.py", "out/keep.py")
    assert found(tmp_path) == ["main.py"]


def test_gitignore_above_the_walked_directory_applies(tmp_path):
    git_init(tmp_path)
    (tmp_path / ".gitignore").write_text("src/generated/\n")
    make(tmp_path, "src/app.py", "src/generated/client.py")
    assert found(tmp_path, paths=[str(tmp_path / "src")]) == ["src/app.py"]


def test_info_exclude_is_honoured(tmp_path):
    git_init(tmp_path)
    (tmp_path / ".git" / "info").mkdir(exist_ok=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("scratch_*.py\n")
    make(tmp_path, "app.py", "scratch_1.py")
    assert found(tmp_path) == ["app.py"]


def test_global_excludes_default_location(tmp_path, isolated_git_config):
    git_init(tmp_path)
    ignore = isolated_git_config / ".config" / "git" / "ignore"
    ignore.parent.mkdir(parents=True)
    ignore.write_text("*.local.py\n")
    make(tmp_path, "app.py", "settings.local.py")
    assert found(tmp_path) == ["app.py"]


def test_global_excludes_from_core_excludesfile(tmp_path, isolated_git_config):
    git_init(tmp_path)
    (isolated_git_config / ".gitignore_global").write_text("# mine\nnotes_*.py\n")
    (isolated_git_config / ".gitconfig").write_text(
        '[user]\n\tname = someone\n[core]\n\texcludesFile = "~/.gitignore_global" ; a comment\n'
    )
    make(tmp_path, "app.py", "notes_1.py")
    assert found(tmp_path) == ["app.py"]


def test_repository_config_overrides_global_excludesfile(tmp_path, isolated_git_config):
    git_init(tmp_path)
    (isolated_git_config / "global_ignore").write_text("a_*.py\n")
    (isolated_git_config / ".gitconfig").write_text(
        f"[core]\nexcludesfile = {isolated_git_config / 'global_ignore'}\n"
    )
    (tmp_path / "repo_ignore").write_text("b_*.py\n")
    with open(tmp_path / ".git" / "config", "a") as handle:
        handle.write(f"[core]\n\texcludesfile = {tmp_path / 'repo_ignore'}\n")
    make(tmp_path, "a_1.py", "b_1.py")
    assert found(tmp_path) == ["a_1.py"]


def test_git_config_global_variable_and_include(tmp_path, isolated_git_config, monkeypatch):
    extra = isolated_git_config / "extra.cfg"
    extra.write_text(f"[core]\n  excludesFile = {isolated_git_config / 'ign'}\n")
    main = isolated_git_config / "main.cfg"
    main.write_text("[include]\n  path = extra.cfg\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(main))
    assert global_excludes_file(None) == str(isolated_git_config / "ign")


def test_a_tree_outside_any_repository_still_honours_its_gitignore_files(
    tmp_path, isolated_git_config
):
    # No .git anywhere above tmp_path is assumed: check, then walk.
    assert not any((p / ".git").exists() for p in [tmp_path, *tmp_path.parents])
    ignore = isolated_git_config / ".config" / "git" / "ignore"
    ignore.parent.mkdir(parents=True)
    ignore.write_text("*_scratch.py\n")
    (tmp_path / ".gitignore").write_text("out/\n")
    make(tmp_path, "app.py", "out/x.py", "pkg/y.py", "pkg/z_scratch.py", "pkg/w.py")
    (tmp_path / "pkg" / ".gitignore").write_text("w.py\n")
    assert found(tmp_path) == ["app.py", "pkg/y.py"]


def test_respect_gitignore_off(tmp_path):
    git_init(tmp_path)
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    make(tmp_path, "app.py", "ignored.py")
    assert found(tmp_path, FileSelection(respect_gitignore=False)) == ["app.py", "ignored.py"]


def test_worktree_reads_info_exclude_from_the_common_directory(tmp_path):
    main = tmp_path / "main"
    git_dir = main / ".git"
    (git_dir / "info").mkdir(parents=True)
    (git_dir / "info" / "exclude").write_text("wip_*.py\n")
    (git_dir / "worktrees" / "wt").mkdir(parents=True)
    (git_dir / "worktrees" / "wt" / "commondir").write_text("../..\n")
    wt = tmp_path / "wt"
    wt.mkdir()
    (wt / ".git").write_text(f"gitdir: {git_dir / 'worktrees' / 'wt'}\n")
    make(wt, "app.py", "wip_1.py")
    assert found(wt) == ["app.py"]


def test_a_nested_repository_does_not_inherit_the_outer_gitignore(tmp_path):
    git_init(tmp_path)
    (tmp_path / ".gitignore").write_text("tool.py\n")
    inner = tmp_path / "vendor_repo"
    git_init(inner)
    (inner / ".gitignore").write_text("junk.py\n")
    make(tmp_path, "tool.py", "vendor_repo/tool.py", "vendor_repo/junk.py")
    assert found(tmp_path) == ["vendor_repo/tool.py"]


@pytest.mark.skipif(not HAS_GIT, reason="needs git")
def test_agrees_with_git_on_a_tangled_tree(tmp_path, isolated_git_config):
    """Whatever git itself would list (tracked or untracked, not ignored) is what the walk yields."""
    git_init(tmp_path)
    ignore = isolated_git_config / ".config" / "git" / "ignore"
    ignore.parent.mkdir(parents=True)
    ignore.write_text("*.swp.py\n")
    (tmp_path / ".gitignore").write_text(
        "# comment\n\\#literal.py\n*.tmp.py\n!important.tmp.py\n/anchored/\ndeep/**/skip.py\n[ab]_*.py\nlogs/*\n!logs/keep.py\n"
    )
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / ".gitignore").write_text("!b_keep.py\n/local.py\nsub/\n")
    make(
        tmp_path,
        "#literal.py",
        "x.tmp.py",
        "important.tmp.py",
        "anchored/a.py",
        "pkg/anchored/a.py",
        "deep/skip.py",
        "deep/a/b/skip.py",
        "deep/a/ok.py",
        "a_1.py",
        "c_1.py",
        "pkg/b_keep.py",
        "pkg/b_other.py",
        "pkg/local.py",
        "pkg/more/local.py",
        "pkg/sub/x.py",
        "pkg/subx/x.py",
        "logs/keep.py",
        "logs/drop.py",
        "editor.swp.py",
        "plain.py",
    )
    env = {
        **os.environ,
        "HOME": str(isolated_git_config),
        "XDG_CONFIG_HOME": str(isolated_git_config / ".config"),
    }
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--cached", "--exclude-standard"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    expected = sorted(p for p in listed if p.endswith(".py"))
    assert expected  # the tree is not all ignored
    assert found(tmp_path) == expected


# -- directories that are never code of the project ------------------------------------------------


def test_virtual_environments_are_skipped_whatever_their_name(tmp_path):
    make(
        tmp_path,
        "app.py",
        "myenv/lib/python3.11/site-packages/openai_client.py",
        "tools/env2/lib/x.py",
        "conda/lib/y.py",
    )
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "tools" / "env2" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "conda" / "conda-meta").mkdir()
    assert found(tmp_path) == ["app.py"]


def test_default_excludes(tmp_path):
    make(
        tmp_path,
        "app.py",
        ".git/hooks/x.py",
        "node_modules/pkg/x.py",
        "lib/site-packages/x.py",
        "build/lib/x.py",
        "dist/x.py",
        "pkg/__pycache__/x.py",
        ".venv/x.py",
        ".tox/py/x.py",
    )
    assert found(tmp_path) == ["app.py"]


def test_exclude_replaces_the_defaults_and_extend_exclude_adds(tmp_path):
    make(tmp_path, "app.py", "build/x.py", "gen/y.py", "tests/test_a.py", "node_modules/z.py")
    replaced = FileSelection(exclude=("gen",))
    assert found(tmp_path, replaced) == [
        "app.py",
        "build/x.py",
        "node_modules/z.py",
        "tests/test_a.py",
    ]
    extended = FileSelection(extend_exclude=("gen", "test_*.py"))
    assert found(tmp_path, extended) == ["app.py"]
    assert set(DEFAULT_EXCLUDE) >= {"build", "dist", "node_modules", "site-packages", "__pycache__"}


def test_path_globs_are_anchored_where_they_were_written(tmp_path):
    make(tmp_path, "a/x.py", "a/deep/x.py", "b/a/x.py")
    pattern = absolute_pattern("a/*.py", str(tmp_path))
    # "*" crosses directories (as in ruff), but only under the anchored "a/".
    assert found(tmp_path, FileSelection(extend_exclude=(pattern,))) == ["b/a/x.py"]
    only_top = absolute_pattern("a/x.py", str(tmp_path))
    assert found(tmp_path, FileSelection(extend_exclude=(only_top,))) == ["a/deep/x.py", "b/a/x.py"]
    any_depth = absolute_pattern("**/a", str(tmp_path))
    assert found(tmp_path, FileSelection(extend_exclude=(any_depth,))) == []


def test_include_sets_what_a_walk_takes(tmp_path):
    make(tmp_path, "a.py", "b.pyw", "c.ipynb", "d.txt")
    assert found(tmp_path) == ["a.py", "c.ipynb"]
    assert found(tmp_path, FileSelection(include=("*.pyw", "*.py"))) == ["a.py", "b.pyw"]
    brace = FileSelection(include=("*.{py,pyw}",))
    assert found(tmp_path, brace) == ["a.py", "b.pyw"]


def test_a_path_named_explicitly_is_taken_unless_force_exclude(tmp_path, monkeypatch):
    make(tmp_path, "build/gen.py", "pkg/skip_me.py", "pkg/ok.py")
    monkeypatch.chdir(tmp_path)
    named = ["build/gen.py", "pkg/skip_me.py", "pkg/ok.py"]
    selection = FileSelection(extend_exclude=("skip_me.py",))
    assert sorted(iter_files(named, selection)) == sorted(named)
    forced = FileSelection(extend_exclude=("skip_me.py",), force_exclude=True)
    # build/ is a default exclude: with force_exclude it covers the files under it too.
    assert list(iter_files(named, forced)) == ["pkg/ok.py"]


def test_force_exclude_skips_named_files_inside_a_virtualenv(tmp_path, monkeypatch):
    make(tmp_path, "env/lib/x.py", "app.py")
    (tmp_path / "env" / "pyvenv.cfg").write_text("")
    monkeypatch.chdir(tmp_path)
    assert list(iter_files(["env/lib/x.py", "app.py"], FileSelection(force_exclude=True))) == [
        "app.py"
    ]


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(DiscoveryError, match="no such file"):
        list(iter_files([str(tmp_path / "nope")]))


def test_paths_are_shown_as_given_and_each_file_once(tmp_path, monkeypatch):
    make(tmp_path, "a.py", "pkg/b.py")
    monkeypatch.chdir(tmp_path)
    assert list(iter_files([".", "pkg", "pkg/b.py"])) == ["./a.py", "./pkg/b.py"]


# -- symbolic links ---------------------------------------------------------------------------------


def _walk_with_deadline(paths: list[str], seconds: float = 10.0) -> list[str]:
    out: list[str] = []
    worker = threading.Thread(target=lambda: out.extend(iter_files(paths)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "the walk did not finish"
    return out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
@pytest.mark.parametrize("through_a_link", [False, True])
def test_a_named_pipe_given_is_refused_before_anything_is_read(tmp_path, through_a_link):
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "ok.py").write_text("x = 1\n")
    named = tmp_path / "pipe.py"
    if through_a_link:
        (tmp_path / "alias.py").symlink_to("pipe.py")
        named = tmp_path / "alias.py"
    with pytest.raises(DiscoveryError, match=r"not a regular file \(a named pipe\)"):
        list(iter_files([str(tmp_path / "ok.py"), str(named)]))
    # Walked, it is skipped as it always was (not a regular file).
    assert list(iter_files([str(tmp_path)])) == [str(tmp_path / "ok.py")]


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_link_loops_do_not_hang(tmp_path):
    make(tmp_path, "pkg/a.py", "pkg/sub/b.py")
    (tmp_path / "pkg" / "sub" / "loop").symlink_to(tmp_path / "pkg")
    (tmp_path / "pkg" / "self").symlink_to(".")
    (tmp_path / "pkg" / "x").symlink_to("y")
    (tmp_path / "pkg" / "y").symlink_to("x")
    result = _walk_with_deadline([str(tmp_path)])
    assert sorted(os.path.relpath(p, tmp_path) for p in result) == ["pkg/a.py", "pkg/sub/b.py"]


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_links_out_of_the_tree_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    make(outside, "lib.py", "more/other.py")
    tree = tmp_path / "tree"
    make(tree, "app.py")
    (tree / "linked_dir").symlink_to(outside / "more")
    (tree / "linked_file.py").symlink_to(outside / "lib.py")
    (tree / "alias.py").symlink_to(
        tree / "app.py"
    )  # inside the tree: found through the file itself
    assert found(tree) == ["app.py"]


# -- generated files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head, marker",
    [
        (
            b"# -*- coding: utf-8 -*-\n# Generated by the protocol buffer compiler.  DO NOT EDIT!\n",
            "DO NOT EDIT on line 2",
        ),
        (b'"""Client.\n\n@generated by codegen\n"""\n', "@generated on line 3"),
        (b"# Code generated by a tool. DO NOT EDIT.\n", "DO NOT EDIT on line 1"),
    ],
)
def test_generated_markers_in_the_first_lines(head, marker):
    assert generated_marker(head + b"client = 1\n") == marker


def test_a_marker_far_down_the_file_does_not_count():
    body = b"x = 1\n" * 30 + b"# DO NOT EDIT below\n"
    assert generated_marker(body) is None
    assert (
        generated_marker(b"# Generated by Django 4.2\nfrom django.db import migrations\n") is None
    )
