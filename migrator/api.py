"""Paths in, a report out. No printing here: the CLI decides what the user sees."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from codemods.findings import KEYLESS, Notice
from codemods.options import MigrationOptions
from migrator.discovery import FileSelection, generated_marker, iter_files
from migrator.engine import (
    CHANGED,
    FAILED,
    MODE_CHECK,
    MODE_WRITE,
    SKIPPED,
    UNCHANGED,
    FileResult,
    needs_a_look,
    write_result,
)
from migrator.files import analyse_path
from migrator.keyconfig import Listing
from migrator.project_files import hold_old_pins, post_run
from migrator.report import Report
from migrator.testcode import find_test_files

Progress = Callable[[FileResult], None]

# Worker processes pay for themselves only past a few files that need parsing: starting one and
# importing LibCST in it costs about as much as parsing a handful of modules.
PARALLEL_MIN_FILES = 6
# Below this many files the byte search takes less time than starting a process.
PARALLEL_SETTLE_FILES = 400

# Set in the worker processes this module starts: a run inside one never starts a pool of its own.
_IN_WORKER = False


def run(
    paths: list[str],
    options: MigrationOptions | None = None,
    mode: str = MODE_WRITE,
    jobs: int | None = None,
    on_result: Progress | None = None,
    selection: FileSelection | None = None,
    on_files: Callable[[int], None] | None = None,
    edit_dependency_files: bool = False,
) -> Report:
    """Migrate (or check) the files under ``paths``.

    ``on_files`` is told how many files were found, ``on_result`` gets each result as it comes.
    The run goes through its phases once each, over data in memory:

    1. discover the files (once: the console script's quick path hands over what it found);
    2. settle the files that cannot need a change (a byte search finds no client or key name)
       or that are generated, without a parse;
    3. analyse the others: each read once and parsed once, migrated in memory, in worker
       processes when there are enough of them; nothing is written yet;
    4. link: follow clients across modules (``migrator.linking``), from the bytes read in 3;
    5. write the changed files (in write mode), each only if it still holds the bytes read;
    6. project files (dependencies, key configuration); the report renders what is collected.
    In-place, ``--dry-run`` and ``--check`` runs differ only in 5.
    """
    options = options or MigrationOptions()
    selection = selection or FileSelection()
    report = Report(mode, roots=tuple(paths))
    handed = take_handoff(paths, selection)
    listing = handed.listing if handed is not None else Listing()
    files = handed.files if handed is not None else list(iter_files(paths, selection, listing.saw))
    if on_files is not None:
        on_files(len(files))
    jobs = jobs or os.cpu_count() or 1
    try:
        if handed is not None:
            for result in handed.settled:
                _deliver(report, result, on_result)
            pending = handed.pending
        else:
            pending = settle(files, selection, report, on_result, jobs)
        for result in analyse(pending, options, mode, jobs):
            _deliver(report, result, on_result)
        # v1 clients whose base URL comes from configuration: decided by the project's files.
        from migrator.endpoint_evidence import settle_endpoints

        report.results, options = settle_endpoints(report.results, paths, options, mode, listing)
        # Clients whose key is a field of a parameter typed by a settings class of the run.
        from migrator.config_params import confirm_config_params

        report.results, options = confirm_config_params(report.results, paths, options, mode)
        # Files whose project pins an SDK to releases without the token argument: left as read.
        report.results = hold_old_pins(report.results, paths)
        # Modules that use a client built elsewhere (their usage facts, for the role analysis).
        from migrator.linking import gather_facts
        from migrator.settings_link import settle_key_fields

        report.results = gather_facts(report.results, paths, jobs, options, mode)
        # Key variables read through a helper another module of the run defines.
        from migrator.helper_release import release_helper_reads

        report.results = release_helper_reads(report.results, paths, options, mode)
        # Key variables removed from a module that another module of the run imports go back.
        from migrator.key_importers import keep_imported_keys

        every = [r.path for r in report.results]
        report.results = keep_imported_keys(report.results, every, paths, options, mode)
        # Key variables only other modules' rewritten clients read: cleaned up where defined.
        from migrator.key_release import release_key_names

        report.results = release_key_names(report.results, paths, options, mode)
        tests = set() if selection.include_tests else find_test_files(paths, files)
        report.results = [leave_test_file(r) if r.path in tests else r for r in report.results]
        # Settings classes that declare a rewritten key: a settled file may change here too (a
        # test file left as it is gives no key reads: its clients were not migrated).
        report.results = settle_key_fields(report.results, paths, mode)
        # JSON schemas that require a key the rewritten clients read from a JSON config.
        from migrator.config_schema import settle_config_schemas

        report.results = settle_config_schemas(report.results, paths, mode)
        report.results = [
            write_result(leave_test_file(r) if r.path in tests else r, mode) for r in report.results
        ]
        finish(report, paths, jobs, on_result, True, listing, edit_dependency_files)
    except KeyboardInterrupt:
        report.interrupted = True
        # Nothing more is written; the bytes are let go.
        report.results = [write_result(r, MODE_CHECK) for r in report.results]
    return report


def analyse(
    pending: list[str], options: MigrationOptions, mode: str, jobs: int
) -> Iterator[FileResult]:
    """The analysis phase: each file's result, in order, with the bytes read and the bytes to
    write; nothing is written."""
    workers = min(jobs, len(pending))
    if workers <= 1 or len(pending) < PARALLEL_MIN_FILES or _IN_WORKER:
        for path in pending:
            yield analyse_path(path, options, mode)
        return
    chunksize = max(1, min(8, len(pending) // (workers * 4)))
    _preload_for_fork()
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_mark_worker)
    try:
        yield from pool.map(
            analyse_path,
            pending,
            [options] * len(pending),
            [mode] * len(pending),
            chunksize=chunksize,
        )
    except (KeyboardInterrupt, GeneratorExit):
        # The workers ignore Ctrl-C and have written nothing: the queued files are dropped,
        # and only this process reports it.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


@dataclass(frozen=True)
class Handoff:
    """What the console script's quick path found and settled, for the full command to go on
    from instead of walking and reading the tree again."""

    paths: tuple[str, ...]
    selection: FileSelection
    files: list[str]
    settled: list[FileResult]
    pending: list[str]
    listing: Listing = field(default_factory=Listing)  # the directories the walk listed


_handoff: Handoff | None = None


def hand_over(handoff: Handoff) -> None:
    global _handoff
    _handoff = handoff


def take_handoff(paths: list[str], selection: FileSelection) -> Handoff | None:
    """The quick path's work, if it was done for these paths with this selection (once)."""
    global _handoff
    handed, _handoff = _handoff, None
    if handed is None or handed.paths != tuple(paths) or handed.selection != selection:
        return None
    return handed


def settle(
    files: list[str],
    selection: FileSelection,
    report: Report,
    on_result: Progress | None = None,
    jobs: int = 1,
) -> list[str]:
    """Report the files that need no parse; return the others, in order.

    The byte search is the whole cost of a run over a large tree with nothing to migrate: with
    several jobs and many files, forked processes share it (each sends back one small answer
    per file, not the bytes)."""
    results: list[FileResult | None]
    if jobs > 1 and len(files) >= PARALLEL_SETTLE_FILES and not _IN_WORKER and _can_fork():
        share = -(-len(files) // jobs)
        parts = [files[i : i + share] for i in range(0, len(files), share)]
        include = [selection.include_generated] * len(parts)
        pool = ProcessPoolExecutor(
            len(parts), mp_context=multiprocessing.get_context("fork"), initializer=_mark_worker
        )
        try:
            results = [r for part in pool.map(_settle_many, parts, include) for r in part]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        results = [_settle_early(path, selection.include_generated) for path in files]
    pending: list[str] = []
    for path, settled in zip(files, results, strict=False):
        if settled is None:
            pending.append(path)
        else:
            _deliver(report, settled, on_result)
    return pending


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _settle_many(paths: list[str], include_generated: bool) -> list[FileResult | None]:
    return [_settle_early(path, include_generated) for path in paths]


def finish(
    report: Report,
    paths: list[str],
    jobs: int,
    on_result: Progress | None = None,
    linked: bool = False,
    listing: Listing | None = None,
    edit_dependency_files: bool = False,
) -> None:
    """What a run does once every file has its result: usage across modules (unless
    ``linked``), project files (``listing``: the directories the discovery walk listed; a
    dependency file that was not given is edited only with ``edit_dependency_files``)."""
    if not linked:
        from migrator.linking import gather_facts

        report.results = gather_facts(report.results, paths, jobs)
    for result in post_run(
        paths, list(report.results), report.mode, listing, edit_dependency_files
    ):  # dependency files, key configuration
        _deliver(report, result, on_result)


def _mark_worker() -> None:
    global _IN_WORKER
    _IN_WORKER = True
    # A terminal's Ctrl-C reaches every process of the group: the parent stops the run, a worker
    # finishes the file it is on instead of dying with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _preload_for_fork() -> None:
    """Forked workers inherit the parent's modules: import the parser once here, not per worker."""
    if multiprocessing.get_start_method() == "fork":
        import libcst  # noqa: F401

        import codemods.pipeline  # noqa: F401


def _settle_early(path: str, include_generated: bool) -> FileResult | None:
    """The result for a file that needs no parse, or None when the engine must look at it."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None  # the engine reports it
    if not include_generated:
        marker = generated_marker(data)
        if marker is not None:
            return FileResult(
                path, SKIPPED, reason=f"generated file ({marker}); --include-generated migrates it"
            )
    if not needs_a_look(path, data):  # the engine's own first test: it would answer the same
        return FileResult(path, UNCHANGED)
    return None


TEST_FILE_RULE = "test-file-skipped"


def leave_test_file(result: FileResult) -> FileResult:
    """A test file's result once it is left as it is: nothing written, nothing migrated (its keys
    are dummies for a mocked transport, and a token provider would make the tests ask for real
    tokens); one info line when it builds a key-based client, so the report still lists it."""
    keyed = [c for c in result.clients if c.outcome != KEYLESS]
    if not keyed and result.status not in (CHANGED, FAILED):
        return result
    notices: tuple[Notice, ...] = ()
    if keyed:
        first = min(keyed, key=lambda c: (c.cell or 0, c.line, c.column))
        count = f"{len(keyed)} key-based client{'s' if len(keyed) != 1 else ''}"
        message = f"test file with {count} left as it is; pass --include-tests to migrate it"
        notices = (Notice(first.line, first.column, TEST_FILE_RULE, message, "info", first.cell),)
    return FileResult(
        result.path,
        SKIPPED,
        notices=notices,
        reason="test file (tests/, test_*.py, *_test.py, conftest.py); --include-tests migrates it",
        kind=result.kind,
        facts=result.facts,
    )


def _deliver(report: Report, result: FileResult, on_result: Progress | None) -> None:
    report.add(result)
    if on_result is not None:
        on_result(result)
