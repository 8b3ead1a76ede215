"""Issue 15, git and file system: a scanned repository's git configuration runs nothing, nothing
is written through a link, a named pipe does not hang the run, setuid bits survive, the tool
imports nothing from the tree it scans, and big generated modules are skipped with a note.

The inputs are built by ``tests/untrusted_fsgit.py`` (the benchmark runs the same ``measure``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests import untrusted_fsgit as fsgit

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links, FIFOs and modes")


def _clean(got: dict) -> None:
    assert got["problems"] == []
    assert got["as_expected"] == got["tried"] > 0


def test_no_command_from_a_scanned_repository_git_config_runs(tmp_path: Path) -> None:
    got = fsgit.git_settings(tmp_path)
    assert got["commands_executed"] == 0, got["problems"]
    _clean(got)


def test_nothing_is_written_through_a_link(tmp_path: Path) -> None:
    got = fsgit.links(tmp_path)
    assert got["writes_through_links"] == 0, got["problems"]
    _clean(got)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_on_the_command_line_is_refused_not_waited_for(tmp_path: Path) -> None:
    got = fsgit.named_pipe(tmp_path)
    assert got["files_corrupted"] == 0
    _clean(got)


def test_setuid_and_setgid_bits_survive_a_migration(tmp_path: Path) -> None:
    _clean(fsgit.special_modes(tmp_path))


def test_no_module_of_the_scanned_tree_is_imported(tmp_path: Path) -> None:
    got = fsgit.imports_from_tree(tmp_path)
    assert got["commands_executed"] == 0, got["problems"]
    _clean(got)


def test_big_generated_modules_are_skipped_with_a_note_not_failed(tmp_path: Path) -> None:
    got = fsgit.big_generated(tmp_path)
    assert got["files_corrupted"] == 0
    _clean(got)


def test_generated_looking_needs_mostly_data_and_no_client_code() -> None:
    from migrator.discovery import generated_looking

    data = fsgit.generated_catalogue(1_800_000)
    assert "generated-looking" in (generated_looking(data) or "")
    # Below the parse limit, it is parsed as any module.
    assert generated_looking(fsgit.generated_catalogue(900_000)) is None
    # Code around the data that builds a client: too large to parse stays a failure.
    client = b"\nimport os\nfrom openai import AzureOpenAI\nclient = AzureOpenAI(api_key=os.environ['K'])\n"
    assert generated_looking(data + client) is None
    # Mostly code (the reliability corpus's 5 MB module of functions): not data.
    code = b"def f(event):\n    total = 0\n    return {'status': 200}\n\n" * 40_000
    assert generated_looking(b"from openai import AzureOpenAI\n" + code) is None
    # A notebook is JSON, every line of it data: never judged so.
    assert generated_looking(b"{\n" + data.split(b"CATALOGUE = {\n", 1)[1]) is None


def test_child_interpreters_of_the_tool_do_not_put_the_current_directory_on_their_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker started by spawn or forkserver begins as `python -c ...` in the current
    # directory: with the environment the tool leaves for its children, a module there is not
    # imported.
    import subprocess

    from migrator import gitrepo, quick

    monkeypatch.setenv("PYTHONSAFEPATH", "")  # unset in effect; restored afterwards
    monkeypatch.setattr(quick, "SAFE_PATH_SET", False)
    monkeypatch.setattr(quick, "_plain_migrate", lambda args: ([str(tmp_path)], "check", 1, False))
    monkeypatch.setattr(quick, "_settled_run", lambda *args: 0)
    with pytest.raises(SystemExit):
        quick.main(["--check", str(tmp_path)])
    marker = tmp_path / "imported.txt"
    (tmp_path / "shadowed.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    probe = "try:\n    import shadowed\nexcept ImportError:\n    pass\n"
    subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=dict(os.environ), check=True)
    assert not marker.exists()
    # The repository's own hooks (batch's git commands) run without it, as they would anyway.
    assert "PYTHONSAFEPATH" not in gitrepo.base_env()
