"""``python -m migrator``.

``-m`` puts the current directory first on ``sys.path``: run from inside a tree being migrated, a
``codemods/`` package or a ``libcst.py`` there would be imported by the tool. Unless the current
directory is where this package itself comes from, it is taken off the path before anything else
is imported. (A ``migrator.py`` or ``migrator/`` in that directory is imported by Python before
this file runs; the ``aoai-migrate`` command and ``python -P -m migrator`` never look there.)
"""

import os
import sys


def _drop_current_directory() -> None:
    # -P / PYTHONSAFEPATH (Python 3.11+): the directory was not added in the first place.
    if getattr(sys.flags, "safe_path", False) or not sys.path:
        return
    first = sys.path[0]
    if first not in ("", os.getcwd()):
        return
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if os.path.realpath(first or os.curdir) != os.path.realpath(here):
        del sys.path[0]


_drop_current_directory()

from migrator.quick import entry  # noqa: E402

entry()
