"""Paths in, a report out. No printing here: the CLI decides what the user sees."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from codemods.options import MigrationOptions
from migrator.discovery import iter_files
from migrator.engine import MODE_WRITE, FileResult, process_file
from migrator.linking import gather_facts
from migrator.project_files import post_run
from migrator.report import Report

Progress = Callable[[FileResult], None]


def run(
    paths: list[str],
    options: MigrationOptions | None = None,
    mode: str = MODE_WRITE,
    jobs: int | None = None,
    on_result: Progress | None = None,
) -> Report:
    options = options or MigrationOptions()
    report = Report(mode, roots=tuple(paths))
    files = list(iter_files(paths))
    jobs = jobs or os.cpu_count() or 1
    try:
        if jobs <= 1 or len(files) < 2:
            for path in files:
                _deliver(report, process_file(path, options, mode), on_result)
        else:
            with ProcessPoolExecutor(max_workers=min(jobs, len(files))) as pool:
                for result in pool.map(process_file, files, [options] * len(files), [mode] * len(files), chunksize=8):
                    _deliver(report, result, on_result)
        # Modules that use a client built elsewhere: their usage facts, for the role analysis.
        report.results = gather_facts(report.results, paths, jobs)
        for result in post_run(paths, list(report.results), mode):  # dependency files, key configuration
            _deliver(report, result, on_result)
    except KeyboardInterrupt:
        report.interrupted = True
    return report


def _deliver(report: Report, result: FileResult, on_result: Progress | None) -> None:
    report.add(result)
    if on_result is not None:
        on_result(result)
