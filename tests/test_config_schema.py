"""A JSON schema that requires the key a rewritten client read from a JSON config
(migrator.config_schema): the key leaves its ``required`` list, or the read is reported."""

from __future__ import annotations

from pathlib import Path

from clitools import cli

from migrator import json_spans

# A schema kept in a module of its own, imported where the config is validated.
SCHEMAS_PY = """\
CONFIG_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "endpoint": {"type": "string", "format": "uri"},
        "api_key": {"type": "string"},
        "deployment": {"type": "string"},
    },
    "required": [
        "endpoint",
        "api_key",
        "deployment",
    ],
    "additionalProperties": False,
}
"""

MAIN_PY = """\
import json

from jsonschema import validate
from openai import AzureOpenAI

from schemas import CONFIG_SCHEMA

with open("config.json", encoding="utf-8") as handle:
    cfg = json.load(handle)
validate(cfg, CONFIG_SCHEMA)

client = AzureOpenAI(
    azure_endpoint=cfg["endpoint"],
    api_key=cfg["api_key"],
    api_version="2024-10-21",
)
reply = client.chat.completions.create(
    model=cfg["deployment"], messages=[{"role": "user", "content": "ping"}]
)
print(reply.choices[0].message.content)
"""


def _run(root: Path, *args: str):
    (root / "requirements.txt").write_text("openai\njsonschema\n")
    outcome = cli(["migrate", *args, "."], cwd=root)
    assert outcome.exit_code in (0, 1), outcome.stdout + outcome.stderr
    return outcome.stdout + outcome.stderr


def test_dict_schema_imported_from_another_module_stops_requiring_the_key(tmp_path):
    (tmp_path / "schemas.py").write_text(SCHEMAS_PY)
    (tmp_path / "main.py").write_text(MAIN_PY)
    told = _run(tmp_path)
    assert (
        (tmp_path / "schemas.py").read_text()
        == """\
CONFIG_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "endpoint": {"type": "string", "format": "uri"},
        "api_key": {"type": "string"},
        "deployment": {"type": "string"},
    },
    "required": [
        "endpoint",
        "deployment",
    ],
    "additionalProperties": False,
}
"""
    )
    assert 'schemas.py:11:1: info: config-schema-key: "api_key" dropped from CONFIG_SCHEMA' in told
    assert 'the client at main.py:14 no longer reads cfg["api_key"]' in told
    assert "azure_ad_token_provider=token_provider" in (tmp_path / "main.py").read_text()


def test_dict_schema_in_the_same_module_last_element(tmp_path):
    schema = SCHEMAS_PY.replace(
        '"required": [\n        "endpoint",\n        "api_key",\n        "deployment",\n    ],',
        '"required": ["endpoint", "deployment", "api_key"],',
    )
    source = MAIN_PY.replace("from schemas import CONFIG_SCHEMA\n", schema)
    (tmp_path / "main.py").write_text(source)
    told = _run(tmp_path)
    # The same run on the module whose schema never required the key: the whole file, compared.
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "main.py").write_text(source.replace(', "api_key"]', "]"))
    _run(plain)
    assert (tmp_path / "main.py").read_text() == (plain / "main.py").read_text()
    assert '"required": ["endpoint", "deployment"],' in (tmp_path / "main.py").read_text()
    assert "main.py:14:1: info: config-schema-key" in told


SCHEMA_JSON = (
    b'{\r\n  "$schema": "https://json-schema.org/draft/2020-12/schema",\r\n'
    b'  "type": "object",\r\n  "required": ["azure_openai"],\r\n'
    b'  "properties": {\r\n    "azure_openai": {\r\n      "type": "object",\r\n'
    b'      "required": [\r\n        "endpoint",\r\n        "key",\r\n'
    b'        "api_version"\r\n      ],\r\n'
    b'      "properties": {\r\n        "endpoint": {"type": "string"},\r\n'
    b'        "key": {"type": "string"},\r\n        "api_version": {"type": "string"}\r\n'
    b"      }\r\n    }\r\n  }\r\n}\r\n"
)

SERVICE_PY = """\
import json
from pathlib import Path

from jsonschema import Draft202012Validator
from openai import AzureOpenAI

HERE = Path(__file__).parent


def load_config():
    config = json.loads((HERE / "config.json").read_text())
    schema = json.loads((HERE / "config.schema.json").read_text())
    Draft202012Validator(schema).validate(config)
    return config


def make_client():
    config = load_config()
    return AzureOpenAI(
        azure_endpoint=config["azure_openai"]["endpoint"],
        api_key=config["azure_openai"]["key"],
        api_version=config["azure_openai"]["api_version"],
    )
"""


def test_json_schema_file_loses_only_that_array_element(tmp_path):
    (tmp_path / "config.schema.json").write_bytes(SCHEMA_JSON)
    (tmp_path / "service.py").write_text(SERVICE_PY)
    told = _run(tmp_path)
    assert (tmp_path / "config.schema.json").read_bytes() == (
        b'{\r\n  "$schema": "https://json-schema.org/draft/2020-12/schema",\r\n'
        b'  "type": "object",\r\n  "required": ["azure_openai"],\r\n'
        b'  "properties": {\r\n    "azure_openai": {\r\n      "type": "object",\r\n'
        b'      "required": [\r\n        "endpoint",\r\n'
        b'        "api_version"\r\n      ],\r\n'
        b'      "properties": {\r\n        "endpoint": {"type": "string"},\r\n'
        b'        "key": {"type": "string"},\r\n        "api_version": {"type": "string"}\r\n'
        b"      }\r\n    }\r\n  }\r\n}\r\n"
    )
    assert "config.schema.json:10:1: info: config-schema-key" in told
    assert 'no longer reads config["azure_openai"]["key"]' in told
    assert "config-schema-key" not in told.split("config.schema.json:10:1")[0]


def test_dry_run_shows_the_schema_diff_and_writes_nothing(tmp_path):
    (tmp_path / "config.schema.json").write_bytes(SCHEMA_JSON)
    (tmp_path / "service.py").write_text(SERVICE_PY)
    told = _run(tmp_path, "--dry-run")
    assert '-        "key",' in told
    assert (tmp_path / "config.schema.json").read_bytes() == SCHEMA_JSON


def test_schema_not_edited_safely_is_reported_at_the_read(tmp_path):
    schema = SCHEMAS_PY.replace(
        '"required": [\n        "endpoint",\n        "api_key",\n        "deployment",\n    ],',
        '"required": REQUIRED,',
    )
    schema = 'REQUIRED = ["endpoint", "api_key", "deployment"]\n' + schema
    (tmp_path / "schemas.py").write_text(schema)
    (tmp_path / "main.py").write_text(MAIN_PY)
    told = _run(tmp_path)
    assert (tmp_path / "schemas.py").read_text() == schema
    assert "main.py:14:1: warning: config-schema-key" in told
    assert 'the key came from cfg["api_key"]' in told
    assert "not a list of string literals" in told


def test_schema_file_not_found_is_reported_and_a_config_with_no_schema_is_not(tmp_path):
    (tmp_path / "service.py").write_text(SERVICE_PY)
    told = _run(tmp_path)
    assert "service.py:21:1: warning: config-schema-key" in told
    assert "config.schema.json: not found" in told
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "main.py").write_text(
        MAIN_PY.replace("from jsonschema import validate\n", "")
        .replace("from schemas import CONFIG_SCHEMA\n", "")
        .replace("validate(cfg, CONFIG_SCHEMA)\n", "")
    )
    assert "config-schema-key" not in _run(bare)


def test_json_spans_keep_every_other_byte():
    text = '{"required": [ "a" ,"b",\t"c" ], "x": [ "only" ]}'
    top = json_spans.parse(text)
    required = top.value["required"]
    assert (
        json_spans.without_element(text, required, 0)
        == '{"required": [ "b",\t"c" ], "x": [ "only" ]}'
    )
    assert (
        json_spans.without_element(text, required, 1)
        == '{"required": [ "a" ,"c" ], "x": [ "only" ]}'
    )
    assert (
        json_spans.without_element(text, required, 2)
        == '{"required": [ "a" ,"b" ], "x": [ "only" ]}'
    )
    assert (
        json_spans.without_element(text, top.value["x"], 0)
        == '{"required": [ "a" ,"b",\t"c" ], "x": []}'
    )


def test_a_validate_call_without_a_schema_is_no_schema_in_sight(tmp_path):
    source = (
        MAIN_PY.replace("from jsonschema import validate\n", "from forms import form\n")
        .replace("from schemas import CONFIG_SCHEMA\n", "")
        .replace("validate(cfg, CONFIG_SCHEMA)\n", "form.validate()\n")
    )
    (tmp_path / "main.py").write_text(source)
    told = _run(tmp_path)
    assert "migrated: openai.AzureOpenAI" in told
    assert "config-schema-key" not in told


def test_a_composed_schema_file_is_left_byte_for_byte_and_reported(tmp_path):
    composed = SCHEMA_JSON.replace(
        b'      "type": "object",\r\n', b'      "allOf": [{"$ref": "#/$defs/base"}],\r\n'
    )
    (tmp_path / "config.schema.json").write_bytes(composed)
    (tmp_path / "service.py").write_text(SERVICE_PY)
    told = _run(tmp_path)
    assert (tmp_path / "config.schema.json").read_bytes() == composed
    assert "service.py:21:1: warning: config-schema-key" in told
    assert "config.schema.json: it composes other schemas" in told


def test_a_json_load_in_any_block_is_found_without_walking_expressions():
    # The step looks for ``name = json.load(...)`` through statements and their blocks only.
    import libcst as cst

    from migrator.config_schema import _json_loaded

    source = (
        "import json\n"
        "class App:\n"
        "    def start(self, path):\n"
        "        try:\n"
        "            with open(path) as f:\n"
        "                if f:\n"
        "                    pass\n"
        "                else:\n"
        "                    cfg = json.load(f)\n"
        "        except OSError:\n"
        "            other = json.loads('{}')\n"
        "        data = [json.load(g) for g in ()]\n"
    )
    module = cst.parse_module(source)
    assert _json_loaded(module, "cfg") and _json_loaded(module, "other")
    assert not _json_loaded(module, "data") and not _json_loaded(module, "g")
