"""Hostile and odd inputs through the real command line: no traceback, a clear reason, the right
exit code, and every file the tool did not migrate byte-for-byte as it was.

The corpus (and each case's expected outcome) is in ``tests/reliability_corpus.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from migrator import api, engine
from migrator.engine import CHANGED, FAILED
from migrator.fsio import FileChangedError  # noqa: F401  (the error the changed-file case must map to)
from tests.reliability_corpus import CLIENT, cases, leftovers, verify

# The default suite uses a 5 MB file only once; the bench script runs the same corpus.
CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(tmp_path, case):
    verdict = verify(case, tmp_path)
    assert not verdict.problems, "\n".join(verdict.problems)
    assert verdict.corrupted == 0


def test_every_category_of_the_issue_is_in_the_corpus():
    names = {c.name for c in CASES}
    for needed in (
        "syntax-error",
        "python2-print",
        "invalid-utf8",
        "latin1-cookie",
        "utf8-bom",
        "crlf",
        "mixed-endings",
        "lone-cr",
        "tabs",
        "form-feed",
        "empty-file",
        "no-final-newline",
        "big-generated",
        "deep-parens",
        "long-chain",
        "notebook-invalid-json",
        "notebook-nbformat3",
        "notebook-no-code",
        "symlink-loop-walked",
        "link-outside-the-tree",
        "read-only-file",
        "space-and-non-ascii-path",
        "directory-named-like-a-file",
    ):
        assert needed in names
    big = next(c for c in CASES if c.name == "big-generated")
    assert len(big.files["big.py"]) >= 5_000_000


def _others_can_run_python() -> bool:
    """The interpreter (and every directory above it) must be reachable by ``nobody``."""
    import sys

    path = Path(os.path.realpath(sys.executable))
    return all(os.stat(d).st_mode & 0o001 for d in path.parents) and bool(
        os.stat(path).st_mode & 0o001
    )


UNPRIVILEGED = pytest.mark.skipif(
    os.geteuid() != 0 or not _others_can_run_python(),
    reason="chmod does not stop root from reading or writing: needs root to drop to `nobody`, "
    "and an interpreter `nobody` can run (this one may live under /root); "
    "test_unreadable_file_reported_in_process covers the reporting path",
)


@UNPRIVILEGED
def test_unreadable_file_as_an_unprivileged_user(tmp_path):
    """chmod 000 does not stop root from reading, so the run drops to ``nobody`` for this one."""
    import pwd
    import tempfile

    from tests.reliability_corpus import run_cli, tree_hashes

    nobody = pwd.getpwnam("nobody")
    base = Path(tempfile.mkdtemp(prefix="hostile-", dir="/tmp"))
    try:
        base.chmod(0o755)
        (base / "secret.py").write_text(CLIENT)
        (base / "secret.py").chmod(0o000)
        (base / "open.py").write_text(CLIENT)
        (base / "open.py").chmod(0o666)
        base.chmod(0o777)
        before = tree_hashes(base)

        def drop() -> None:
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)

        proc = run_cli(".", "--jobs", "1", cwd=base, preexec_fn=drop)
        out = proc.stdout + proc.stderr
        assert "Traceback" not in out, out
        assert proc.returncode == 3, out
        assert "secret.py: error: cannot read: Permission denied; left as it was" in out, out
        after = tree_hashes(base)
        assert after["secret.py"] == before["secret.py"]
        assert after["open.py"] != before["open.py"]  # the rest of the run went on
        assert not leftovers(base)
    finally:
        for p in base.rglob("*"):
            p.chmod(0o644)
        import shutil

        shutil.rmtree(base)


@UNPRIVILEGED
def test_read_only_directory_as_an_unprivileged_user(tmp_path):
    import pwd
    import shutil
    import tempfile

    from tests.reliability_corpus import run_cli, tree_hashes

    nobody = pwd.getpwnam("nobody")
    base = Path(tempfile.mkdtemp(prefix="hostile-", dir="/tmp"))
    try:
        (base / "locked").mkdir()
        (base / "locked" / "app.py").write_text(CLIENT)
        (base / "locked" / "app.py").chmod(0o666)  # the file is writable, its directory is not
        (base / "locked").chmod(0o555)
        base.chmod(0o777)
        before = tree_hashes(base)

        def drop() -> None:
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)

        proc = run_cli(".", "--jobs", "1", cwd=base, preexec_fn=drop)
        out = proc.stdout + proc.stderr
        assert "Traceback" not in out, out
        assert proc.returncode == 3, out
        assert "locked/app.py: error: cannot write" in out, out
        assert tree_hashes(base) == before
        assert not leftovers(base)
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)


def test_unreadable_file_reported_in_process(tmp_path, monkeypatch):
    """Where chmod 000 cannot be used (root), the read itself is made to fail as it would."""
    files = _tree(tmp_path)
    before = {p: p.read_bytes() for p in files}
    real = Path.read_bytes

    def guarded(self):
        if self.name == "m1.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", guarded)
    monkeypatch.setattr(api, "_settle_early", lambda path, include_generated: None)
    report = api.run([str(tmp_path)], jobs=1)
    monkeypatch.undo()
    by_name = {Path(r.path).name: r for r in report.results}
    assert by_name["m1.py"].status == FAILED
    assert by_name["m1.py"].error == "cannot read: Permission denied"
    assert files[1].read_bytes() == before[files[1]]
    assert files[0].read_bytes() != before[files[0]]
    assert report.return_code == 3


# -- files that change or vanish while the run is under way (in-process, around the engine) --------


def _tree(tmp_path: Path, n: int = 3) -> list[Path]:
    files = []
    for i in range(n):
        p = tmp_path / f"m{i}.py"
        p.write_text(CLIENT)
        files.append(p)
    return files


def test_a_file_changed_during_the_run_is_left_as_the_other_writer_left_it(tmp_path, monkeypatch):
    files = _tree(tmp_path)
    victim = files[1]
    theirs = CLIENT + "# edited by someone else meanwhile\n"
    real = engine.migrate_source

    def racing(data, options, filename=None):
        result = real(data, options, filename)
        if filename and Path(filename).name == victim.name:
            victim.write_text(theirs)
        return result

    monkeypatch.setattr(engine, "migrate_source", racing)
    report = api.run([str(tmp_path)], jobs=1)
    by_name = {Path(r.path).name: r for r in report.results}
    assert by_name[victim.name].status == FAILED
    assert "changed while it was being migrated" in by_name[victim.name].error
    assert victim.read_text() == theirs
    assert by_name["m0.py"].status == CHANGED and by_name["m2.py"].status == CHANGED
    assert report.return_code == 3
    assert not leftovers(tmp_path)


def test_a_file_deleted_during_the_run_is_reported_and_not_recreated(tmp_path, monkeypatch):
    files = _tree(tmp_path)
    victim = files[0]
    real = engine.migrate_source

    def racing(data, options, filename=None):
        result = real(data, options, filename)
        if filename and Path(filename).name == victim.name:
            victim.unlink()
        return result

    monkeypatch.setattr(engine, "migrate_source", racing)
    report = api.run([str(tmp_path)], jobs=1)
    by_name = {Path(r.path).name: r for r in report.results}
    assert by_name[victim.name].status == FAILED
    assert "cannot write" in by_name[victim.name].error
    assert not victim.exists()
    assert by_name["m1.py"].status == CHANGED
    assert not leftovers(tmp_path)


def test_a_file_deleted_between_discovery_and_reading(tmp_path, monkeypatch):
    files = _tree(tmp_path)
    real_iter = api.iter_files

    def vanishing(paths, selection, *rest):
        found = list(real_iter(paths, selection, *rest))
        files[2].unlink()
        return iter(found)

    monkeypatch.setattr(api, "iter_files", vanishing)
    report = api.run([str(tmp_path)], jobs=1)
    by_name = {Path(r.path).name: r for r in report.results}
    assert by_name["m2.py"].status == FAILED
    assert "cannot read" in by_name["m2.py"].error
    assert report.return_code == 3
