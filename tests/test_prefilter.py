"""The byte search that settles most files without a parse must never settle a file that builds a client."""

from __future__ import annotations

from codemods.targets import SPECS
from migrator.engine import _ANCHORS, imports_an_sdk, might_need_migration, worth_parsing


def test_every_client_class_or_its_package_contains_an_anchor():
    for spec in SPECS:
        for name in spec.names:
            root, cls = name.split(".", 1)[0], name.rsplit(".", 1)[-1]
            assert any(a in cls.encode() or a in root.encode() for a in _ANCHORS), name


def test_each_kind_of_client_module_is_worth_parsing():
    for spec in SPECS:
        for name in spec.names:
            module, cls = name.rsplit(".", 1)
            data = f"from {module} import {cls}\n\nclient = {cls}(api_key='k')\n".encode()
            assert worth_parsing(data), name
            data = f"import {module}\n\nclient = {module}.{cls}(api_key='k')\n".encode()
            assert worth_parsing(data), name


def test_a_trigger_word_without_a_client_package_import_is_not_parsed():
    assert might_need_migration(b"# Uses AzureOpenAI elsewhere\nx = 1\n")
    assert not worth_parsing(b"# Uses AzureOpenAI elsewhere\nx = 1\n")
    assert not worth_parsing(b"class AzureOpenAI:\n    pass\nAzureOpenAI()\n")


def test_key_names_are_parsed_without_an_import():
    assert worth_parsing(b'import os\nKEY = os.environ["AZURE_OPENAI_API_KEY"]\n')


def test_sdk_import_forms():
    for text in (
        b"import openai\n",
        b"import os, openai\n",
        b"    from azure.ai.inference import ChatCompletionsClient\n",
        b"from langchain_openai.chat_models import AzureChatOpenAI\n",
        b"import litellm as llm\n",
    ):
        assert imports_an_sdk(text), text
    for text in (b"# import openai\n", b"import openai_helpers\n", b"from .azure import thing\n"):
        assert not imports_an_sdk(text), text


def test_a_notebook_with_a_client_is_not_settled_unread(tmp_path):
    # In a notebook the import is inside a JSON string, not at the start of a line.
    import json

    from migrator.api import _settle_early

    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": ["from openai import AzureOpenAI\n", "client = AzureOpenAI(api_key='k')\n"]}  # fmt: skip
    path = tmp_path / "nb.ipynb"
    path.write_text(
        json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    assert _settle_early(str(path), include_generated=False) is None
