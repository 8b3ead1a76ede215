"""A key read from a parameter typed by a settings class of the run is the project's
configuration (migrator.config_params, codemods.precision): the client is migrated and the field
made optional (codemods.settings_fields); a parameter typed by anything else stays a
``key-parameter``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from clitools import cli

from codemods.settings_fields import SettingsModule

CONFIG_PY = """\
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceConfig:
    endpoint: str
    api_key: str
    deployment: str
    api_version: str = "2024-10-21"

    @classmethod
    def from_env(cls) -> "ServiceConfig":
        return cls(
            endpoint=os.environ["AOAI_ENDPOINT"],
            api_key=os.environ["AOAI_KEY"],
            deployment=os.environ["AOAI_DEPLOYMENT"],
        )
"""

CONFIG_AFTER = """\
import os
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class ServiceConfig:
    endpoint: str
    api_key: Optional[str]
    deployment: str
    api_version: str = "2024-10-21"

    @classmethod
    def from_env(cls) -> "ServiceConfig":
        return cls(
            endpoint=os.environ["AOAI_ENDPOINT"],
            api_key=os.environ.get("AOAI_KEY"),
            deployment=os.environ["AOAI_DEPLOYMENT"],
        )
"""

SUMMARIZER_PY = """\
from openai import AzureOpenAI

from config import ServiceConfig


class Summarizer:
    def __init__(self, config: ServiceConfig) -> None:
        self.deployment = config.deployment
        self.client = AzureOpenAI(
            azure_endpoint=config.endpoint,
            api_key=config.api_key,
            api_version=config.api_version,
        )
"""

SUMMARIZER_AFTER = """\
import functools
import os

from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
from openai import AzureOpenAI

from config import ServiceConfig


@functools.cache
def _token_provider():
    # Built at the first token request, once the program has set up its environment.
    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
    return get_bearer_token_provider(
        credential, "https://cognitiveservices.azure.com/.default"
    )


def token_provider():
    return _token_provider()()


class Summarizer:
    def __init__(self, config: ServiceConfig) -> None:
        self.deployment = config.deployment
        self.client = AzureOpenAI(
            azure_endpoint=config.endpoint,
            azure_ad_token_provider=token_provider,
            api_version=config.api_version,
        )
"""

MAIN_PY = """\
from config import ServiceConfig
from summarizer import Summarizer

summarizer = Summarizer(ServiceConfig.from_env())
print(type(summarizer.client).__name__)
"""


def _tree(root: Path, config: str = CONFIG_PY, summarizer: str = SUMMARIZER_PY) -> None:
    (root / "config.py").write_text(config)
    (root / "summarizer.py").write_text(summarizer)
    (root / "main.py").write_text(MAIN_PY)


def _run_main(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "SYSTEMROOT", "HOME")}
    return subprocess.run(
        [sys.executable, "main.py"],
        cwd=root,
        env={**keep, "PYTHONPATH": str(root), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


IDENTITY = {
    "AOAI_ENDPOINT": "https://contoso.openai.azure.com",
    "AOAI_DEPLOYMENT": "gpt-4o",
    "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
}


def test_cli_migrates_the_client_and_relaxes_the_config_class(tmp_path):
    _tree(tmp_path)
    assert "KeyError: 'AOAI_KEY'" in _run_main(tmp_path, IDENTITY).stderr
    outcome = cli(["migrate", "."], cwd=tmp_path)
    told = outcome.stdout + outcome.stderr
    assert outcome.exit_code == 0, told
    assert (tmp_path / "summarizer.py").read_text() == SUMMARIZER_AFTER
    assert (tmp_path / "config.py").read_text() == CONFIG_AFTER
    assert (tmp_path / "main.py").read_text() == MAIN_PY
    assert "key-parameter" not in told
    assert "config.py:8:1: info: settings-key-field: ServiceConfig.api_key made optional" in told
    assert "the client at summarizer.py:11 no longer reads the key (api_key)" in told
    # The relaxed read is told as such, not as a read that raises.
    assert "config.py:16:1: info: settings-key-field: ServiceConfig's api_key is read" in told
    assert "key-read" not in told
    # Runs keyless, and with the old key still set.
    keyless = _run_main(tmp_path, IDENTITY)
    assert keyless.returncode == 0 and keyless.stdout == "AzureOpenAI\n", keyless.stderr
    rollout = _run_main(tmp_path, {**IDENTITY, "AOAI_KEY": "old-key"})
    assert rollout.returncode == 0 and rollout.stdout == "AzureOpenAI\n", rollout.stderr


def test_class_outside_the_run_stays_a_key_parameter(tmp_path):
    summarizer = SUMMARIZER_PY.replace("from config import", "from corelib.config import")
    (tmp_path / "summarizer.py").write_text(summarizer)
    outcome = cli(["migrate", "."], cwd=tmp_path)
    assert (tmp_path / "summarizer.py").read_text() == summarizer
    told = outcome.stdout + outcome.stderr
    assert "summarizer.py:9:23: warning: key-parameter: the key comes from the parameter " in told
    assert "`config` (as `config.api_key`)" in told


def test_parameter_without_annotation_stays_a_key_parameter(tmp_path):
    summarizer = SUMMARIZER_PY.replace("config: ServiceConfig", "config")
    _tree(tmp_path, summarizer=summarizer)
    outcome = cli(["migrate", "."], cwd=tmp_path)
    assert (tmp_path / "summarizer.py").read_text() == summarizer
    assert (tmp_path / "config.py").read_text() == CONFIG_PY
    assert "warning: key-parameter" in outcome.stdout + outcome.stderr


def test_class_of_the_run_that_is_not_a_settings_class_stays_a_key_parameter(tmp_path):
    # A plain class: nothing the tool edits declares the key, so nothing could be relaxed.
    plain = (
        "class ServiceConfig:\n    def __init__(self, api_key):\n        self.api_key = api_key\n"
    )
    _tree(tmp_path, config=plain)
    outcome = cli(["migrate", "."], cwd=tmp_path)
    assert (tmp_path / "summarizer.py").read_text() == SUMMARIZER_PY
    assert (tmp_path / "config.py").read_text() == plain
    assert "warning: key-parameter" in outcome.stdout + outcome.stderr


def test_class_in_the_same_module_is_the_run_s_too(tmp_path):
    source = (
        "import os\n"
        "from dataclasses import dataclass\n"
        "\n"
        "from openai import AzureOpenAI\n"
        "\n"
        "\n"
        "@dataclass\n"
        "class Settings:\n"
        "    api_key: str\n"
        "    endpoint: str\n"
        "\n"
        "\n"
        "def make_client(settings: Settings) -> AzureOpenAI:\n"
        '    return AzureOpenAI(azure_endpoint=settings.endpoint, api_key=settings.api_key, api_version="2024-10-21")\n'
        "\n"
        "\n"
        'client = make_client(Settings(os.environ["AOAI_KEY"], os.environ["AOAI_ENDPOINT"]))\n'
    )
    (tmp_path / "app.py").write_text(source)
    outcome = cli(["migrate", "."], cwd=tmp_path)
    out = (tmp_path / "app.py").read_text()
    assert "    api_key: Optional[str]\n    endpoint: str\n" in out, outcome.stdout
    assert "azure_ad_token_provider=token_provider" in out and "api_key=" not in out
    # The module-level construction is not the class's own: it is told, not rewritten.
    assert 'Settings(os.environ["AOAI_KEY"], os.environ["AOAI_ENDPOINT"])' in out
    assert "app.py:17:31: warning: key-read: os.environ[" in outcome.stdout
    compile(out, "app.py", "exec")


def _optional(source: str, name: str, attr: str) -> tuple[str, object]:
    module = SettingsModule(textwrap.dedent(source).encode())
    change = module.make_optional(module.lookup(name), attr)
    return module.apply().decode(), change


def test_field_before_required_fields_gets_the_type_only_in_the_module_s_union_style():
    before = """\
    import os
    from dataclasses import dataclass


    @dataclass
    class Config:
        endpoint: str
        api_key: str
        deployment: str
        timeout: float | None = None

        @staticmethod
        def load() -> "Config":
            return Config(
                os.environ["AOAI_ENDPOINT"], os.environ["AOAI_KEY"], os.environ["AOAI_DEPLOYMENT"]
            )
    """
    after = """\
    import os
    from dataclasses import dataclass


    @dataclass
    class Config:
        endpoint: str
        api_key: str | None
        deployment: str
        timeout: float | None = None

        @staticmethod
        def load() -> "Config":
            return Config(
                os.environ["AOAI_ENDPOINT"], os.environ.get("AOAI_KEY"), os.environ["AOAI_DEPLOYMENT"]
            )
    """
    out, change = _optional(before, "Config", "api_key")
    assert out == textwrap.dedent(after)
    assert change.changed and "its type only" in change.message


def test_constructions_outside_the_class_s_methods_are_not_rewritten():
    before = """\
    import os
    from dataclasses import dataclass


    @dataclass
    class Config:
        api_key: str
        endpoint: str


    def load() -> Config:
        return Config(api_key=os.environ["AOAI_KEY"], endpoint=os.environ["AOAI_ENDPOINT"])
    """
    out, change = _optional(before, "Config", "api_key")
    assert change.changed
    assert out == textwrap.dedent(before).replace(
        "from dataclasses import dataclass\n",
        "from dataclasses import dataclass\nfrom typing import Optional\n",
    ).replace("    api_key: str\n", "    api_key: Optional[str]\n")
