"""One file of any kind in, one result out: a notebook through ``migrator.notebooks``, any
other file through ``migrator.engine``. The notebook path builds on the engine, so the choice
between them is made here, above both."""

from __future__ import annotations

from codemods.options import MigrationOptions
from migrator.engine import analyse_file, write_result
from migrator.results import MODE_WRITE, FileResult


def analyse_path(path: str, options: MigrationOptions, mode: str) -> FileResult:
    """One file's analysis (a notebook's or a Python module's); never writes."""
    if path.endswith(".ipynb"):
        from migrator.notebooks import analyse_notebook

        return analyse_notebook(path, options, mode)
    return analyse_file(path, options, mode)


def process_file(path: str, options: MigrationOptions, mode: str = MODE_WRITE) -> FileResult:
    """Migrate one file, a notebook or a Python module: ``analyse_path`` then ``write_result``.
    Never raises for a problem with the file itself."""
    return write_result(analyse_path(path, options, mode), mode)
