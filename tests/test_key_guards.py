"""Checks that insist on the API key are reported as follow-ups, and the code is left as it is."""

from __future__ import annotations

import textwrap

import pytest
from helpers import run

CLIENT = "from openai import AzureOpenAI\nclient = AzureOpenAI(api_key=api_key, api_version='v')\n"
SETUP = (
    "@functools.cache\n"
    "def _token_provider():\n"
    "    # Built at the first token request, once the program has set up its environment.\n"
    "    credential = DefaultAzureCredential()\n"
    "    return get_bearer_token_provider(\n"
    '        credential, "https://cognitiveservices.azure.com/.default"\n'
    "    )\n"
    "\n\n"
    "def token_provider():\n"
    "    return _token_provider()()\n"
)
IDENTITY = "from azure.identity import DefaultAzureCredential, get_bearer_token_provider\n"


def follow_ups(source: str) -> list[tuple[int, str]]:
    result = run(source)
    return [(n.line, n.rule) for n in result.notices if n.rule in ("key-guard", "key-read")]


@pytest.mark.parametrize(
    ("guard", "after"),
    [
        ('if not api_key:\n    raise ValueError("set AZURE_OPENAI_API_KEY")\n', ""),
        ("if api_key is None:\n    sys.exit(1)\n", ""),
        ('if api_key == "": raise SystemExit("no key")\n', ""),
        ("if len(api_key) == 0:\n    raise ValueError('empty')\n", ""),
        (
            "if not endpoint or not api_key:\n    raise RuntimeError('config')\n",
            "if not endpoint:\n    raise RuntimeError('config')\n",
        ),
        ("assert api_key\n", ""),
        ("assert api_key is not None, 'no key'\n", ""),
    ],
)
def test_guards_on_the_key_of_a_migrated_client_are_removed_or_rewritten(guard, after):
    # They used to be reported and left: the program stopped once the key was removed.
    head = "import os, sys\napi_key = os.getenv('K')\nendpoint = 'e'\n"
    result = run(head + guard + CLIENT, credential="default")
    assert result.new.decode() == (
        ("import sys\n" if "sys" in after or "sys" not in guard else "")
        + "import functools\n"
        + IDENTITY
        + "endpoint = 'e'\n"
        + after
        + "from openai import "
        "AzureOpenAI\n\n\n" + SETUP + "\n\nclient = AzureOpenAI(azure_ad_token_provider="
        "token_provider, api_version='v')\n"
    )
    rule = "key-guard-rewritten" if after else "key-guard-removed"
    assert [(n.line, n.rule) for n in result.notices if n.rule.startswith("key-guard")] == [
        (4, rule)
    ]


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
        print("key set:", bool(KEY))
        """
    )
    # Line 5 is reported (KEY is still read, so it stays); the read inside the key argument goes
    # with the migration (line 6), the endpoint is not a key, and an assignment to the variable
    # is not a read.
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


def migrated(source: str) -> tuple[str, list[tuple[int, str]]]:
    result = run(source, credential="default")
    return result.new.decode(), [(n.line, n.rule) for n in result.notices]


def test_every_module_level_shape_loses_the_key_and_keeps_the_endpoint():
    new, found = migrated(
        """\
        import os
        import sys

        from openai import AzureOpenAI

        AOAI_KEY = os.getenv("AOAI_KEY")
        AOAI_ENDPOINT = os.getenv("AOAI_ENDPOINT")

        missing = [v for v in ("AOAI_KEY", "AOAI_ENDPOINT") if not os.getenv(v)]
        if missing:
            raise SystemExit(f"missing settings: {', '.join(missing)}")
        for var in ["AOAI_KEY", "AOAI_ENDPOINT"]:
            if var not in os.environ:
                raise KeyError(var)
        if not AOAI_KEY or not AOAI_ENDPOINT:
            print("configure the service first")
            sys.exit(1)
        assert "AOAI_KEY" in os.environ
        os.environ["AOAI_KEY"]  # fail early

        client = AzureOpenAI(api_key=AOAI_KEY, azure_endpoint=AOAI_ENDPOINT, api_version="v")
        """
    )
    assert new == (
        "import functools\nimport os\nimport sys\n\n"
        + IDENTITY
        + "from openai import AzureOpenAI\n\n"
        'AOAI_ENDPOINT = os.getenv("AOAI_ENDPOINT")\n\n'
        'missing = [v for v in ("AOAI_ENDPOINT",) if not os.getenv(v)]\n'
        "if missing:\n"
        "    raise SystemExit(f\"missing settings: {', '.join(missing)}\")\n"
        'for var in ["AOAI_ENDPOINT"]:\n'
        "    if var not in os.environ:\n"
        "        raise KeyError(var)\n"
        "if not AOAI_ENDPOINT:\n"
        '    print("configure the service first")\n'
        "    sys.exit(1)\n\n\n" + SETUP + "\n\n"
        "client = AzureOpenAI(azure_ad_token_provider=token_provider, "
        'azure_endpoint=AOAI_ENDPOINT, api_version="v")\n'
    )
    assert found == [
        (6, "key-variable-removed"),
        (9, "key-guard-rewritten"),
        (12, "key-guard-rewritten"),
        (15, "key-guard-rewritten"),
        (18, "key-guard-removed"),
        (19, "key-guard-removed"),
    ]


def test_every_function_level_shape():
    new, found = migrated(
        """\
        import os

        from openai import AzureOpenAI


        def client_from_env():
            key = os.environ.get("AZURE_OPENAI_API_KEY")
            endpoint = os.environ.get("AZURE_OPENAI_ENDPOINT")
            if not all([key, endpoint]):
                raise ValueError("Set AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT")
            if len(key) == 0:
                raise ValueError("empty key")
            if key is None:
                raise ValueError("no key")
            assert key, "AZURE_OPENAI_API_KEY must be set"
            return AzureOpenAI(api_key=key, azure_endpoint=endpoint, api_version="v")
        """
    )
    assert new == (
        "import functools\nimport os\n\n"
        + IDENTITY
        + "from openai import AzureOpenAI\n\n\n"
        + SETUP
        + "\n\n"
        "def client_from_env():\n"
        '    endpoint = os.environ.get("AZURE_OPENAI_ENDPOINT")\n'
        "    if not all([endpoint]):\n"
        '        raise ValueError("Set AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT")\n'
        "    return AzureOpenAI(azure_ad_token_provider=token_provider, azure_endpoint=endpoint, "
        'api_version="v")\n'
    )
    assert found == [
        (7, "key-variable-removed"),
        (9, "key-guard-rewritten"),
        (11, "key-guard-removed"),
        (13, "key-guard-removed"),
        (15, "key-guard-removed"),
    ]


def test_a_condition_around_the_client_keeps_building_it():
    new, found = migrated(
        """\
        from langchain_openai import AzureChatOpenAI

        from app.config import Config


        def get_llm():
            llm = None
            if Config.AZURE_OPENAI_API_KEY and Config.AZURE_OPENAI_ENDPOINT:
                llm = AzureChatOpenAI(
                    api_key=Config.AZURE_OPENAI_API_KEY,
                    azure_endpoint=Config.AZURE_OPENAI_ENDPOINT,
                    api_version="v",
                )
            return llm


        def get_chat():
            # the chat model
            if Config.AZURE_OPENAI_API_KEY:
                chat = AzureChatOpenAI(api_key=Config.AZURE_OPENAI_API_KEY, api_version="v")
            else:
                raise ValueError("no key")
            return chat
        """
    )
    assert new == (
        "from langchain_openai import AzureChatOpenAI\n\nfrom app.config import Config\n"
        + "import functools\n"
        + IDENTITY
        + "\n\n"
        + SETUP
        + "\n\n"
        "def get_llm():\n"
        "    llm = None\n"
        "    if Config.AZURE_OPENAI_ENDPOINT:\n"
        "        llm = AzureChatOpenAI(\n"
        "            azure_ad_token_provider=token_provider,\n"
        "            azure_endpoint=Config.AZURE_OPENAI_ENDPOINT,\n"
        '            api_version="v",\n'
        "        )\n"
        "    return llm\n\n\n"
        "def get_chat():\n"
        "    # the chat model\n"
        "    chat = AzureChatOpenAI(azure_ad_token_provider=token_provider, "
        'api_version="v")\n'
        "    return chat\n"
    )
    assert found == [(8, "key-guard-rewritten"), (19, "key-guard-rewritten")]


def test_a_guard_on_a_key_an_unmigrated_client_uses_is_left_and_reported():
    source = """\
        import os

        from openai import AzureOpenAI

        KEY = os.environ["AZURE_OPENAI_API_KEY"]
        SEARCH_KEY = os.environ["SEARCH_KEY"]
        if not KEY:
            raise ValueError("no key")
        if not SEARCH_KEY:
            raise ValueError("no search key")
        client = AzureOpenAI(api_key=KEY, azure_endpoint="https://e", api_version="v")
        print(f"using {KEY[:3]}...")
        """
    new, found = migrated(source)
    assert (
        'KEY = os.environ["AZURE_OPENAI_API_KEY"]\nSEARCH_KEY = os.environ["SEARCH_KEY"]\n'
        'if not KEY:\n    raise ValueError("no key")\nif not SEARCH_KEY:\n'
    ) in new
    assert sorted(found) == [(5, "key-read"), (5, "key-variable-kept"), (7, "key-guard")]


def test_a_guard_whose_message_reads_the_key_goes_with_it_and_the_import_too():
    new, found = migrated(
        """\
        from openai import AzureOpenAI

        from settings import API_KEY, ENDPOINT

        if not API_KEY:
            raise ValueError(f"bad key {API_KEY!r}")
        client = AzureOpenAI(api_key=API_KEY, azure_endpoint=ENDPOINT, api_version="v")
        """
    )
    assert new == (
        "from openai import AzureOpenAI\n\nfrom settings import ENDPOINT\n"
        + "import functools\n"
        + IDENTITY
        + "\n\n"
        + SETUP
        + "\n\n"
        "client = AzureOpenAI(azure_ad_token_provider=token_provider, azure_endpoint=ENDPOINT, "
        'api_version="v")\n'
    )
    assert found == [(5, "key-guard-removed")]


def test_an_elif_on_the_key_is_left_and_the_rest_still_cleaned():
    source = """\
        import os

        from openai import AzureOpenAI

        KEY = os.environ["AZURE_OPENAI_API_KEY"]
        if os.getenv("MODE") == "local":
            pass
        elif not KEY:
            raise ValueError("no key")
        assert KEY
        client = AzureOpenAI(api_key=KEY, azure_endpoint="https://e", api_version="v")
        """
    new, found = migrated(source)
    # The elif keeps reading KEY, so KEY and its other check stay; nothing is half-done.
    assert 'KEY = os.environ["AZURE_OPENAI_API_KEY"]\n' in new
    assert "elif not KEY:\n    raise ValueError" in new and "assert KEY\n" in new
    assert (5, "key-variable-kept") in found
    assert not [f for f in found if f[1] in ("key-guard-removed", "key-variable-removed")]


def test_the_report_names_a_check_by_its_test_never_its_message():
    result = run(
        """\
        import os
        from openai import AzureOpenAI

        key = os.getenv("AZURE_OPENAI_API_KEY")
        assert key, "the key looks like 0123456789abcdef0123456789abcdef"
        client = AzureOpenAI(api_key=key, azure_endpoint="https://e", api_version="v")
        """
    )
    [guard] = [n for n in result.notices if n.rule == "key-guard-removed"]
    assert guard.message.startswith("`assert key`, an assert that the key is set, was removed")
    assert "0123" not in guard.message


def test_a_module_level_list_of_required_variables_loses_the_key_name():
    # The list is named once at the top and checked name by name: in a comprehension, in a
    # loop, in any() inside a function. Only the list changes; the checks stay as written.
    new, found = migrated(
        """\
        import os

        from openai import AzureOpenAI

        REQUIRED = ("AOAI_ENDPOINT", "AOAI_KEY")
        NEEDED = ["AOAI_KEY"]

        missing = [name for name in REQUIRED if not os.getenv(name)]
        if missing:
            raise SystemExit(f"Missing required environment variables: {', '.join(missing)}")
        for var in NEEDED:
            if var not in os.environ:
                raise KeyError(var)


        def check():
            if any(not os.getenv(v) for v in REQUIRED):
                raise RuntimeError("not configured")


        client = AzureOpenAI(
            azure_endpoint=os.environ["AOAI_ENDPOINT"],
            api_key=os.environ["AOAI_KEY"],
            api_version="2024-10-21",
        )
        """
    )
    assert new == (
        "import functools\nimport os\n\n" + IDENTITY + "from openai import AzureOpenAI\n\n"
        'REQUIRED = ("AOAI_ENDPOINT",)\n'
        "NEEDED = []\n\n"
        "missing = [name for name in REQUIRED if not os.getenv(name)]\n"
        "if missing:\n"
        "    raise SystemExit(f\"Missing required environment variables: {', '.join(missing)}\")\n"
        "for var in NEEDED:\n"
        "    if var not in os.environ:\n"
        "        raise KeyError(var)\n\n\n"
        "def check():\n"
        "    if any(not os.getenv(v) for v in REQUIRED):\n"
        '        raise RuntimeError("not configured")\n\n\n' + SETUP + "\n\n"
        "client = AzureOpenAI(\n"
        '    azure_endpoint=os.environ["AOAI_ENDPOINT"],\n'
        "    azure_ad_token_provider=token_provider,\n"
        '    api_version="2024-10-21",\n'
        ")\n"
    )
    assert found == [(5, "key-guard-rewritten"), (6, "key-guard-rewritten")]


@pytest.mark.parametrize(
    "other_read",
    [
        'print("settings:", REQUIRED)\n',  # read by something else than a check
        'REQUIRED = REQUIRED + ("EXTRA",)\n',  # bound twice
        '__all__ = ["REQUIRED"]\n',  # exported
    ],
)
def test_a_list_of_required_variables_read_otherwise_is_left(other_read):
    source = (
        "import os\n\nfrom openai import AzureOpenAI\n\n"
        'REQUIRED = ("AOAI_ENDPOINT", "AOAI_KEY")\n'
        + other_read
        + "missing = [name for name in REQUIRED if not os.getenv(name)]\n"
        "if missing:\n    raise SystemExit(1)\n"
        'client = AzureOpenAI(api_key=os.environ["AOAI_KEY"], api_version="v")\n'
    )
    new, found = migrated(source)
    assert 'REQUIRED = ("AOAI_ENDPOINT", "AOAI_KEY")\n' in new
    assert "azure_ad_token_provider=token_provider" in new
    assert not any(rule.startswith("key-guard-re") for _, rule in found)
