"""Settings fields behind a rewritten key argument: made optional, in the module that declares
them (codemods.settings_fields), followed across the modules of a run (migrator.settings_link)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from clitools import cli

from codemods.settings_fields import SettingsModule


def optional(source: str, name: str, attr: str):
    module = SettingsModule(textwrap.dedent(source).encode())
    found = module.lookup(name)
    change = module.make_optional(found, attr)
    return module.apply().decode(), change


# (before, the name the client read through, the field, after): each shape in full.
SHAPES = {
    "pydantic-settings, plain required field, no union style yet": (
        """\
        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            azure_openai_endpoint: str
            azure_openai_api_key: str

            model_config = dict(extra="ignore")


        settings = Settings()
        """,
        "settings",
        "azure_openai_api_key",
        """\
        from pydantic_settings import BaseSettings
        from typing import Optional


        class Settings(BaseSettings):
            azure_openai_endpoint: str
            azure_openai_api_key: Optional[str] = None

            model_config = dict(extra="ignore")


        settings = Settings()
        """,
    ),
    "dataclass field followed by required ones: its type only (no default)": (
        """\
        from dataclasses import dataclass


        @dataclass
        class Config:
            api_key: str
            endpoint: str
        """,
        "Config",
        "api_key",
        """\
        from dataclasses import dataclass
        from typing import Optional


        @dataclass
        class Config:
            api_key: Optional[str]
            endpoint: str
        """,
    ),
    "SecretStr with Field(..., alias=) in a module that writes X | None": (
        """\
        from pydantic import Field, SecretStr
        from pydantic_settings import BaseSettings, SettingsConfigDict


        class AzureSettings(BaseSettings):
            model_config = SettingsConfigDict(env_file=".env")

            endpoint: str = Field(..., alias="AOAI_ENDPOINT")
            api_key: SecretStr = Field(..., alias="AOAI_KEY")
            deployment: str | None = None
        """,
        "AzureSettings",
        "api_key",
        """\
        from pydantic import Field, SecretStr
        from pydantic_settings import BaseSettings, SettingsConfigDict


        class AzureSettings(BaseSettings):
            model_config = SettingsConfigDict(env_file=".env")

            endpoint: str = Field(..., alias="AOAI_ENDPOINT")
            api_key: SecretStr | None = Field(None, alias="AOAI_KEY")
            deployment: str | None = None
        """,
    ),
    "Field(validation_alias=) and typing.Optional already imported, through get_settings()": (
        """\
        from functools import lru_cache
        from typing import Optional

        from pydantic import Field
        from pydantic_settings import BaseSettings


        class Credentials(BaseSettings):
            org: Optional[str] = None
            openai_api_key: str = Field(validation_alias="AZURE_OPENAI_API_KEY")


        @lru_cache
        def get_settings() -> Credentials:
            return Credentials()
        """,
        "get_settings",
        "openai_api_key",
        """\
        from functools import lru_cache
        from typing import Optional

        from pydantic import Field
        from pydantic_settings import BaseSettings


        class Credentials(BaseSettings):
            org: Optional[str] = None
            openai_api_key: Optional[str] = Field(None, validation_alias="AZURE_OPENAI_API_KEY")


        @lru_cache
        def get_settings() -> Credentials:
            return Credentials()
        """,
    ),
    "pydantic BaseModel loaded from JSON, Field(default=...)": (
        """\
        import json

        from pydantic import BaseModel, Field


        class OpenAIConfig(BaseModel):
            endpoint: str
            key: str = Field(default=..., description="from the portal")


        def load(path):
            return OpenAIConfig(**json.load(open(path)))
        """,
        "OpenAIConfig",
        "key",
        """\
        import json

        from pydantic import BaseModel, Field
        from typing import Optional


        class OpenAIConfig(BaseModel):
            endpoint: str
            key: Optional[str] = Field(default=None, description="from the portal")


        def load(path):
            return OpenAIConfig(**json.load(open(path)))
        """,
    ),
    "dataclass field filled from os.environ by a default factory": (
        """\
        import os
        from dataclasses import dataclass, field


        @dataclass
        class AzureConfig:
            endpoint: str = field(default_factory=lambda: os.environ["AOAI_ENDPOINT"])
            key: str = field(default_factory=lambda: os.environ["AOAI_KEY"])


        CONFIG = AzureConfig()
        """,
        "CONFIG",
        "key",
        """\
        import os
        from dataclasses import dataclass, field
        from typing import Optional


        @dataclass
        class AzureConfig:
            endpoint: str = field(default_factory=lambda: os.environ["AOAI_ENDPOINT"])
            key: Optional[str] = field(default_factory=lambda: os.environ.get("AOAI_KEY"))


        CONFIG = AzureConfig()
        """,
    ),
    "dataclass, last field without default": (
        """\
        from dataclasses import dataclass


        @dataclass(frozen=True)
        class Config:
            endpoint: str
            api_key: str
        """,
        "Config",
        "api_key",
        """\
        from dataclasses import dataclass
        from typing import Optional


        @dataclass(frozen=True)
        class Config:
            endpoint: str
            api_key: Optional[str] = None
        """,
    ),
    "NamedTuple, last field; Annotated keeps its metadata": (
        """\
        from typing import Annotated, NamedTuple


        class Config(NamedTuple):
            endpoint: str
            api_key: Annotated[str, "secret"]
        """,
        "Config",
        "api_key",
        """\
        from typing import Optional, Annotated, NamedTuple


        class Config(NamedTuple):
            endpoint: str
            api_key: Annotated[Optional[str], "secret"] = None
        """,
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_shape_made_optional(shape):
    before, name, attr, after = SHAPES[shape]
    out, change = optional(before, name, attr)
    assert out == textwrap.dedent(after)
    assert change.changed
    compile(out, "<out>", "exec")


@pytest.mark.parametrize(
    "source, why",
    [
        (
            "from typing import TypedDict\n\nclass C(TypedDict):\n    api_key: str\n",
            "TypedDict",
        ),
        (
            # The field comes from a base class in another module.
            "from pydantic_settings import BaseSettings\nfrom base import PlatformSettings\n\n"
            "class C(PlatformSettings):\n    endpoint: str\n",
            "may come from PlatformSettings, defined elsewhere",
        ),
        ("class C:\n    api_key: str\n", "not a pydantic model"),
    ],
)
def test_shapes_left_alone_say_why(source, why):
    out, change = optional(source, "C", "api_key")
    assert out == source
    assert not change.changed and why in change.message


def test_field_with_a_default_needs_nothing():
    source = 'from pydantic_settings import BaseSettings\n\nclass C(BaseSettings):\n    api_key: str = ""\n'
    module = SettingsModule(source.encode())
    assert module.make_optional(module.lookup("C"), "api_key") is None
    assert module.apply().decode() == source


def test_variable_named_from_env_prefix():
    _, change = optional(
        "from pydantic_settings import BaseSettings\n\nclass C(BaseSettings):\n"
        "    class Config:\n        env_prefix = 'openai_'\n    key: str\n",
        "C",
        "key",
    )
    assert change.variable == "OPENAI_KEY"


SETTINGS_PY = """\
from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

    azure_openai_endpoint: str = Field(..., alias="AOAI_ENDPOINT")
    azure_openai_api_key: SecretStr = Field(..., alias="AOAI_KEY")


@lru_cache
def get_settings() -> Settings:
    return Settings()
"""

APP_PY = """\
from openai import AzureOpenAI

from settings import get_settings

settings = get_settings()
client = AzureOpenAI(
    azure_endpoint=settings.azure_openai_endpoint,
    api_key=settings.azure_openai_api_key.get_secret_value(),
    api_version="2024-10-21",
)
"""


def _project(root: Path) -> Path:
    (root / "settings.py").write_text(SETTINGS_PY)
    (root / "app.py").write_text(APP_PY)
    return root


def test_cli_makes_the_field_in_the_other_module_optional(tmp_path):
    _project(tmp_path)
    outcome = cli(["migrate", "."], cwd=tmp_path)
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    assert (tmp_path / "settings.py").read_text() == SETTINGS_PY.replace(
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n",
        "from pydantic_settings import BaseSettings, SettingsConfigDict\nfrom typing import Optional\n",
    ).replace(
        'azure_openai_api_key: SecretStr = Field(..., alias="AOAI_KEY")',
        'azure_openai_api_key: Optional[SecretStr] = Field(None, alias="AOAI_KEY")',
    )
    told = outcome.stdout + outcome.stderr
    assert "settings.py:11:1: info: settings-key-field" in told
    assert "the client at app.py:8 no longer reads the key (AOAI_KEY)" in told


def test_dry_run_shows_the_settings_diff_and_writes_nothing(tmp_path):
    _project(tmp_path)
    outcome = cli(["migrate", "--dry-run", "."], cwd=tmp_path)
    assert "+    azure_openai_api_key: Optional[SecretStr] = Field(None" in outcome.stdout
    assert (tmp_path / "settings.py").read_text() == SETTINGS_PY


def test_class_outside_the_run_is_reported_at_the_read(tmp_path):
    (tmp_path / "app.py").write_text(APP_PY.replace("from settings import", "from corelib import"))
    outcome = cli(["migrate", "--dry-run", "."], cwd=tmp_path)
    told = outcome.stdout + outcome.stderr
    assert "app.py:8:1: warning: settings-key-field" in told
    assert "the key came from settings.azure_openai_api_key" in told


def _import_with(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "SYSTEMROOT", "HOME")}
    return subprocess.run(
        [sys.executable, "-c", "import app; print(type(app.settings).__name__, app.client)"],
        cwd=root,
        env={**keep, "PYTHONPATH": str(root), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrated_settings_and_app_import_with_only_the_identity_variables(tmp_path):
    _project(tmp_path)
    identity = {
        "AOAI_ENDPOINT": "https://contoso.openai.azure.com",
        "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
    }
    before = _import_with(tmp_path, identity)
    assert "AOAI_KEY" in before.stderr  # the original needs the key to start
    cli(["migrate", "."], cwd=tmp_path)
    after = _import_with(tmp_path, identity)
    assert after.returncode == 0, after.stderr
    assert after.stdout.startswith("Settings ")
    # The rollout: the old key is still set (in the environment and in .env): still starts.
    (tmp_path / ".env").write_text("AOAI_KEY=old-key-still-here\n")
    rollout = _import_with(tmp_path, {**identity, "AOAI_KEY": "old-key-still-here"})
    assert rollout.returncode == 0, rollout.stderr


CONFIG_PY = """\
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class AzureConfig:
    endpoint: str
    key: str


CONFIG = AzureConfig(endpoint=os.environ["AOAI_ENDPOINT"], key=os.environ["AOAI_KEY"])
"""

CONFIG_APP_PY = """\
from openai import AzureOpenAI

from config import CONFIG

client = AzureOpenAI(azure_endpoint=CONFIG.endpoint, api_key=CONFIG.key, api_version="2024-10-21")
settings = CONFIG
"""


def test_dataclass_instance_built_from_the_environment_is_relaxed_too(tmp_path):
    (tmp_path / "config.py").write_text(CONFIG_PY)
    (tmp_path / "app.py").write_text(CONFIG_APP_PY)
    identity = {
        "AOAI_ENDPOINT": "https://contoso.openai.azure.com",
        "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
    }
    assert "KeyError: 'AOAI_KEY'" in _import_with(tmp_path, identity).stderr
    outcome = cli(["migrate", "."], cwd=tmp_path)
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    assert (tmp_path / "config.py").read_text() == (
        "import os\n"
        "from dataclasses import dataclass\n"
        "from typing import Optional\n"
        "\n"
        "\n"
        "@dataclass(frozen=True)\n"
        "class AzureConfig:\n"
        "    endpoint: str\n"
        "    key: Optional[str] = None\n"
        "\n"
        "\n"
        'CONFIG = AzureConfig(endpoint=os.environ["AOAI_ENDPOINT"], key=os.environ.get("AOAI_KEY"))\n'
    )
    after = _import_with(tmp_path, identity)
    assert after.returncode == 0, after.stderr
    assert after.stdout.startswith("AzureConfig ")


def test_settings_class_in_the_client_module_itself(tmp_path):
    script = (
        "from openai import AzureOpenAI\n"
        "from pydantic_settings import BaseSettings\n"
        "\n"
        "\n"
        "class Settings(BaseSettings):\n"
        "    azure_openai_endpoint: str\n"
        "    azure_openai_api_key: str\n"
        "\n"
        "\n"
        "settings = Settings()\n"
        "client = AzureOpenAI(\n"
        "    azure_endpoint=settings.azure_openai_endpoint,\n"
        "    api_key=settings.azure_openai_api_key,\n"
        '    api_version="2024-10-21",\n'
        ")\n"
    )
    (tmp_path / "bot.py").write_text(script)
    cli(["migrate", "."], cwd=tmp_path)
    out = (tmp_path / "bot.py").read_text()
    assert "    azure_openai_api_key: Optional[str] = None\n" in out
    assert "azure_ad_token_provider=token_provider" in out and "api_key=" not in out
    compile(out, "bot.py", "exec")


def test_field_that_cannot_take_a_default_gets_the_optional_type_only(tmp_path):
    (tmp_path / "config.py").write_text(
        "import os\nfrom dataclasses import dataclass\n\n\n@dataclass\nclass AzureConfig:\n"
        "    key: str\n    endpoint: str\n\n\n"
        'CONFIG = AzureConfig(os.environ["AOAI_KEY"], os.environ["AOAI_ENDPOINT"])\n'
    )
    (tmp_path / "app.py").write_text(CONFIG_APP_PY)
    outcome = cli(["migrate", "."], cwd=tmp_path)
    # Python refuses a default before a field without one: the type alone says optional, and
    # the positional construction reads the key with .get.
    assert (tmp_path / "config.py").read_text() == (
        "import os\nfrom dataclasses import dataclass\nfrom typing import Optional\n\n\n"
        "@dataclass\nclass AzureConfig:\n    key: Optional[str]\n    endpoint: str\n\n\n"
        'CONFIG = AzureConfig(os.environ.get("AOAI_KEY"), os.environ["AOAI_ENDPOINT"])\n'
    )
    told = outcome.stdout + outcome.stderr
    assert (
        "config.py:7:1: info: settings-key-field: AzureConfig.key made optional (its type" in told
    )
    assert "config.py:11:1: info: settings-key-field: CONFIG's key is read with .get()" in told
    assert "key-read" not in told


def test_settings_injected_into_a_handler_or_fetched_in_a_function(tmp_path):
    (tmp_path / "settings.py").write_text(SETTINGS_PY)
    (tmp_path / "main.py").write_text(
        "from fastapi import Depends, FastAPI\n"
        "from openai import AzureOpenAI\n"
        "\n"
        "from settings import Settings, get_settings\n"
        "\n"
        "app = FastAPI()\n"
        "\n"
        "\n"
        '@app.post("/chat")\n'
        "def chat(question: str, settings: Settings = Depends(get_settings)):\n"
        "    client = AzureOpenAI(\n"
        "        azure_endpoint=settings.azure_openai_endpoint,\n"
        "        api_key=settings.azure_openai_api_key.get_secret_value(),\n"
        '        api_version="2024-10-21",\n'
        "    )\n"
        '    return client.chat.completions.create(model="gpt-4o", messages=[])\n'
        "\n"
        "\n"
        "def embedder():\n"
        "    s = get_settings()\n"
        '    return AzureOpenAI(api_key=s.azure_openai_api_key, api_version="2024-10-21")\n'
    )
    outcome = cli(["migrate", "."], cwd=tmp_path)
    told = outcome.stdout + outcome.stderr
    assert 'azure_openai_api_key: Optional[SecretStr] = Field(None, alias="AOAI_KEY")' in (
        (tmp_path / "settings.py").read_text()
    )
    assert "the client at main.py:13 no longer reads the key" in told
    assert "the client at main.py:21 no longer reads the key" in told


def test_field_declared_by_a_base_class_in_a_third_module(tmp_path):
    (tmp_path / "base.py").write_text(
        "from pydantic import SecretStr\n"
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n"
        "\n"
        "\n"
        "class PlatformSettings(BaseSettings):\n"
        '    model_config = SettingsConfigDict(extra="ignore", env_file=".env")\n'
        "\n"
        "    api_key: SecretStr\n"
        "    api_base: str\n"
    )
    (tmp_path / "azure_settings.py").write_text(
        "from pydantic_settings import SettingsConfigDict\n"
        "\n"
        "from base import PlatformSettings\n"
        "\n"
        "\n"
        "class AzureSettings(PlatformSettings):\n"
        '    model_config = SettingsConfigDict(env_prefix="azure_")\n'
        "\n"
        "    api_version: str\n"
    )
    (tmp_path / "app.py").write_text(
        "from openai import AzureOpenAI\n"
        "\n"
        "from azure_settings import AzureSettings\n"
        "\n"
        "s = AzureSettings()\n"
        "client = AzureOpenAI(\n"
        "    azure_endpoint=s.api_base,\n"
        "    api_key=s.api_key.get_secret_value(),\n"
        "    api_version=s.api_version,\n"
        ")\n"
    )
    cli(["migrate", "."], cwd=tmp_path)
    assert "    api_key: Optional[SecretStr] = None\n" in (tmp_path / "base.py").read_text()
    assert "Optional" not in (tmp_path / "azure_settings.py").read_text()
