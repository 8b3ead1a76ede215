"""The benchmark's own machinery: corpora are deterministic and realistic, measurements are real."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    sys.path.insert(0, str(BENCH))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


corpus = _load("corpus")

CONSTRUCTIONS = {
    "AzureOpenAI": re.compile(r"(?<![\w.])(oai\.|openai\.)?AzureOpenAI\("),
    "AsyncAzureOpenAI": re.compile(r"AsyncAzureOpenAI\("),
    "OpenAI": re.compile(r"(?<![\w.])OpenAI\(base_url="),
    "AsyncOpenAI": re.compile(r"AsyncOpenAI\(\n\s+base_url="),
    "AzureChatOpenAI": re.compile(r"AzureChatOpenAI\("),
    "ChatCompletionsClient": re.compile(
        r"ChatCompletionsClient\([^)]*AzureKeyCredential", re.DOTALL
    ),
    "SearchClient": re.compile(r"SearchClient\(.*AzureKeyCredential"),
}


FEATURES = {
    "class": re.compile(r"^class \w+", re.MULTILINE),
    "dataclass": re.compile(r"^@dataclass", re.MULTILINE),
    "docstring": re.compile(r'^    """', re.MULTILINE),
    "comprehension": re.compile(r"\[[^\]\n]+ for \w+ in "),
    "async": re.compile(r"^async def ", re.MULTILINE),
    "try": re.compile(r"^\s+except \w+", re.MULTILINE),
    "f-string": re.compile(r'f"[^"]*\{'),
}


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def test_client_corpus_is_deterministic(tmp_path):
    corpus.build_clients(tmp_path / "one", 15)
    corpus.build_clients(tmp_path / "two", 15)
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert len(one) == 15
    assert one == two


def test_client_files_are_realistic(tmp_path):
    paths = corpus.build_clients(tmp_path, 60)
    seen = set()
    sizes = []
    features = dict.fromkeys(FEATURES, 0)
    for path in paths:
        text = path.read_text()
        compile(text, str(path), "exec")
        sizes.append(text.count("\n"))
        kinds = {kind for kind, pattern in CONSTRUCTIONS.items() if pattern.search(text)}
        assert kinds, f"{path.name} builds no client"
        seen |= kinds
        for feature, pattern in FEATURES.items():
            features[feature] += bool(pattern.search(text))
    assert min(sizes) >= corpus.MIN_LINES and max(sizes) <= corpus.MAX_LINES
    assert max(sizes) > 600 and sorted(sizes)[len(sizes) // 2] > 150  # not all tiny
    assert seen == set(CONSTRUCTIONS)  # sync, async, v1 and wrapper SDKs all appear
    assert all(count >= len(paths) // 4 for count in features.values()), features


def test_mixed_corpus_replaces_one_percent(tmp_path):
    stdlib = corpus.build_stdlib(tmp_path / "a", 0.1)
    mixed = corpus.build_mixed(tmp_path / "b", 0.1)
    assert [p.relative_to(tmp_path / "a") for p in stdlib] == [
        p.relative_to(tmp_path / "b") for p in mixed
    ]
    changed = [b for a, b in zip(stdlib, mixed, strict=False) if a.read_bytes() != b.read_bytes()]
    assert len(changed) == max(1, round(len(stdlib) / 100))
    for path in changed:
        assert any(p.search(path.read_text()) for p in CONSTRUCTIONS.values())


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="memory sampling reads /proc")
def test_measurement_sees_memory_and_cpu_of_the_process_tree(tmp_path):
    run = _load("run")
    # A child that holds 80 MB and burns CPU in a grandchild process.
    script = (
        "import subprocess, sys, time\n"
        "block = bytearray(80 * 2**20)\n"
        "subprocess.run([sys.executable, '-c', 'sum(range(3_000_000))'])\n"
        "time.sleep(0.3)\n"
        "print('done')\n"
    )
    sample = run.run_once([sys.executable, "-c", script], tmp_path)
    assert sample.returncode == 0 and sample.summary == "done"
    assert sample.tree_rss_mb >= 80
    assert sample.max_process_rss_mb >= 80
    assert sample.cpu > 0.02
    assert sample.wall >= 0.3
