"""Checks that insist on the API key are reported as follow-ups, and the code is left as it is."""

from __future__ import annotations

import textwrap

import pytest
from helpers import run

CLIENT = "from openai import AzureOpenAI\nclient = AzureOpenAI(api_key=api_key, api_version='v')\n"


def follow_ups(source: str) -> list[tuple[int, str]]:
    result = run(source)
    return [(n.line, n.rule) for n in result.notices if n.rule in ("key-guard", "key-read")]


@pytest.mark.parametrize(
    "guard",
    [
        'if not api_key:\n    raise ValueError("set AZURE_OPENAI_API_KEY")\n',
        "if api_key is None:\n    sys.exit(1)\n",
        'if api_key == "": raise SystemExit("no key")\n',
        "if not endpoint or not api_key:\n    raise RuntimeError('config')\n",
        "assert api_key\n",
        "assert api_key is not None, 'no key'\n",
    ],
)
def test_guards_on_the_name_passed_as_the_key_are_reported_when_the_client_is_migrated(guard):
    source = f"import os, sys\napi_key = os.getenv('K')\nendpoint = 'e'\n{guard}{CLIENT}"
    result = run(source)
    assert [(n.line, n.rule) for n in result.notices if n.rule == "key-guard"] == [(4, "key-guard")]
    # Reported, never changed: the guard is still in the migrated code.
    assert guard in result.new.decode()


@pytest.mark.parametrize(
    "guard",
    [
        'if "AZURE_OPENAI_API_KEY" not in os.environ:\n    raise KeyError("AZURE_OPENAI_API_KEY")\n',
        "if not os.getenv('AZURE_OPENAI_KEY'):\n    exit(2)\n",
        "if os.environ.get('AOAI_API_KEY') is None:\n    raise SystemExit\n",
        "assert os.environ['AZURE_OPENAI_API_KEY']\n",
        "assert 'AZURE_OPENAI_API_KEY' in os.environ\n",
        "if not settings.AZURE_OPENAI_API_KEY:\n    raise ValueError\n",
    ],
)
def test_guards_on_a_key_variable_are_reported_even_in_a_module_without_clients(guard):
    source = f"import os\nimport settings\n\n{guard}"
    assert follow_ups(source) == [(4, "key-guard")]


def test_a_key_read_with_subscript_raises_once_the_key_is_gone():
    source = textwrap.dedent(
        """\
        import os
        from openai import AzureOpenAI

        ENDPOINT = os.environ["AZURE_OPENAI_ENDPOINT"]
        KEY = os.environ["AZURE_OPENAI_API_KEY"]
        client = AzureOpenAI(azure_endpoint=ENDPOINT, api_key=os.environ["AZURE_OPENAI_API_KEY"], api_version="v")
        os.environ["AZURE_OPENAI_API_KEY"] = "x"
        """
    )
    # Line 5 is reported; the read inside the key argument goes with the migration (line 6),
    # the endpoint is not a key, and an assignment to the variable is not a read.
    assert follow_ups(source) == [(5, "key-read")]


@pytest.mark.parametrize(
    "source",
    [
        # Not about the key.
        "import os\nif not os.getenv('AZURE_OPENAI_ENDPOINT'):\n    raise ValueError\n",
        "import os\nif not stripe_key:\n    raise ValueError\n"
        + CLIENT.replace("api_key=api_key", "api_key=other"),
        # Does not stop the program.
        "import os\nif not os.getenv('AZURE_OPENAI_API_KEY'):\n    print('no key')\n",
        # A guard on the key argument's name when the client is not migrated (the key is still used).
        "import os\nif not api_key:\n    raise ValueError\nfrom openai import AzureOpenAI\nc = AzureOpenAI(**cfg)\n",
        # os.getenv does not raise.
        "import os\nkey = os.getenv('AZURE_OPENAI_API_KEY')\n",
    ],
)
def test_what_is_not_a_follow_up(source):
    assert follow_ups(source) == []


def test_a_file_read_only_for_key_checks_that_cannot_be_parsed_is_left_without_failing():
    result = run("print 'AZURE_OPENAI_API_KEY'\n")
    assert result.new == b"print 'AZURE_OPENAI_API_KEY'\n" and not result.parsed
