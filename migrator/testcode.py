"""Which files are test code, by pytest's and unittest's conventions.

A run finds test code like any other file but does not migrate it unless ``--include-tests`` is
given: its keys are dummies for mocked transports, and a token provider there would make the tests
ask for a real token. A file named on the command line is judged too (pre-commit names every
file), by its path as written.
"""

from __future__ import annotations

import os

TEST_DIRS = frozenset({"tests", "test"})


def is_test_path(path: str, root: str) -> bool:
    """Whether ``path`` (found under ``root``, the path named on the command line, or named
    itself) is test code by pytest's and unittest's conventions: a directory ``tests`` or
    ``test``, or a file ``test_*.py``, ``*_test.py`` or ``conftest.py``.

    Only the part of the path the user controls is judged: the components below ``root``, and
    ``root``'s own components when it was written as a relative path. An absolute root's parents
    never count, so a project under ``/tmp/test_x0/`` or ``/home/me/test/`` is not all tests.
    """
    if os.path.isabs(root):
        below = os.path.relpath(path, root) if path != root else os.path.basename(path)
    else:
        below = path  # found under ``root`` or ``root`` itself: as written
    parts = [p for p in below.replace(os.sep, "/").split("/") if p not in ("", ".")]
    if not parts:
        return False
    *dirs, name = parts
    if any(d in TEST_DIRS for d in dirs):
        return True
    stem, _, ext = name.rpartition(".")
    if ext != "py":
        return False
    return stem.startswith("test_") or stem.endswith("_test") or stem == "conftest"


def find_test_files(roots: list[str], files: list[str]) -> set[str]:
    """The ``files`` (as ``iter_files`` gave them for ``roots``) that are test code."""
    found: set[str] = set()
    for path in files:
        root = next((r for r in roots if path == r or _under(path, r)), path)
        if is_test_path(path, root):
            found.add(path)
    return found


def _under(path: str, root: str) -> bool:
    return any(path.startswith(root.rstrip(sep) + sep) for sep in {os.sep, "/"})
