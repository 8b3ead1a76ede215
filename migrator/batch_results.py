"""What a batch run produces: its settings, one result per repository, the statuses they carry,
and the marks that make a branch this tool's. Shared by ``migrator.batch`` (many repositories)
and ``migrator.batch_repo`` (one repository).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migrator import roles

DEFAULT_BRANCH = "aoai-migrate/keyless"
TRAILER_KEY = "Migrated-by"
TRAILER = f"{TRAILER_KEY}: aoai-migrate"
# git config entries that mark a branch as this tool's. They live in the branch's own config
# section, which git removes together with the branch (`git branch -D`) and renames with it.
MARK_COMMIT = "aoaiMigrateCommit"  # the commit the tool made
MARK_FROM = "aoaiMigrateFrom"  # the branch (or commit) that was checked out when it was made

# Statuses, as they appear in the table, the CSV and the JSON.
MIGRATED_STATUS = "migrated"  # a branch with a new commit
PATCHED = "patched"  # a .patch file written; the repository untouched
DONE = "done"  # the tool's branch already exists and holds the migration
NOTHING = "nothing-to-migrate"  # no client found, or none that could be changed
MANUAL_ONLY = "manual-only"  # clients found, none changed automatically: a person must do it
DIRTY = "dirty"  # refused: uncommitted changes
FAILED = "failed"
REMOVED = "removed"  # --reset deleted the tool's branch
KEPT = "kept"  # --reset left a branch: not the tool's, or someone added commits to it
ABSENT = "absent"  # --reset found no such branch
INTERRUPTED = "interrupted"  # Ctrl-C while this repository was being migrated
WOULD_MIGRATE = "would-migrate"  # --dry-run: what a run would commit; nothing written
PROBLEM_STATUSES = (DIRTY, FAILED, INTERRUPTED)

_MAX_LINES = 60  # per commit-message section


@dataclass(frozen=True)
class BatchSettings:
    branch: str = DEFAULT_BRANCH
    allow_dirty: bool = False
    patch_dir: str | None = None  # write patches there instead of committing
    dry_run: bool = False  # migrate in the temporary checkout only: no branch, commit or patch


@dataclass(frozen=True)
class RepoResult:
    repo: str
    status: str
    detail: str = ""
    branch: str | None = None
    patch: str | None = None
    commit: str | None = None
    files: tuple[str, ...] = ()  # files the migration changed, relative to the repository
    migrated: tuple[str, ...] = ()  # "path:line Class"
    manual: tuple[str, ...] = ()  # "path:line Class: why", for clients a person must change
    follow_ups: tuple[str, ...] = ()  # notices and files that could not be processed
    failed_files: int = 0
    identities: tuple[str, ...] = ()
    assignments: tuple[roles.Assignment, ...] = ()
    dependency_files: tuple[str, ...] = ()

    @property
    def problem(self) -> bool:
        return self.status in PROBLEM_STATUSES or self.failed_files > 0


@dataclass
class BatchOutcome:
    results: list[RepoResult] = field(default_factory=list)
    interrupted: bool = False


class BatchInputError(Exception):
    """The list of repositories cannot be read: a usage error, before anything runs."""


class _Stop(Exception):
    """Ends one repository's run with a status (not a crash)."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
