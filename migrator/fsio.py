"""Reading and writing user files without ever leaving one half-written."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

TEMP_PREFIX = ".aoai-migrate-"


def atomic_write(path: Path, data: bytes, expected: bytes | None = None) -> None:
    """Replace ``path`` with ``data`` in one rename, keeping its permission bits.

    When ``expected`` is given and the file no longer holds it (someone changed it while we
    worked), nothing is written and ``FileChangedError`` is raised.
    """
    st = path.stat()
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        if expected is not None and path.read_bytes() != expected:
            raise FileChangedError(f"{path} changed while it was being migrated; left as it is")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class FileChangedError(Exception):
    pass
