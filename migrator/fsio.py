"""Writing user files so that a file is always either as it was or fully new.

The new content is written to an anonymous file in the same directory (Linux ``O_TMPFILE``:
it has no name, so a crash or SIGKILL before the end leaves nothing behind), synced, given the
original's mode and owner, linked under a temporary name and renamed over the original in one
step. Where ``O_TMPFILE`` is missing, a named temporary file is used instead.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

TEMP_PREFIX = ".aoai-migrate-"


class ReadOnlyFileError(PermissionError):
    """The file has no write permission bit: its owner marked it read-only, so it is not replaced
    (root could, since the rename needs only the directory; the tool does not)."""


class FileChangedError(Exception):
    """The file changed on disk while it was being migrated: it is left as the other writer left it."""


def atomic_write(path: Path | str, data: bytes, expected: bytes | None = None) -> None:
    """Replace the file at ``path`` (a symbolic link: its target) with ``data``.

    When ``expected`` is given and the file no longer holds it, nothing is written and
    ``FileChangedError`` is raised.
    """
    target = Path(os.path.realpath(path))
    st = target.stat()
    if not stat.S_ISREG(st.st_mode):
        raise IsADirectoryError(f"{path} is not a regular file")
    if not st.st_mode & 0o222:
        raise ReadOnlyFileError(f"the file is read-only (mode {stat.S_IMODE(st.st_mode):04o}); make it writable to migrate it")
    fd, tmp_name = _open_temp(target.parent)
    try:
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.fchmod(fd, stat.S_IMODE(st.st_mode))
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
        except (PermissionError, AttributeError):
            pass  # not ours to give away: keep the running user's ownership
        if expected is not None and target.read_bytes() != expected:
            raise FileChangedError(f"{path} changed while it was being migrated; left as it is")
        if tmp_name is None:
            try:
                tmp_name = _link_anonymous(fd, target.parent)
            except OSError:  # no /proc, or a file system that refuses: a named copy instead
                tmp_name = _named_copy(data, st, target.parent)
        os.replace(tmp_name, target)
        tmp_name = None
    finally:
        os.close(fd)
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except FileNotFoundError:
                pass


def _open_temp(directory: Path) -> tuple[int, str | None]:
    """(fd, name): name is None for an anonymous file that gets its name only at the end."""
    flag = getattr(os, "O_TMPFILE", 0)
    if flag:
        try:
            return os.open(directory, flag | os.O_WRONLY, 0o600), None
        except OSError:
            pass  # file system without O_TMPFILE support
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=directory)
    return fd, name


def _named_copy(data: bytes, st: os.stat_result, directory: Path) -> str:
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), stat.S_IMODE(st.st_mode))
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return name


def _link_anonymous(fd: int, directory: Path) -> str:
    # linkat() with AT_SYMLINK_FOLLOW on /proc/self/fd/N gives the anonymous file a name;
    # passing a directory fd is what makes os.link use linkat with that flag.
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        while True:
            name = os.path.join(directory, f"{TEMP_PREFIX}{os.urandom(6).hex()}.tmp")
            try:
                os.link(f"/proc/self/fd/{fd}", name, src_dir_fd=dir_fd, follow_symlinks=True)
                return name
            except FileExistsError:
                continue
    finally:
        os.close(dir_fd)
