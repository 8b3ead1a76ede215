"""Organisation-scale batch: one process over the whole list vs N shards side by side + merge.

    python bench/orgscale.py [--repos 500] [--shards 4] [--work DIR]

Generates small git repositories (four kinds in turn: a client with a key from the environment, a
client with a literal key, a client only a person can change, no client), twice: one copy for the
single process, one for the shards. Each shard is its own `aoai-migrate batch --shard K/N --jobs 1`
process, all started at once, as N CI runners would be; the single process also runs `--jobs 1`.
Prints the wall times, the merge time and the sizes of the results files, to size N by.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

KINDS = (
    {
        "app.py": "import os\nfrom openai import AzureOpenAI\n\nclient = AzureOpenAI(\n"
        '    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],\n'
        '    api_key=os.environ["AZURE_OPENAI_API_KEY"],\n    api_version="2024-10-21",\n)\n'
    },
    {
        "embed.py": "from openai import AzureOpenAI\n\nembedder = AzureOpenAI(\n"
        '    azure_endpoint="https://contoso.openai.azure.com",\n'
        '    api_key="0123456789abcdef0123456789abcdef",\n    api_version="2024-10-21",\n)\n'
    },
    {
        "make.py": "from openai import AzureOpenAI\n\n"
        "def make(cfg):\n    return AzureOpenAI(**cfg)\n"
    },
    {"util.py": "def add(a, b):\n    return a + b\n"},
)
GIT = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com"]


def make_fleet(root: Path, count: int) -> None:
    for i in range(count):
        repo = root / "src" / f"r{i:04d}"
        repo.mkdir(parents=True)
        subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=repo, check=True)
        for name, text in KINDS[i % len(KINDS)].items():
            (repo / name).write_text(text)
        (repo / "README.md").write_text(f"# service {i}\n")
        subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
        subprocess.run([*GIT, "commit", "-qm", "initial"], cwd=repo, check=True)


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "migrator", "batch", *args]


def env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repos", type=int, default=500)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--work", help="folder for the generated repositories (default: a temp)")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="orgscale-"))
    one, sharded = work / "one", work / "sharded"
    start = time.perf_counter()
    make_fleet(one, args.repos)
    make_fleet(sharded, args.repos)
    print(f"generated 2 x {args.repos} repositories in {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    proc = subprocess.run(
        command("src", "--jobs", "1", "--summary", "all.json"),
        cwd=one, env=env(), capture_output=True, text=True,
    )  # fmt: skip
    single = time.perf_counter() - start
    if proc.returncode not in (0, 3):
        print(proc.stdout, proc.stderr, file=sys.stderr)
        return 1

    (sharded / "results").mkdir()
    start = time.perf_counter()
    running = [
        subprocess.Popen(
            command(
                "src",
                "--jobs",
                "1",
                "--shard",
                f"{k}/{args.shards}",
                "--summary",
                f"results/shard-{k}.json",
            ),
            cwd=sharded,
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for k in range(1, args.shards + 1)
    ]
    shard_times = []
    for p in running:
        p.wait()
        shard_times.append(time.perf_counter() - start)
        if p.returncode not in (0, 3):
            print(p.stderr.read() if p.stderr else "", file=sys.stderr)
            return 1
    side_by_side = max(shard_times)

    files = sorted(str(p) for p in (sharded / "results").glob("*.json"))
    start = time.perf_counter()
    merged = subprocess.run(
        [sys.executable, "-m", "migrator", "batch", "merge", *files, "--format", "json",
         "--output", "merged.json"],
        cwd=sharded, env=env(), capture_output=True, text=True,
    )  # fmt: skip
    merge_time = time.perf_counter() - start
    if merged.returncode not in (0, 3):
        print(merged.stderr, file=sys.stderr)
        return 1

    cores = os.cpu_count() or 1
    print(f"{args.repos} repositories, {cores} CPU core(s) on this machine")
    print(f"1 process (--jobs 1): {single:.1f} s wall")
    print(
        f"{args.shards} shards side by side (--jobs 1 each): {side_by_side:.1f} s wall "
        f"(shards finished at {', '.join(f'{t:.1f}' for t in sorted(shard_times))} s)"
    )
    print(f"merge of {len(files)} results files: {merge_time:.2f} s (a process start included)")
    sizes = [Path(f).stat().st_size for f in files]
    print(
        f"JSON sizes: one run {(one / 'all.json').stat().st_size / 1024:.0f} KiB; shards "
        + ", ".join(f"{s / 1024:.0f}" for s in sizes)
        + f" KiB; merged {(sharded / 'merged.json').stat().st_size / 1024:.0f} KiB "
        f"({(sharded / 'merged.json').stat().st_size / args.repos / 1024:.2f} KiB per repository)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
