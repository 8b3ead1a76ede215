"""Atomic writes: mode, owner, symlinks, concurrent changes, and nothing left behind."""

from __future__ import annotations

import os
import stat

import pytest

from migrator.fsio import TEMP_PREFIX, FileChangedError, LinkedFileError, atomic_write


def leftovers(directory):
    return [p.name for p in directory.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_replaces_content_and_keeps_mode(tmp_path):
    target = tmp_path / "app.py"
    target.write_bytes(b"old\n")
    target.chmod(0o751)
    atomic_write(target, b"new\n", expected=b"old\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o751
    assert leftovers(tmp_path) == []


def test_a_file_changed_meanwhile_is_left_as_the_other_writer_left_it(tmp_path):
    target = tmp_path / "app.py"
    target.write_bytes(b"someone else's edit\n")
    with pytest.raises(FileChangedError):
        atomic_write(target, b"ours\n", expected=b"what we read\n")
    assert target.read_bytes() == b"someone else's edit\n"
    assert leftovers(tmp_path) == []


def test_a_symbolic_link_is_refused_and_its_target_left_as_it_was(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    real = outside / "reqs.txt"
    real.write_bytes(b"old\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    link = tree / "requirements.txt"
    link.symlink_to("../outside/reqs.txt")
    with pytest.raises(LinkedFileError, match="symbolic link"):
        atomic_write(link, b"new\n", expected=b"old\n")
    assert link.is_symlink() and os.readlink(link) == "../outside/reqs.txt"
    assert real.read_bytes() == b"old\n"
    assert leftovers(tree) == [] and leftovers(outside) == []


def test_a_link_put_in_place_while_migrating_is_a_change_not_followed(tmp_path, monkeypatch):
    import migrator.fsio as fsio

    target = tmp_path / "app.py"
    target.write_bytes(b"old\n")
    other = tmp_path / "other.py"
    other.write_bytes(b"old\n")
    opened = fsio._open_temp

    def swap(directory):
        target.unlink()
        target.symlink_to(other)  # the same bytes behind it: only the link is different
        return opened(directory)

    monkeypatch.setattr(fsio, "_open_temp", swap)
    with pytest.raises(FileChangedError):
        atomic_write(target, b"new\n", expected=b"old\n")
    assert target.is_symlink() and other.read_bytes() == b"old\n"


def test_a_hard_linked_file_is_replaced_under_its_name_only(tmp_path):
    # Decided: the rename gives this name a new file; the other name keeps the old bytes, so
    # nothing outside the tree changes through a hard link.
    outside = tmp_path / "outside.py"
    outside.write_bytes(b"old\n")
    inside = tmp_path / "tree.py"
    os.link(outside, inside)
    atomic_write(inside, b"new\n", expected=b"old\n")
    assert inside.read_bytes() == b"new\n"
    assert outside.read_bytes() == b"old\n"
    assert outside.stat().st_nlink == 1


@pytest.mark.parametrize("mode", [0o4755, 0o2755, 0o6750])
def test_setuid_and_setgid_bits_are_kept(tmp_path, mode):
    target = tmp_path / "tool.py"
    target.write_bytes(b"old\n")
    target.chmod(mode)
    atomic_write(target, b"new\n", expected=b"old\n")
    assert stat.S_IMODE(target.stat().st_mode) == mode


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_the_named_copy_keeps_owner_and_setuid_too(tmp_path, monkeypatch):
    import migrator.fsio as fsio

    def refuse(fd, directory):
        raise OSError("linkat refused")

    monkeypatch.setattr(fsio, "_link_anonymous", refuse)
    target = tmp_path / "tool.py"
    target.write_bytes(b"old\n")
    os.chown(target, 1234, 5678)
    target.chmod(0o4755)
    atomic_write(target, b"new\n")
    st = target.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1234, 5678, 0o4755)


def test_write_failure_leaves_the_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "app.py"
    target.write_bytes(b"old\n")

    def broken_replace(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert leftovers(tmp_path) == []


def test_directories_are_refused(tmp_path):
    (tmp_path / "pkg.py").mkdir()
    with pytest.raises(IsADirectoryError):
        atomic_write(tmp_path / "pkg.py", b"x")


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_owner_is_kept_when_running_as_root(tmp_path):
    target = tmp_path / "app.py"
    target.write_bytes(b"old\n")
    os.chown(target, 1234, 5678)
    atomic_write(target, b"new\n")
    assert (target.stat().st_uid, target.stat().st_gid) == (1234, 5678)


def test_falls_back_to_a_named_copy_when_the_anonymous_file_cannot_be_linked(tmp_path, monkeypatch):
    import migrator.fsio as fsio

    def refuse(fd, directory):
        raise OSError("linkat refused")

    monkeypatch.setattr(fsio, "_link_anonymous", refuse)
    target = tmp_path / "app.py"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    atomic_write(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []
