"""Running many files: --jobs, when worker processes start, the progress bar, the summary line."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from clitools import cli, write_tree

from migrator import api, progress
from migrator.engine import MODE_CHECK, UNCHANGED

KEYED = (
    "import os\n"
    "from openai import AzureOpenAI\n"
    "\n"
    "client = AzureOpenAI(\n"
    '    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],\n'
    '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n'
    '    api_version="2024-10-21",\n'
    ")\n"
    "reply = client.chat.completions.create(model='gpt-4o', messages=[])\n"
)


def many_files(root: Path, keyed: int, plain: int) -> Path:
    sources = {f"pkg{i % 3}/keyed_{i:03d}.py": KEYED for i in range(keyed)}
    sources.update({f"pkg{i % 3}/plain_{i:03d}.py": f"VALUE_{i} = {i}\n" for i in range(plain)})
    return write_tree(root, sources)


class PoolSpy:
    def __init__(self, monkeypatch):
        self.created: list[int] = []
        real = api.ProcessPoolExecutor
        spy = self

        class Recording(real):  # type: ignore[misc, valid-type]
            def __init__(self, max_workers=None, **kw):
                spy.created.append(max_workers)
                super().__init__(max_workers=max_workers, **kw)

        monkeypatch.setattr(api, "ProcessPoolExecutor", Recording)


def test_jobs_1_and_2_give_identical_results(tmp_path, monkeypatch):
    tree = many_files(tmp_path / "t", keyed=api.PARALLEL_MIN_FILES + 1, plain=20)
    spy = PoolSpy(monkeypatch)
    one = cli(["migrate", ".", "--check", "--format", "json", "--jobs", "1"], cwd=tree)
    assert spy.created == []
    two = cli(["migrate", ".", "--check", "--format", "json", "--jobs", "2"], cwd=tree)
    assert spy.created == [2]  # the parallel path really ran
    assert one.exit_code == two.exit_code == 1
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert one.stdout == two.stdout
    assert json.loads(one.stdout)["summary"]["changed"] == api.PARALLEL_MIN_FILES + 1


def test_write_mode_in_parallel_writes_every_file(tmp_path, monkeypatch):
    tree = many_files(tmp_path / "t", keyed=api.PARALLEL_MIN_FILES, plain=2)
    spy = PoolSpy(monkeypatch)
    report = api.run([str(tree)], jobs=2)
    assert spy.created == [2]
    assert report.changed == api.PARALLEL_MIN_FILES and report.failed == 0
    for path in tree.rglob("keyed_*.py"):
        assert "azure_ad_token_provider=token_provider" in path.read_text()


def test_no_workers_when_prefiltering_leaves_little_to_parse(tmp_path, monkeypatch):
    tree = many_files(tmp_path / "t", keyed=2, plain=200)
    spy = PoolSpy(monkeypatch)
    seen = []
    report = api.run([str(tree)], mode=MODE_CHECK, jobs=2, on_result=seen.append)
    assert spy.created == []
    sources = [r for r in report.results if r.kind == "source"]
    assert report.changed == 2 and len(sources) == 202 and len(seen) == len(report.results)
    plain = [r for r in report.results if "plain_" in r.path]
    assert all(r.status == UNCHANGED and not r.parsed for r in plain)


def _run_in_worker(tree: str) -> int:
    def refuse(*args, **kwargs):
        raise AssertionError("a pool was started inside a worker")

    api.ProcessPoolExecutor = refuse  # only in this worker process, which is thrown away after
    return api.run([tree], mode=MODE_CHECK, jobs=2).changed


def test_a_run_inside_a_worker_starts_no_pool_of_its_own(tmp_path):
    tree = many_files(tmp_path / "t", keyed=api.PARALLEL_MIN_FILES, plain=0)
    with api.ProcessPoolExecutor(max_workers=1, initializer=api._mark_worker) as pool:
        changed = pool.submit(_run_in_worker, str(tree)).result(timeout=300)
    assert changed == api.PARALLEL_MIN_FILES  # it ran serially and did all the work


def _notebook(*cells: str) -> str:
    return (
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "execution_count": None,
                        "metadata": {},
                        "outputs": [],
                        "source": cell.splitlines(keepends=True),
                    }
                    for cell in cells
                ],
                "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            },
            indent=1,
        )
        + "\n"
    )


def test_notebooks_go_through_the_same_run(tmp_path):
    tree = write_tree(
        tmp_path / "t",
        {
            "keyed.ipynb": _notebook("%pip install openai\n", KEYED),
            "plain.ipynb": _notebook("print(1)\n"),
            "a.py": "x = 1\n",
        },
    )
    report = api.run([str(tree)], mode=MODE_CHECK)
    status = {
        os.path.basename(r.path): (r.status, r.parsed) for r in report.results if r.kind == "source"
    }
    assert status == {
        "a.py": (UNCHANGED, False),
        "plain.ipynb": (UNCHANGED, False),  # settled by the byte search, never parsed
        "keyed.ipynb": ("changed", True),
    }


# -- progress -----------------------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_bar_draws_on_a_terminal_once_the_run_is_long():
    stream, clock = FakeTerminal(), Clock()
    bar = progress.ProgressBar(stream, show_after=1.0, clock=clock)
    bar.set_total(4)
    bar.advance()
    assert stream.getvalue() == ""  # a short run shows nothing
    clock.now = 2.0
    bar.advance()
    clock.now = 3.0
    bar.advance()
    bar.advance()
    assert stream.getvalue().endswith("\r[" + "#" * 30 + "] 4/4 files")
    assert "\r[" + "#" * 15 + "-" * 15 + "] 2/4 files" in stream.getvalue()
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_bar_is_silent_on_a_pipe():
    stream, clock = io.StringIO(), Clock()
    bar = progress.ProgressBar(stream, show_after=0.0, clock=clock)
    bar.set_total(2)
    clock.now = 5.0
    bar.advance()
    bar.advance()
    bar.close()
    assert stream.getvalue() == ""


def _cli_subprocess(args: list[str], cwd: Path, **kw):
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args], check=False, cwd=cwd, timeout=300, **kw
    )


def test_no_progress_output_on_a_pipe_and_the_summary_last(tmp_path):
    tree = many_files(tmp_path / "t", keyed=3, plain=30)
    out = _cli_subprocess([".", "--check", "--jobs", "1"], tree, capture_output=True, text=True)
    assert out.returncode == 1
    assert out.stderr == ""
    assert "\r" not in out.stdout and "\x1b" not in out.stdout
    assert out.stdout.splitlines()[-1] == "3 files would be migrated, 30 left unchanged"


# The CLI with stderr on a terminal; the delay before the bar shows is set to 0 so that the
# test does not depend on how fast the machine is.
_ON_A_TERMINAL = """
import sys
import migrator.progress
migrator.progress.SHOW_AFTER_SECONDS = 0.0
from migrator.cli import main
main(sys.argv[1:])
"""


def test_progress_bar_on_a_real_terminal(tmp_path):
    """stderr on a pseudo-terminal: the bar is drawn, then erased before the report."""
    tree = many_files(tmp_path / "t", keyed=3, plain=5)
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", _ON_A_TERMINAL, ".", "--check", "--jobs", "1"],
        cwd=tree,
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    stdout, _ = proc.communicate(timeout=120)
    os.close(leader)
    assert proc.returncode == 1
    assert stdout.splitlines()[-1] == "3 files would be migrated, 5 left unchanged"
    text = seen.decode()
    assert "\r[" + "#" * 30 + "] 8/8 files" in text  # the last file always redraws
    assert text.endswith("\r\x1b[K")  # erased: the terminal is left clean
    assert "\r" not in stdout  # the bar never goes to stdout


def test_the_same_run_on_a_pipe_draws_nothing(tmp_path):
    tree = many_files(tmp_path / "t", keyed=3, plain=5)
    out = subprocess.run(
        [sys.executable, "-c", _ON_A_TERMINAL, ".", "--check", "--jobs", "1"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 1
    assert out.stderr == ""
