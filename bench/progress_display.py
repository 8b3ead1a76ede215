"""The progress bar: hand-written ``migrator.progress.ProgressBar`` against the same bar on rich.

    python bench/progress_display.py                 # 20,000 advances, 5 import samples
    python bench/progress_display.py --advances 100000 --imports 9

Measured in one run, so the ratios compare like with like:

* import: the bar's module imported in a fresh interpreter that has already imported typer (the
  CLI does anyway; typer does not import rich by itself), median of ``--imports`` runs;
* per advance: ``advance()`` on a terminal stream with the bar visible from the start (the worst
  case: every call may redraw), for the hand-written bar and for ``rich.progress.Progress``
  configured to behave the same (transient, redrawn only when advanced, at most 10 times a second);
* output: the bytes each writes to the terminal for the same run.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _import_ms(modules: str, samples: int) -> float:
    """Milliseconds to import ``modules`` in a fresh interpreter that has imported typer."""
    timed = (
        "import time, typer; start = time.perf_counter(); "
        f"import {modules}; print(time.perf_counter() - start)"
    )
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", timed], check=True, cwd=ROOT, capture_output=True, text=True
            ).stdout
        )
        for _ in range(samples)
    ]
    return statistics.median(times) * 1000


def hand_written(advances: int) -> tuple[float, int]:
    from migrator.progress import ProgressBar

    stream = Terminal()
    bar = ProgressBar(stream, show_after=0.0)
    bar.set_total(advances)
    start = time.perf_counter()
    for _ in range(advances):
        bar.advance()
    bar.close()
    return time.perf_counter() - start, len(stream.getvalue())


def on_rich(advances: int) -> tuple[float, int]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress

    stream = Terminal()
    console = Console(file=stream, force_terminal=True, width=80)
    progress = Progress(
        BarColumn(bar_width=30),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        auto_refresh=False,
    )
    start = time.perf_counter()
    with progress:
        task = progress.add_task("files", total=advances)
        last = float("-inf")
        for done in range(1, advances + 1):
            progress.advance(task)
            now = time.monotonic()
            if now - last >= 0.1 or done == advances:
                progress.refresh()
                last = now
    return time.perf_counter() - start, len(stream.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--advances", type=int, default=20_000)
    parser.add_argument("--imports", type=int, default=5)
    args = parser.parse_args(argv)

    own_import = _import_ms("migrator.progress", args.imports)
    rich_import = _import_ms("rich.progress, rich.console", args.imports)
    own_time, own_bytes = hand_written(args.advances)
    rich_time, rich_bytes = on_rich(args.advances)
    own_us = own_time / args.advances * 1e6
    rich_us = rich_time / args.advances * 1e6
    print("| | hand-written | rich | rich / hand-written |")
    print("|---|---|---|---|")
    print(
        f"| import after typer (ms) | {own_import:.2f} | {rich_import:.1f} | "
        f"{rich_import / own_import:.0f}x |"
    )
    print(f"| per advance (us) | {own_us:.2f} | {rich_us:.2f} | {rich_us / own_us:.1f}x |")
    print(
        f"| bytes written ({args.advances} advances) | {own_bytes} | {rich_bytes} | "
        f"{rich_bytes / max(own_bytes, 1):.1f}x |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
