"""Atomic writes: mode, owner, symlinks, concurrent changes, and nothing left behind."""

from __future__ import annotations

import os
import stat

import pytest

from migrator.fsio import TEMP_PREFIX, FileChangedError, atomic_write


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


def test_a_symbolic_link_stays_a_link_and_its_target_is_written(tmp_path):
    real = tmp_path / "real.py"
    real.write_bytes(b"old\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    atomic_write(link, b"new\n")
    assert link.is_symlink()
    assert real.read_bytes() == b"new\n"


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
