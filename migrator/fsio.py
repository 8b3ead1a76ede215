"""Writing user files so that a file is always either as it was or fully new.

The new content is written to an anonymous file in the same directory (Linux ``O_TMPFILE``:
it has no name, so a crash or SIGKILL before the end leaves nothing behind), synced, given the
original's owner and then its mode (in that order: a change of owner clears the setuid and setgid
bits), linked under a temporary name and renamed over the original in one step. Where
``O_TMPFILE`` is missing, a named temporary file is used instead.

A symbolic link is never written through: the file it points to may be outside the tree, so the
link is refused (``LinkedFileError``) and left as it is. A file with other hard links is replaced
under this name only: the rename gives the name a new file, and the other names keep the old
content (nothing outside the tree changes through a hard link either).
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


class LinkedFileError(OSError):
    """The path is a symbolic link: writing would change the file it points to, wherever it is."""


class FileChangedError(Exception):
    """The file changed on disk while it was being migrated: it is left as the other writer left
    it."""


def atomic_write(path: Path | str, data: bytes, expected: bytes | None = None) -> None:
    """Replace the file at ``path`` with ``data``; a symbolic link is refused, not followed.

    When ``expected`` is given and the file no longer holds it, nothing is written and
    ``FileChangedError`` is raised.
    """
    target = Path(os.path.abspath(path))
    st = target.lstat()
    if stat.S_ISLNK(st.st_mode):
        raise LinkedFileError(
            f"{path} is a symbolic link (to {os.readlink(target)}): not written through a link; "
            "left as it is"
        )
    if not stat.S_ISREG(st.st_mode):
        raise IsADirectoryError(f"{path} is not a regular file")
    if not st.st_mode & 0o222:
        raise ReadOnlyFileError(
            f"the file is read-only (mode {stat.S_IMODE(st.st_mode):04o}); "
            "make it writable to migrate it"
        )
    fd, tmp_name = _open_temp(target.parent)
    try:
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _give_owner_and_mode(fd, st)
        if expected is not None and _read_unfollowed(target) != expected:
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


def _give_owner_and_mode(fd: int, st: os.stat_result) -> None:
    try:
        os.fchown(fd, st.st_uid, st.st_gid)
    except (PermissionError, AttributeError):
        pass  # not ours to give away: keep the running user's ownership
    os.fchmod(fd, stat.S_IMODE(st.st_mode))  # after the owner: chown clears setuid and setgid


def _read_unfollowed(target: Path) -> bytes | None:
    """The file's bytes; None for a link put in its place meanwhile (never followed)."""
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


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
            _give_owner_and_mode(handle.fileno(), st)
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
