"""The environment the openai 0.x programs of the corpus run in as they were written.

openai 0.28.1 (the last 0.x release; its async calls need aiohttp; azure-identity and
python-dotenv for the programs that use them) in a virtual environment of
its own, made on first use and reused: ``.venv-openai028`` in the checkout (the first test that
needs it makes it), or wherever ``AOAI_OPENAI028_VENV`` points. A lock keeps two processes from making it
at once; a marker file written last says it is complete.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# numpy: 0.28 decodes embeddings with it.
REQUIREMENTS = ("openai==0.28.1", "aiohttp", "numpy", "azure-identity", "python-dotenv")
_MARKER = "aoai-migrate-complete"


def venv_dir() -> Path:
    return Path(os.environ.get("AOAI_OPENAI028_VENV") or REPO_ROOT / ".venv-openai028")


def python() -> Path:
    """The interpreter of the openai 0.28 environment, made if it is not there yet."""
    folder = venv_dir()
    interpreter = folder / "bin" / "python"
    if _complete(folder):
        return interpreter
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _complete(folder):
            shutil.rmtree(folder, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
            subprocess.run(
                [str(interpreter), "-m", "pip", "install", "-q", *REQUIREMENTS],
                check=True,
                capture_output=True,
            )
            (folder / _MARKER).write_text("\n".join(REQUIREMENTS) + "\n", encoding="utf-8")
    return interpreter


def _complete(folder: Path) -> bool:
    marker = folder / _MARKER
    return marker.exists() and marker.read_text(encoding="utf-8").split() == list(REQUIREMENTS)
