"""aoai-migrate's speed and memory at repository scale, against baselines measured in the same run.

Usage (from the repository, with the project installed in the running Python):

    python bench/run.py                   # the full run (prints Markdown tables)
    python bench/run.py --quick           # a smaller, single-repetition run (about a minute)
    python bench/run.py --reps 5 --jobs 2 --json results.json
    python bench/run.py --scale 0.5 --clients 100 --skip-libcst

Corpora, built afresh in a temporary directory on every run, deterministically:

    (a) stdlib   the running Python's standard-library .py files (about 1,800; no clients)
    (b) mixed    the same tree with 1% of its files replaced by generated client modules
    (c) clients  generated client modules only (200 by default, 50-1,500 lines each)

Commands timed (wall clock and CPU time of the process tree, peak memory), each on a fresh copy
of its corpus so that nothing is ever pre-migrated:

    aoai-migrate --check --jobs J                         on (a), (b), (c) \
(also with --jobs 1 on (c))
    grep -rlE '<trigger words>' --include=*.py            on (a), (b), (c): the floor, reading bytes
    python -m libcst.tool codemod -x codemods.pipeline.MigrateModule --no-format -j J
                                                          on (b): the approach the tool improves on
    libcst.parse_module(data).code for every file, one process, on (c): the cost of the parse

The trigger words are read from ``codemods.targets.TRIGGER_WORDS`` at run time. Memory is the
peak resident set of the whole process tree (sampled every 20 ms from /proc, Linux only) and the
largest single process (from wait4). The memory target runs the tool once on (b) copied ten times.

A measurement that takes over 20 seconds is not repeated (its noise is small next to its length).
The machine's load average is printed: on a shared machine, compare the CPU-time ratios too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
LONG_RUN = 20.0  # seconds: longer measurements are taken once

PARSE_SNIPPET = """
import os, sys
import libcst
for root, dirs, files in os.walk(sys.argv[1]):
    dirs.sort()
    for name in sorted(files):
        if name.endswith(".py"):
            with open(os.path.join(root, name), "rb") as handle:
                data = handle.read()
            try:
                libcst.parse_module(data).code
            except Exception:
                pass
"""


@dataclass
class Sample:
    wall: float
    cpu: float
    tree_rss_mb: float
    max_process_rss_mb: float
    returncode: int
    summary: str = ""


@dataclass
class Measurement:
    corpus: str
    label: str
    command: list[str]
    files: int
    lines: int
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def tree_rss_mb(self) -> float:
        return max(s.tree_rss_mb for s in self.samples)

    @property
    def max_process_rss_mb(self) -> float:
        return max(s.max_process_rss_mb for s in self.samples)


# -- running one command --------------------------------------------------------------------


def _tree_rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants (0 once they are gone)."""
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as handle:
                    stack.extend(int(c) for c in handle.read().split())
        except (OSError, ValueError):
            continue
    return total


def run_once(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _tree_rss_bytes(proc.pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        if os.path.isdir("/proc/self/task"):
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if sampler.is_alive():
            sampler.join()
        out.seek(0)
        text = out.read().decode("utf-8", "replace").strip().splitlines()
    summary = text[-1] if text else ""
    return Sample(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        tree_rss_mb=peak[0] / 2**20,
        max_process_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
        returncode=proc.returncode,
        summary=summary[:200],
    )


def fresh_copy(src: Path, work: Path) -> Path:
    dest = work / f"run-{time.monotonic_ns()}"
    shutil.copytree(src, dest)
    return dest


def measure(m: Measurement, src: Path, work: Path, reps: int, copy: bool, cwd: Path) -> Measurement:
    for _ in range(reps):
        target = fresh_copy(src, work) if copy else src
        command = [str(target) if part == "{corpus}" else part for part in m.command]
        sample = run_once(command, cwd)
        if copy:
            shutil.rmtree(target, ignore_errors=True)
        m.samples.append(sample)
        print(
            f"  {m.corpus:8s} {m.label:28s} {sample.wall:8.2f} s wall {sample.cpu:8.2f} s CPU "
            f"{sample.tree_rss_mb:7.1f} MB  rc={sample.returncode}  {sample.summary[:70]}",
            file=sys.stderr,
            flush=True,
        )
        if sample.wall > LONG_RUN:
            break
    return m


# -- the run --------------------------------------------------------------------------------


def tool_command(jobs: int) -> list[str]:
    script = Path(sys.executable).with_name("aoai-migrate")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "migrator"]
    return [*base, "--check", "--jobs", str(jobs), "{corpus}"]


def grep_command() -> list[str]:
    from codemods.targets import TRIGGER_WORDS

    words = sorted({w.decode() for w in TRIGGER_WORDS})
    pattern = "|".join(re.escape(w) for w in words)
    return ["grep", "-rlE", pattern, "--include=*.py", "{corpus}"]


def libcst_command(jobs: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "libcst.tool",
        "codemod",
        "-x",
        "codemods.pipeline.MigrateModule",
        "--no-format",
        "--hide-progress",
        "-j",
        str(jobs),
        "{corpus}",
    ]


def parse_command() -> list[str]:
    return [sys.executable, "-c", PARSE_SNIPPET, "{corpus}"]


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--reps", type=int, default=3, help="repetitions of each short measurement (median)"
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="share of the standard library in (a)/(b)"
    )
    parser.add_argument(
        "--clients", type=int, default=corpus.CLIENT_FILES, help="files in corpus (c)"
    )
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (both tools)"
    )
    parser.add_argument(
        "--copies", type=int, default=10, help="copies of (b) for the memory target"
    )
    parser.add_argument("--quick", action="store_true", help="--scale 0.25 --clients 50 --reps 1")
    parser.add_argument(
        "--skip-libcst", action="store_true", help="leave out the libcst.tool baseline"
    )
    parser.add_argument("--json", metavar="FILE", help="also write every sample as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.quick:
        args.scale, args.clients, args.reps = 0.25, 50, 1

    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="aoai-bench-"))
    cwd = tmp / "cwd"  # no .libcst.codemod.yaml above it
    cwd.mkdir()
    work = tmp / "work"
    work.mkdir()
    print(f"# building corpora in {tmp}", file=sys.stderr)
    paths = {
        "stdlib": corpus.build_stdlib(tmp / "a" / "stdlib", args.scale),
        "mixed": corpus.build_mixed(tmp / "b" / "mixed", args.scale),
        "clients": corpus.build_clients(tmp / "c" / "clients", args.clients),
    }
    roots = {
        "stdlib": tmp / "a" / "stdlib",
        "mixed": tmp / "b" / "mixed",
        "clients": tmp / "c" / "clients",
    }
    sizes = {name: (len(p), corpus.count_lines(p)) for name, p in paths.items()}
    load_before = loadavg()
    print(f"# load average before: {load_before}", file=sys.stderr)

    J = args.jobs
    results: dict[str, Measurement] = {}

    def run(
        key: str, corpus_name: str, label: str, command: list[str], reps: int, copy: bool = True
    ) -> None:
        files, lines = sizes[corpus_name]
        results[key] = measure(
            Measurement(corpus_name, label, command, files, lines),
            roots[corpus_name],
            work,
            reps,
            copy,
            cwd,
        )

    grep = grep_command()
    for name in ("stdlib", "mixed", "clients"):
        run(f"grep-{name}", name, "grep -rlE", grep, args.reps, copy=False)
        run(f"tool-{name}", name, f"aoai-migrate --check -j{J}", tool_command(J), args.reps)
    run("tool-clients-1", "clients", "aoai-migrate --check -j1", tool_command(1), args.reps)
    run("parse-clients", "clients", "parse_module + .code", parse_command(), args.reps, copy=False)
    if not args.skip_libcst:
        run("libcst-mixed", "mixed", f"libcst.tool codemod -j{J}", libcst_command(J), 1)

    # The memory target: (b) copied ten times, one run.
    big = tmp / "b10" / "mixed-x10"
    corpus.replicate(roots["mixed"], big, args.copies)
    files, lines = sizes["mixed"]
    sizes["mixed-x10"] = (files * args.copies, lines * args.copies)
    roots["mixed-x10"] = big
    run(
        "tool-mixed-x10", "mixed-x10", f"aoai-migrate --check -j{J}", tool_command(J), 1, copy=False
    )

    elapsed = time.perf_counter() - started
    load_after = loadavg()
    report(results, args, sizes, elapsed, load_before, load_after)
    if args.json:
        payload = {
            "python": sys.version,
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "args": vars(args),
            "elapsed": elapsed,
            "load": [load_before, load_after],
            "results": {k: {**asdict(m), "wall": m.wall, "cpu": m.cpu} for k, m in results.items()},
        }
        Path(args.json).write_text(json.dumps(payload, indent=2))
    if args.keep:
        print(f"# kept {tmp}", file=sys.stderr)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("inf")


def report(
    results: dict[str, Measurement], args, sizes, elapsed: float, load_before: str, load_after: str
) -> None:
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"--jobs {args.jobs}; scale {args.scale}; {args.clients} client files; "
        f"reps {args.reps} (median)"
    )
    print()
    print(
        "| corpus | files | lines | command | wall s | CPU s | files/s | lines/s "
        "| peak RSS, tree | largest process |"
    )
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for m in results.values():
        print(
            f"| {m.corpus} | {m.files:,} | {m.lines:,} | `{m.label}` "
            f"| {m.wall:.2f} | {m.cpu:.2f} | "
            f"{m.files / m.wall:,.0f} | {m.lines / m.wall:,.0f} | {m.tree_rss_mb:.0f} MB | "
            f"{m.max_process_rss_mb:.0f} MB |"
        )
    print()
    rows = []

    def target(
        name: str, value: float, cpu_value: float | None, goal: str, met: bool, unit: str = "x"
    ) -> None:
        cpu_text = f"{cpu_value:.2f}{unit}" if cpu_value is not None else "-"
        rows.append(
            f"| {name} | {value:.2f}{unit} | {cpu_text} | {goal} | {'met' if met else 'not met'} |"
        )

    t, g = results["tool-stdlib"], results["grep-stdlib"]
    r = _ratio(t.wall, g.wall)
    target("(a) aoai-migrate / grep, wall", r, _ratio(t.cpu, g.cpu), "at most 4x", r <= 4)
    if "libcst-mixed" in results:
        lc, tb = results["libcst-mixed"], results["tool-mixed"]
        r = _ratio(lc.wall, tb.wall)
        target(
            "(b) libcst.tool codemod / aoai-migrate, wall",
            r,
            _ratio(lc.cpu, tb.cpu),
            "at least 50x",
            r >= 50,
        )
    t1, p = results["tool-clients-1"], results["parse-clients"]
    r = _ratio(t1.wall, p.wall)
    target(
        "(c) aoai-migrate -j1 / bare parse + print, wall",
        r,
        _ratio(t1.cpu, p.cpu),
        "at most 2x",
        r <= 2,
    )
    tj = results["tool-clients"]
    r = _ratio(t1.wall, tj.wall)
    target(f"(c) speed-up from 1 to {args.jobs} workers", r, None, "at least 1.7x", r >= 1.7)
    mem = results["tool-mixed-x10"]
    rows.append(
        f"| peak RSS on (b) x{args.copies} ({mem.files:,} files), whole tree "
        f"| {mem.tree_rss_mb:.0f} MB | - | "
        f"under 300 MB | {'met' if mem.tree_rss_mb < 300 else 'not met'} |"
    )
    print("| target | measured | same ratio in CPU time | goal | |")
    print("| --- | ---: | ---: | --- | --- |")
    print("\n".join(rows))
    print()
    print(f"Whole run: {elapsed:.0f} s. Load average before {load_before}, after {load_after}.")


if __name__ == "__main__":
    sys.exit(main())
