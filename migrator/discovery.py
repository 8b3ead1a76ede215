"""Which files a run looks at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "site-packages", "__pycache__", "build", "dist", ".tox", ".nox"}
SOURCE_SUFFIXES = (".py", ".ipynb")


class DiscoveryError(Exception):
    pass


def iter_files(paths: list[str]) -> Iterator[str]:
    """Python files under ``paths``, in a stable order; a file named explicitly is always taken."""
    seen: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise DiscoveryError(f"no such file or directory: {raw}")
        if path.is_file():
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                yield str(path)
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not (Path(root, d) / "pyvenv.cfg").exists())
            for name in sorted(files):
                if name.endswith(SOURCE_SUFFIXES):
                    full = os.path.join(root, name)
                    key = os.path.realpath(full)
                    if key not in seen:
                        seen.add(key)
                        yield full
