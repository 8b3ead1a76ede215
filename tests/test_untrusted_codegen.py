"""Generated code in hostile modules, and source text LibCST does not keep: see untrusted_codegen."""

from __future__ import annotations

import textwrap

import pytest

from codemods.options import MigrationOptions
from migrator.engine import migrate_source, restore_layout
from tests.untrusted_codegen import measure, programs, text_cases


def test_every_hostile_program_migrates_runs_and_prints_what_it_printed_with_a_key(tmp_path):
    pytest.importorskip("azure.identity")
    pytest.importorskip("autogen_ext.models.openai")
    figures = measure(tmp_path)
    assert figures["problems"] == []
    assert figures["tried"] == len(programs()) + len(text_cases()) == figures["as_expected"]
    assert figures["migrated_modules_that_fail_to_import"] == 0
    assert figures["files_corrupted"] == 0


def _migrate(source: bytes, name: str = "app.py") -> bytes:
    return migrate_source(source, MigrationOptions(), name).new


CLIENT = 'client = AzureOpenAI(azure_endpoint=E, api_key=os.environ["K"], api_version=V)'


def test_a_file_of_cr_line_ends_keeps_its_last_cr():
    source = f"import os\rfrom openai import AzureOpenAI\r{CLIENT}\r".encode()
    new = _migrate(source)
    assert new.endswith(b"api_version=V)\r")
    assert b"\n" not in new


def test_a_file_of_cr_line_ends_keeps_its_last_cr_when_the_last_line_is_untouched():
    source = f"import os\rfrom openai import AzureOpenAI\r{CLIENT}\rprint(client)\r".encode()
    assert _migrate(source).endswith(b"\rprint(client)\r")


def test_untouched_except_clauses_in_a_migrated_function_keep_their_spacing():
    source = textwrap.dedent(
        """\
        import os
        from openai import AzureOpenAI


        def make():
            try:
                t = float(os.environ["T"])
            except KeyError :
                t = 1.0
            except (ValueError, TypeError)  :
                t = 2.0
            return AzureOpenAI(azure_endpoint=E, api_key=os.environ["K"], timeout=t)
        """
    ).encode()
    new = _migrate(source)
    assert b"    except KeyError :\n" in new
    assert b"    except (ValueError, TypeError)  :\n" in new
    assert b"azure_ad_token_provider=token_provider" in new


def test_layout_is_restored_only_where_the_meaning_is_the_same():
    # A line LibCST prints differently comes back as written; a changed line stays as printed.
    source = b"try:\n    pass\nexcept E :\n    x = 1\n"
    roundtrip = b"try:\n    pass\nexcept E:\n    x = 1\n"
    assert restore_layout(source, roundtrip, b"try:\n    pass\nexcept E:\n    x = 2\n") == (
        b"try:\n    pass\nexcept E :\n    x = 2\n"
    )
    # Restoring would give another program: the printout stays.
    printed = b"x = 2\ny = 3\n"
    assert restore_layout(b"x = 1\n", b"x = 2\n", printed) == printed
    assert restore_layout(b"x = 1\n", b"x = 2\n", b"x = 2\ny = (\n") == b"x = 2\ny = (\n"


def test_a_name_bound_only_in_code_the_slicer_leaves_out_is_taken():
    unrelated = "".join(f"\n\ndef helper_{i}(a):\n    return a + {i}\n" for i in range(12))
    source = (
        textwrap.dedent(
            f"""\
        import os
        from openai import AzureOpenAI

        {CLIENT}
        """
        )
        + unrelated
        + "\n\ndef rebind():\n    global os\n    os = None\n"
    )
    new = _migrate(source.encode()).decode()
    assert "import os as _os\n" in new
    assert '_os.getenv("AZURE_CLIENT_ID")' in new


MIXED = (
    "import os\nfrom openai import AzureOpenAI\n\n\ndef make():\n if True:\n"
    f"\t\t{CLIENT.replace('client = ', 'c = ')}\n\t\treturn c\n return None\n"
)


def test_indentation_python_accepts_and_libcst_does_not_is_migrated_and_kept():
    source = MIXED.encode()
    compile(source, "app.py", "exec")  # Python's judgement: legal
    new = _migrate(source)
    assert (
        b"\ndef make():\n if True:\n\t\tc = AzureOpenAI(azure_endpoint=E, azure_ad_token_provider=token_provider"
        in new
    )
    assert new.endswith(b"\n\t\treturn c\n return None\n")
    compile(new, "app.py", "exec")


def test_form_feeds_in_indentation_are_migrated_and_kept():
    source = f"import os\nfrom openai import AzureOpenAI\n\x0cif True:\n\x0c    {CLIENT}\n".encode()
    new = _migrate(source)
    assert new.endswith(
        b"\n\x0cif True:\n\x0c    client = AzureOpenAI(azure_endpoint=E, azure_ad_token_provider=token_provider, api_version=V)\n"
    )


def test_indentation_that_cannot_be_given_back_is_refused_at_its_own_line_and_column(
    tmp_path, monkeypatch
):
    from migrator import engine

    monkeypatch.setattr(engine, "_reindent", lambda *args: None)
    path = tmp_path / "app.py"
    path.write_bytes(MIXED.encode())
    result = engine.process_file(str(path), MigrationOptions(), engine.MODE_WRITE)
    assert result.status == engine.FAILED
    assert "line 7, column 3" in result.error and "(line 7)" in result.error
    assert path.read_bytes() == MIXED.encode()
