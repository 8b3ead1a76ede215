"""Runs killed part-way (Ctrl-C to the whole process group, and SIGKILL), and two runs at once.

Every file must end either byte-identical to the original or byte-identical to what a run left
to finish makes of it; nothing else may be left in the tree. The kill delays are spread over
one run's length. The suite uses 40 client modules to stay quick; ``bench/reliability.py`` runs
100 and many more kill points.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.reliability_corpus import ROOT, client_tree, file_bytes, interrupt_once, migrated_copy

N = 40


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    original_root = tmp_path_factory.mktemp("original")
    client_tree(original_root, N)
    original = file_bytes(original_root)
    start = time.monotonic()
    migrated = migrated_copy(original, tmp_path_factory.mktemp("migrated"))
    took = time.monotonic() - start
    assert sum(migrated[k] != original[k] for k in original) == N
    return original, migrated, took


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
@pytest.mark.parametrize("fraction", [0.4, 0.8])
def test_a_killed_run_leaves_every_file_whole(tmp_path, trees, sig, fraction):
    original, migrated, took = trees
    result = interrupt_once(original, migrated, tmp_path / "work", sig, took * fraction)
    assert not result.problems, "\n".join(result.problems)
    assert result.migrated + result.untouched == len(original)


def test_ctrl_c_during_the_run_exits_130_with_a_message_and_no_traceback(tmp_path, trees):
    original, migrated, took = trees
    for fraction in (0.5, 0.4, 0.3, 0.2):  # early enough that the run is still going
        result = interrupt_once(
            original, migrated, tmp_path / "work", signal.SIGINT, took * fraction
        )
        assert not result.problems, "\n".join(result.problems)
        if not result.finished_first and result.exit_code == 130:
            break
    else:
        pytest.fail("every run ended before Ctrl-C reached it")
    assert result.untouched > 0  # the queued files were dropped, not migrated after Ctrl-C


def test_two_runs_at_once_do_not_corrupt_a_file(tmp_path, trees):
    original, migrated, _ = trees
    work = tmp_path / "work"
    for rel, data in original.items():
        p = work / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "migrator", ".", "--jobs", "2"],
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=False):
        assert "Traceback" not in out + err, out + err
        # 3 when the other run wrote a file first: that file is then reported as changed meanwhile
        assert proc.returncode in (0, 3), out + err
        if proc.returncode == 3:
            assert "changed while it was being migrated" in out, out
    assert file_bytes(work) == migrated
