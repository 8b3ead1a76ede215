"""Key reads through the project's own environment helpers (``require_env("K")``,
``_get_env("K", required=True)``): after the migration the program starts without the key and
with the old key still set; what the tool cannot be sure of is left as it is and reported."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest
from e2e.loopback import run_program
from libcst.metadata import MetadataWrapper, QualifiedNameProvider

from codemods import env_helpers
from migrator import api
from migrator.engine import MODE_WRITE

IDENTITY = {
    "AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com",
    "SEARCH_ENDPOINT": "https://example.search.windows.net",
    "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
}
OLD_KEYS = {"AZURE_SEARCH_KEY": "old-search-key", "AZURE_OPENAI_API_KEY": "old-openai-key"}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def notices(report, rule: str) -> list[tuple[str, int, str]]:
    return [
        (Path(r.path).name, n.line, n.message)
        for r in report.results
        for n in r.notices
        if n.rule == rule
    ]


def runs_both_ways(program: Path, said: str) -> None:
    """The migrated program runs with only the identity, and with the old keys still set."""
    for env in (IDENTITY, {**IDENTITY, **OLD_KEYS}):
        done = run_program(program, env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == said


SEARCH_APP = """\
    from azure.core.credentials import AzureKeyCredential
    from azure.search.documents import SearchClient

    from settings import get_settings

    settings = get_settings()
    search = SearchClient(settings.search_endpoint, "docs", AzureKeyCredential(settings.search_key))
    print("search ready")
    """

SETTINGS_WITH_SWITCH = """\
    import os
    from dataclasses import dataclass
    from functools import lru_cache


    def _get_env(name: str, *, default: str | None = None, required: bool = True) -> str:
        value = os.environ.get(name, default)
        if required and (value is None or value.strip() == ""):
            raise RuntimeError(f"Missing required environment variable: {name}")
        return value or ""


    @dataclass(frozen=True)
    class Settings:
        search_endpoint: str
        search_key: str
        index_name: str


    @lru_cache(maxsize=1)
    def get_settings() -> Settings:
        return Settings(
            search_endpoint=_get_env("SEARCH_ENDPOINT"),
            search_key=_get_env("AZURE_SEARCH_KEY"),
            index_name=_get_env("SEARCH_INDEX", default="docs"),
        )
    """


def test_a_settings_helper_with_a_required_switch_is_passed_it_for_the_key_alone(tmp_path):
    write(tmp_path, {"settings.py": SETTINGS_WITH_SWITCH, "app.py": SEARCH_APP})
    before = run_program(tmp_path / "app.py", IDENTITY)
    assert "Missing required environment variable: AZURE_SEARCH_KEY" in before.stderr
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    assert (tmp_path / "settings.py").read_text() == textwrap.dedent(SETTINGS_WITH_SWITCH).replace(
        "    search_key: str\n", "    search_key: str | None\n"
    ).replace(
        'search_key=_get_env("AZURE_SEARCH_KEY"),',
        'search_key=_get_env("AZURE_SEARCH_KEY", required=False),',
    )
    told = notices(report, "settings-key-field")
    assert (
        "settings.py",
        24,
        'get_settings\'s search_key is read as `_get_env("AZURE_SEARCH_KEY", required=False)`: '
        "the field is optional now",
    ) in told
    runs_both_ways(tmp_path / "app.py", "search ready")


UTIL = """\
    import os


    def must_get_env(name):
        \"\"\"The value of a variable the service cannot start without.\"\"\"
        try:
            return os.environ[name]
        except KeyError:
            raise SystemExit(f"{name} must be set") from None
    """

PACKAGE_SETTINGS = """\
    from dataclasses import dataclass

    from .util import must_get_env


    @dataclass
    class SearchSettings:
        endpoint: str
        key: str


    SETTINGS = SearchSettings(
        endpoint=must_get_env("SEARCH_ENDPOINT"),
        key=must_get_env("AZURE_SEARCH_KEY"),
    )
    """

PACKAGE_APP = """\
    from azure.core.credentials import AzureKeyCredential
    from azure.search.documents import SearchClient

    from .settings import SETTINGS

    search = SearchClient(SETTINGS.endpoint, "docs", AzureKeyCredential(SETTINGS.key))
    """


def test_a_helper_imported_from_another_module_without_a_switch_becomes_an_environ_get(tmp_path):
    write(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/util.py": UTIL,
            "svc/settings.py": PACKAGE_SETTINGS,
            "svc/app.py": PACKAGE_APP,
            "main.py": "from svc.app import search\n\nprint(type(search).__name__)\n",
        },
    )
    assert "AZURE_SEARCH_KEY must be set" in run_program(tmp_path / "main.py", IDENTITY).stderr
    api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    assert (tmp_path / "svc" / "settings.py").read_text() == (
        "import os\n"
        "from dataclasses import dataclass\n"
        "\n"
        "from .util import must_get_env\n"
        "from typing import Optional\n"  # where the settings step puts it (its own behaviour)
        "\n"
        "\n"
        "@dataclass\n"
        "class SearchSettings:\n"
        "    endpoint: str\n"
        "    key: Optional[str] = None\n"
        "\n"
        "\n"
        "SETTINGS = SearchSettings(\n"
        '    endpoint=must_get_env("SEARCH_ENDPOINT"),\n'
        '    key=os.environ.get("AZURE_SEARCH_KEY"),\n'
        ")\n"
    )
    assert (tmp_path / "svc" / "util.py").read_text() == textwrap.dedent(UTIL)
    runs_both_ways(tmp_path / "main.py", "SearchClient")


KEYS_MODULE = """\
    import os

    from openai import AzureOpenAI


    def get_env_or_raise(name: str) -> str:
        value = os.getenv(name)
        if not value:
            raise ValueError(f"environment variable {name} is not set")
        return value


    API_KEY = get_env_or_raise("AZURE_OPENAI_API_KEY")
    ENDPOINT = get_env_or_raise("AZURE_OPENAI_ENDPOINT")
    client = AzureOpenAI(api_key=API_KEY, azure_endpoint=ENDPOINT, api_version="2024-10-21")
    print("openai ready")
    """


def test_a_module_level_key_read_through_a_helper_is_removed_and_the_endpoint_read_stays(
    tmp_path,
):
    write(tmp_path, {"app.py": KEYS_MODULE})
    assert "AZURE_OPENAI_API_KEY is not set" in run_program(tmp_path / "app.py", IDENTITY).stderr
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    assert (tmp_path / "app.py").read_text() == (
        "import functools\n"
        "import os\n"
        "\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        "from openai import AzureOpenAI\n"
        "\n"
        "\n"
        "def get_env_or_raise(name: str) -> str:\n"
        "    value = os.getenv(name)\n"
        "    if not value:\n"
        '        raise ValueError(f"environment variable {name} is not set")\n'
        "    return value\n"
        "\n"
        "\n"
        'ENDPOINT = get_env_or_raise("AZURE_OPENAI_ENDPOINT")\n'
        "\n"
        "\n"
        "@functools.cache\n"
        "def _token_provider():\n"
        "    # Built at the first token request, once the program has set up its environment.\n"
        '    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))\n'
        "    return get_bearer_token_provider(\n"
        '        credential, "https://cognitiveservices.azure.com/.default"\n'
        "    )\n"
        "\n"
        "\n"
        "def token_provider():\n"
        "    return _token_provider()()\n"
        "\n"
        "\n"
        "client = AzureOpenAI(azure_ad_token_provider=token_provider, azure_endpoint=ENDPOINT, "
        'api_version="2024-10-21")\n'
        'print("openai ready")\n'
    )
    assert [(line, rule) for _, line, rule in notices(report, "key-variable-removed")] == [
        (
            13,
            "`API_KEY` held the key (read from the environment) and nothing else in this module "
            "reads it now: its assignment was removed",
        )
    ]
    runs_both_ways(tmp_path / "app.py", "openai ready")


KEY_VAULT_SETTINGS = """\
    import os
    from dataclasses import dataclass

    from azure.identity import DefaultAzureCredential
    from azure.keyvault.secrets import SecretClient


    def get_setting(name: str) -> str:
        value = os.getenv(name)
        if value is None:
            vault = SecretClient(os.environ["KEY_VAULT_URL"], DefaultAzureCredential())
            value = vault.get_secret(name.replace("_", "-")).value
        if not value:
            raise RuntimeError(f"{name} is not configured")
        return value


    @dataclass
    class Settings:
        search_endpoint: str
        search_key: str


    def get_settings() -> Settings:
        return Settings(get_setting("SEARCH_ENDPOINT"), get_setting("AZURE_SEARCH_KEY"))
    """


def test_a_helper_that_also_looks_in_key_vault_is_left_and_reported(tmp_path):
    write(tmp_path, {"settings.py": KEY_VAULT_SETTINGS, "app.py": SEARCH_APP})
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    after = (tmp_path / "settings.py").read_text()
    assert after == textwrap.dedent(KEY_VAULT_SETTINGS).replace(
        "    search_key: str\n", "    search_key: Optional[str] = None\n"
    ).replace(
        "from azure.keyvault.secrets import SecretClient\n",
        "from azure.keyvault.secrets import SecretClient\nfrom typing import Optional\n",
    )
    (found,) = notices(report, env_helpers.RULE)
    assert found[:2] == ("settings.py", 25)
    assert "`get_setting` does more than read the environment" in found[2]
    assert "stops at start-up once the key variable is removed" in found[2]


IMPORTED_HELPER_KEYS = """\
    from openai import AzureOpenAI

    from config_tools import require_env

    KEY = require_env("AZURE_OPENAI_API_KEY")
    client = AzureOpenAI(
        api_key=KEY, azure_endpoint="https://example.openai.azure.com", api_version="2024-10-21"
    )
    """


def test_a_key_read_through_a_helper_from_outside_the_run_is_kept_and_reported(tmp_path):
    write(tmp_path, {"app.py": IMPORTED_HELPER_KEYS})
    report = api.run([str(tmp_path / "app.py")], mode=MODE_WRITE, jobs=1)
    after = (tmp_path / "app.py").read_text()
    assert 'KEY = require_env("AZURE_OPENAI_API_KEY")\n' in after
    assert "azure_ad_token_provider=" in after
    assert notices(report, env_helpers.RULE) == [
        (
            "app.py",
            5,
            "`KEY` reads the key through a settings helper and nothing else reads it now, but it "
            "was kept: `require_env` is imported (`config_tools.require_env`): the tool does not "
            "see what it does. The read still requires the key variable: delete it (or make the "
            "read optional) before removing the key",
        )
    ]
    assert notices(report, "unused-key-variable") == []


# -- what a helper is --------------------------------------------------------------------------
SHAPES = {
    "switch": (
        """
        def get_env(name, default=None, required=False):
            val = os.getenv(name, default)
            if required and not val:
                raise RuntimeError(f"Missing required env var: {name}")
            return val
        """,
        env_helpers.Helper("get_env", "name", "required", False, True),
    ),
    "inverse switch": (
        """
        def _get_env_var(var_name: str, is_optional: bool = False):
            var = os.getenv(var_name, None)
            if var is None and not is_optional:
                raise ValueError(f"{var_name} not found")
            return var
        """,
        env_helpers.Helper("_get_env_var", "var_name", "is_optional", True, False),
    ),
    "subscript": (
        """
        def env(name):
            return os.environ[name]
        """,
        env_helpers.Helper("env", "name"),
    ),
    "logs before raising": (
        """
        def require_env(name):
            value = os.getenv(name)
            if not value:
                logger.critical("missing %s", name)
                raise SystemExit(1)
            return value
        """,
        env_helpers.Unsure(
            "require_env",
            "`require_env` does more than read the environment: the tool does not change what "
            "it cannot be sure of",
        ),
    ),
    "decodes": (
        """
        def secret_env(name):
            value = os.environ[name]
            return base64.b64decode(value).decode()
        """,
        env_helpers.Unsure(
            "secret_env",
            "`secret_env` does more than read the environment: the tool does not change what "
            "it cannot be sure of",
        ),
    ),
    "decorated": (
        """
        @functools.cache
        def cached_env(name):
            return os.environ[name]
        """,
        env_helpers.Unsure(
            "cached_env",
            "`cached_env` is decorated: the tool does not change what it cannot be sure of",
        ),
    ),
    "never raises": (
        """
        def optional_env(name, default=""):
            return os.getenv(name, default)
        """,
        None,
    ),
    "reads something else": (
        """
        def endpoint(name):
            return os.environ["AZURE_OPENAI_ENDPOINT"] + name
        """,
        None,
    ),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_what_a_function_is(shape):
    source, expected = SHAPES[shape]
    module = cst.parse_module(
        "import base64\nimport functools\nimport os\n" + textwrap.dedent(source)
    )
    names = MetadataWrapper(module, unsafe_skip_copy=True).resolve(QualifiedNameProvider)

    def qualified(node: cst.CSTNode) -> set[str]:
        found = names.get(node, set())
        return {q.name for q in (found() if callable(found) else found)}

    fn = module.body[-1]
    assert isinstance(fn, cst.FunctionDef)
    assert env_helpers.defined(module, fn.name.value, qualified) == expected


@pytest.mark.parametrize(
    ("call", "helper", "expected"),
    [
        ('h("K")', env_helpers.Helper("h", "n", "required", False), 'h("K", required=False)'),
        (
            'h("K", required=True)',
            env_helpers.Helper("h", "n", "required", False, True),
            'h("K", required=False)',
        ),  # fmt: skip
        ('h("K")', env_helpers.Helper("h", "n", "required", False, True), 'h("K")'),
        ('h("K")', env_helpers.Helper("h", "n"), 'os.environ.get("K")'),
        ('h("K", strict=flag)', env_helpers.Helper("h", "n", "strict", False), None),
        ('h("K", "fallback")', env_helpers.Helper("h", "n"), None),
        ("h(name)", env_helpers.Helper("h", "n"), None),
    ],
)
def test_how_a_call_is_relaxed(call, helper, expected):
    new = env_helpers.relax(cst.parse_expression(call), helper, cst.parse_expression("os.environ"))
    assert (None if new is None else cst.Module([]).code_for_node(new)) == expected


CONFIG_OBJECT_SETTINGS = """\
    from dataclasses import dataclass

    from app_config import config


    @dataclass
    class Settings:
        search_endpoint: str
        search_key: str


    SETTINGS = Settings(config.get_required("SEARCH_ENDPOINT"), config.get_required("AZURE_SEARCH_KEY"))
    """


def test_a_key_read_through_a_config_objects_method_is_left_and_reported(tmp_path):
    app = SEARCH_APP.replace("from settings import get_settings", "from settings import SETTINGS")
    app = app.replace("    settings = get_settings()\n", "").replace("settings.", "SETTINGS.")
    write(tmp_path, {"settings.py": CONFIG_OBJECT_SETTINGS, "app.py": app})
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    assert 'config.get_required("AZURE_SEARCH_KEY"))\n' in (tmp_path / "settings.py").read_text()
    (found,) = notices(report, env_helpers.RULE)
    assert found[:2] == ("settings.py", 12)
    assert "the tool does not see what `config.get_required` does" in found[2]


LOGGING_HELPER_KEYS = """\
    import logging
    import os

    from openai import AzureOpenAI

    log = logging.getLogger(__name__)


    def require_env(name):
        value = os.getenv(name)
        if not value:
            log.critical("%s is not set", name)
            raise SystemExit(2)
        return value


    KEY = require_env("AZURE_OPENAI_API_KEY")
    client = AzureOpenAI(
        api_key=KEY, azure_endpoint="https://example.openai.azure.com", api_version="2024-10-21"
    )
    """


@pytest.mark.parametrize("still_read", [False, True])
def test_a_key_read_through_a_helper_that_logs_is_kept_and_what_keeps_it_named(
    tmp_path, still_read
):
    source = LOGGING_HELPER_KEYS + ('print("key length", len(KEY))\n' if still_read else "")
    write(tmp_path, {"app.py": source})
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    after = (tmp_path / "app.py").read_text()
    assert 'KEY = require_env("AZURE_OPENAI_API_KEY")\n' in after
    assert "azure_ad_token_provider=token_provider" in after
    kept = notices(report, "key-variable-kept")
    helper = notices(report, env_helpers.RULE)
    if still_read:
        assert helper == []
        assert [(line, m.split(":")[0]) for _, line, m in kept] == [
            (17, "`KEY` held the key and is still read (line 21)")
        ]
    else:
        assert kept == []
        assert [(line, m.split(": ")[1]) for _, line, m in helper] == [
            (17, "`require_env` does more than read the environment")
        ]


PACKAGE_CLIENT = """\
    from openai import AzureOpenAI

    from .util import must_get_env

    KEY = must_get_env("AZURE_OPENAI_API_KEY")
    ENDPOINT = must_get_env("AZURE_OPENAI_ENDPOINT")
    client = AzureOpenAI(api_key=KEY, azure_endpoint=ENDPOINT, api_version="2024-10-21")
    """

LOGGING_UTIL = """\
    import logging
    import os


    def must_get_env(name):
        if name not in os.environ:
            logging.getLogger(__name__).error("%s is missing", name)
        return os.environ[name]
    """


@pytest.mark.parametrize("util", ["plain", "logs"])
def test_a_key_variable_read_through_a_helper_of_another_module_of_the_run(tmp_path, util):
    write(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/util.py": UTIL if util == "plain" else LOGGING_UTIL,
            "svc/app.py": PACKAGE_CLIENT,
            "main.py": "from svc.app import client\n\nprint(type(client).__name__)\n",
        },
    )
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    after = (tmp_path / "svc" / "app.py").read_text()
    assert 'ENDPOINT = must_get_env("AZURE_OPENAI_ENDPOINT")\n' in after
    assert "azure_ad_token_provider=token_provider" in after
    if util == "plain":
        assert "KEY = must_get_env" not in after.replace("ENDPOINT = must_get_env", "")
        assert notices(report, env_helpers.RULE) == []
        assert [(f, line) for f, line, _ in notices(report, "key-variable-removed")] == [
            ("app.py", 5)
        ]
        runs_both_ways(tmp_path / "main.py", "AzureOpenAI")
    else:
        assert 'KEY = must_get_env("AZURE_OPENAI_API_KEY")\n' in after
        assert [(f, line) for f, line, _ in notices(report, env_helpers.RULE)] == [("app.py", 5)]


FUNCTION_CLIENT = """\
    import os

    from openai import AzureOpenAI


    def require_env(name: str) -> str:
        value = os.environ.get(name, "").strip()
        if not value:
            raise RuntimeError(f"{name} is required")
        return value


    def make_client() -> AzureOpenAI:
        key = require_env("AZURE_OPENAI_API_KEY")
        endpoint = require_env("AZURE_OPENAI_ENDPOINT")
        return AzureOpenAI(api_key=key, azure_endpoint=endpoint, api_version="2024-10-21")


    print(type(make_client()).__name__)
    """


def test_a_key_read_through_a_helper_in_a_function_is_removed_when_the_helper_is_plain(tmp_path):
    # ``.strip()`` on the read makes the helper change what it returns: not plain, but the
    # variable nothing reads any more still goes (removing a read has no effect to keep).
    write(tmp_path, {"app.py": FUNCTION_CLIENT})
    assert "AZURE_OPENAI_API_KEY is required" in run_program(tmp_path / "app.py", IDENTITY).stderr
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    after = (tmp_path / "app.py").read_text()
    assert 'key = require_env("AZURE_OPENAI_API_KEY")' not in after
    assert '    endpoint = require_env("AZURE_OPENAI_ENDPOINT")\n' in after
    assert [(f, line) for f, line, _ in notices(report, "key-variable-removed")] == [("app.py", 14)]
    runs_both_ways(tmp_path / "app.py", "AzureOpenAI")


STRIPPING_SETTINGS = """\
    import os
    from dataclasses import dataclass


    def setting(name):
        value = os.environ.get(name, "").strip()
        if not value:
            raise RuntimeError(f"{name} is empty")
        return value


    @dataclass
    class Settings:
        search_endpoint: str
        search_key: str


    def get_settings():
        return Settings(search_endpoint=setting("SEARCH_ENDPOINT"), search_key=setting("AZURE_SEARCH_KEY"))
    """


def test_a_helper_that_changes_the_value_and_has_no_switch_is_left_in_a_construction(tmp_path):
    write(tmp_path, {"settings.py": STRIPPING_SETTINGS, "app.py": SEARCH_APP})
    report = api.run([str(tmp_path)], mode=MODE_WRITE, jobs=1)
    assert 'search_key=setting("AZURE_SEARCH_KEY"))\n' in (tmp_path / "settings.py").read_text()
    (found,) = notices(report, env_helpers.RULE)
    assert found[:2] == ("settings.py", 19)
    assert "`setting` changes the value it returns and has no parameter that turns" in found[2]
