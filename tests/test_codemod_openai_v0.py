"""openai 0.x Azure code rewritten to the 1.x client, then made keyless, in one run
(``codemods.openai_v0``): full before/after texts, and what leaves a module as it is."""

from __future__ import annotations

import json
import textwrap

import pytest
from clitools import cli
from helpers import run
from test_notebooks import code_cell, jupyter, markdown, notebook, sources

from codemods.options import MigrationOptions
from migrator.notebooks import migrate_notebook

IMPORTS = """\
import functools
import os

import openai
from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
"""
SETUP = """

@functools.cache
def _token_provider():
    # Built at the first token request, once the program has set up its environment.
    credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
    return get_bearer_token_provider(
        credential, "https://cognitiveservices.azure.com/.default"
    )


def token_provider():
    return _token_provider()()

"""
CONFIG = """\
import os

import openai

openai.api_type = "azure"
openai.api_base = os.getenv("AZURE_OPENAI_ENDPOINT")
openai.api_version = "2023-05-15"
openai.api_key = os.getenv("AZURE_OPENAI_KEY")
"""
CLIENT = """
client = openai.AzureOpenAI(
    azure_endpoint=os.getenv("AZURE_OPENAI_ENDPOINT"),
    api_version="2023-05-15",
    azure_ad_token_provider=token_provider,
)
"""


def rules(result) -> list[str]:
    return [n.rule for n in result.notices]


def test_chat_call_and_subscript_reads_become_the_client_and_attributes():
    source = CONFIG + textwrap.dedent(
        """
        response = openai.ChatCompletion.create(
            engine="gpt-35-turbo",
            messages=[{"role": "user", "content": "hi"}],
            temperature=0,
        )
        print(response["choices"][0]["message"]["content"])
        print(response["usage"]["total_tokens"])
        """
    )
    result = run(source)
    assert result.new.decode() == IMPORTS + SETUP + CLIENT + textwrap.dedent(
        """
        response = client.chat.completions.create(
            model="gpt-35-turbo",
            messages=[{"role": "user", "content": "hi"}],
            temperature=0,
        )
        print(response.choices[0].message.content)
        print(response.usage.total_tokens)
        """
    )
    assert [(c.cls, c.outcome) for c in result.clients] == [("openai.AzureOpenAI", "migrated")]
    assert rules(result)[0] == "openai-v0-rewritten"
    assert not any("0.x" in c.reason for c in result.clients)


def test_stream_membership_and_get_with_a_default():
    source = CONFIG + textwrap.dedent(
        """
        def stream(question):
            for chunk in openai.ChatCompletion.create(
                deployment_id="gpt-4", messages=[{"role": "user", "content": question}], stream=True
            ):
                if chunk["choices"] and "content" in chunk["choices"][0]["delta"]:
                    yield chunk["choices"][0]["delta"].get("content", "")
        """
    )
    assert run(source).new.decode() == IMPORTS + SETUP + CLIENT + textwrap.dedent(
        """
        def stream(question):
            for chunk in client.chat.completions.create(
                model="gpt-4", messages=[{"role": "user", "content": question}], stream=True
            ):
                if chunk.choices and chunk.choices[0].delta.content is not None:
                    yield (chunk.choices[0].delta.content or "")
        """
    )


def test_acreate_gets_an_async_client_and_embeddings_a_sync_one():
    source = CONFIG + textwrap.dedent(
        """
        async def ask(question):
            resp = await openai.ChatCompletion.acreate(
                engine="gpt-4", messages=[{"role": "user", "content": question}]
            )
            return resp["choices"][0]["message"]["content"]


        def embed(text):
            return openai.Embedding.create(engine="ada", input=text)["data"][0]["embedding"]
        """
    )
    out = run(source).new.decode()
    assert out == "import asyncio\n" + IMPORTS + SETUP + textwrap.dedent(
        """
        async def async_token_provider():
            # A worker thread fetches the token: no event loop is tied to it.
            return await asyncio.to_thread(_token_provider())

        """
    ) + CLIENT + textwrap.dedent(
        """\
        aclient = openai.AsyncAzureOpenAI(
            azure_endpoint=os.getenv("AZURE_OPENAI_ENDPOINT"),
            api_version="2023-05-15",
            azure_ad_token_provider=async_token_provider,
        )

        async def ask(question):
            resp = await aclient.chat.completions.create(
                model="gpt-4", messages=[{"role": "user", "content": question}]
            )
            return resp.choices[0].message.content


        def embed(text):
            return client.embeddings.create(model="ada", input=text).data[0].embedding
        """
    )


def test_errors_renamed_arguments_and_http_status():
    source = CONFIG + textwrap.dedent(
        """
        try:
            r = openai.Completion.create(engine="davinci", prompt="x", request_timeout=5)
        except (openai.error.RateLimitError, openai.error.Timeout) as err:
            print(err)
        except openai.error.InvalidRequestError as err:
            print(err.http_status)
        else:
            print(r.choices[0].text)
        """
    )
    assert run(source).new.decode() == IMPORTS + SETUP + CLIENT + textwrap.dedent(
        """
        try:
            r = client.completions.create(model="davinci", prompt="x", timeout=5)
        except (openai.RateLimitError, openai.APITimeoutError) as err:
            print(err)
        except (openai.BadRequestError, openai.NotFoundError) as err:
            print(err.status_code)
        else:
            print(r.choices[0].text)
        """
    )


def test_a_response_part_that_flows_on_becomes_a_dict_of_what_was_sent():
    source = CONFIG + textwrap.dedent(
        """
        history = []
        reply = openai.ChatCompletion.create(engine="gpt", messages=history)["choices"][0]
        history.append(reply["message"])
        """
    )
    assert run(source).new.decode() == IMPORTS + SETUP + CLIENT + textwrap.dedent(
        """
        history = []
        reply = client.chat.completions.create(model="gpt", messages=history).choices[0]
        history.append(reply.message.model_dump(exclude_unset=True))
        """
    )


def test_static_azure_ad_token_becomes_a_provider_of_their_own_credential():
    source = textwrap.dedent(
        """\
        import openai
        from azure.identity import AzureCliCredential, ChainedTokenCredential

        credential = ChainedTokenCredential(AzureCliCredential())
        access_token = credential.get_token("https://cognitiveservices.azure.com/.default")

        # Entra ID sign-in
        openai.api_type = "azure_ad"
        openai.api_key = access_token.token
        openai.api_base = "https://contoso.openai.azure.com/"
        openai.api_version = "2023-05-15"

        r = openai.ChatCompletion.create(engine="gpt", messages=[])
        print(r.choices[0].message.content)
        """
    )
    result = run(source)
    assert result.new.decode() == textwrap.dedent(
        """\
        import openai
        from azure.identity import AzureCliCredential, ChainedTokenCredential, get_bearer_token_provider

        credential = ChainedTokenCredential(AzureCliCredential())

        # Entra ID sign-in
        client = openai.AzureOpenAI(
            azure_endpoint="https://contoso.openai.azure.com/",
            api_version="2023-05-15",
            azure_ad_token_provider=get_bearer_token_provider(
                credential, "https://cognitiveservices.azure.com/.default"
            ),
        )

        r = client.chat.completions.create(model="gpt", messages=[])
        print(r.choices[0].message.content)
        """
    )
    assert [c.outcome for c in result.clients] == ["already-keyless"]
    assert "a static azure_ad token replaced" in result.notices[0].message


def test_a_static_token_from_elsewhere_gives_way_to_the_tools_provider():
    source = textwrap.dedent(
        """\
        import os

        import openai

        openai.api_type = "azure_ad"
        openai.api_key = os.environ["AAD_TOKEN"]
        openai.api_base = os.environ["AZURE_OPENAI_ENDPOINT"]
        openai.api_version = "2023-05-15"
        r = openai.ChatCompletion.create(engine="gpt", messages=[])
        """
    )
    assert run(source).new.decode() == IMPORTS + SETUP + textwrap.dedent(
        """
        client = openai.AzureOpenAI(
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            api_version="2023-05-15",
            azure_ad_token_provider=token_provider,
        )
        r = client.chat.completions.create(model="gpt", messages=[])
        """
    )


@pytest.mark.parametrize(
    "api_type",
    ['os.getenv("OPENAI_API_TYPE", "azure")', 'config["api_type"]', "settings.api_type"],
)
def test_api_type_from_the_environment_a_config_dict_or_settings(api_type):
    source = (
        CONFIG.replace('"azure"', api_type) + 'r = openai.Embedding.create(engine="e", input="x")\n'
    )
    out = run(source).new.decode()
    assert "client.embeddings.create(model=" in out and "openai.api_" not in out
    assert "azure_ad_token_provider=token_provider" in out


def test_notebook_with_configuration_and_calls_in_different_cells():
    nb = notebook(
        markdown(["# Tour\n"]),
        code_cell(["import os\n", "import openai"]),
        code_cell(CONFIG.split("\n", 3)[3].rstrip("\n").splitlines(keepends=True)),
        code_cell(['r = openai.ChatCompletion.create(engine="gpt", messages=[])\n', "r"]),
        code_cell(['print(r["choices"][0]["message"]["content"])']),
    )
    data = jupyter(nb)
    result = migrate_notebook(data, MigrationOptions(), "nb.ipynb")
    assert sources(result.new) == [
        "# Tour\n",
        # The cell's imports were not sorted: the new ones go after them.
        "import os\nimport openai\nimport functools\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider",
        SETUP.lstrip("\n") + CLIENT.rstrip("\n"),
        'r = client.chat.completions.create(model="gpt", messages=[])\nr',
        "print(r.choices[0].message.content)",
    ]
    assert json.loads(result.new)["cells"][3]["outputs"] == []


LEFT = [
    ('img = openai.Image.create(prompt="a cat")\n', "openai.Image is used"),
    ("openai.ChatCompletion.create = fake_create\n", "other than as a call"),
    ('r = openai.ChatCompletion.create(engine="g", messages=[])\nr.choices[0].extra()\n',
     "a response's .extra is used"),
    ('s = openai.ChatCompletion.create(engine="g", messages=[], stream=True)\nkeep(s)\n',
     "a stream flows on"),
    ('r = openai.ChatCompletion.create(engine="g", messages=[])\nprint(r["prompt_annotations"])\n',
     "a response field this tool does not know"),
    ('r = openai.ChatCompletion.create(engine="g", messages=[], api_key=other)\n',
     "passes api_key="),
    ('r = openai.ChatCompletion.create(messages=[], model="gpt")\n', "names no deployment"),
    ("from openai.error import RateLimitError\n", "names are imported from openai.error"),
    ("x = openai.util.convert_to_openai_object({})\n", "openai.util is used"),
    ('r = openai.ChatCompletion.create(engine="g", messages=[])\nfor k in r:\n    print(k)\n',
     "iterated over as a dict"),
]  # fmt: skip


def test_a_module_configured_only_by_the_environment_is_left_with_the_reason():
    source = 'import openai\nr = openai.ChatCompletion.create(engine="g", messages=[])\n'
    result = run(source)
    assert result.new.decode() == source
    [left] = [n for n in result.notices if n.rule == "openai-v0-left"]
    assert "openai.api_type is not set in the code" in left.message


@pytest.mark.parametrize("tail, why", LEFT, ids=[w for _, w in LEFT])
def test_a_module_that_cannot_be_rewritten_whole_is_left_byte_identical(tail, why):
    source = CONFIG + 'ok = openai.ChatCompletion.create(engine="g", messages=[])\n' + tail
    result = run(source)
    assert result.new.decode() == source
    [left] = [n for n in result.notices if n.rule == "openai-v0-left"]
    assert why in left.message, left.message
    [client] = result.clients
    assert client.outcome == "manual" and "0.x" in client.reason


@pytest.mark.parametrize(
    "source",
    [
        # api_type left at open_ai, and a local server behind api_base with no Azure setting.
        'import openai\nopenai.api_type = "open_ai"\nopenai.api_base = "https://api.openai.com/v1"\n'
        'r = openai.ChatCompletion.create(model="gpt-4", messages=[])\n',
        'import openai\nopenai.api_key = "EMPTY"\nopenai.api_base = "http://localhost:8000/v1"\n'
        'r = openai.ChatCompletion.create(model="llama", messages=[])\nprint(r["choices"])\n',
    ],
)
def test_non_azure_0x_code_is_not_touched(source):
    result = run(source)
    assert result.new.decode() == source
    assert "openai-v0-rewritten" not in rules(result) and "openai-v0-left" not in rules(result)


def test_a_long_module_is_rewritten_whole_not_as_a_slice():
    # Enough unrelated code that the slicer would leave most of it out: the reads of the
    # response at the end must still be rewritten.
    filler = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(40))
    source = (
        CONFIG + "\n\n" + filler
        + 'r = openai.ChatCompletion.create(engine="g", messages=[])\nprint(r["choices"][0]["message"]["content"])\n'
    )  # fmt: skip
    out = run(source).new.decode()
    assert out.endswith("print(r.choices[0].message.content)\n")
    assert "def helper_39(x):\n    return x + 39\n" in out


def test_second_run_changes_nothing():
    once = run(CONFIG + 'r = openai.ChatCompletion.create(engine="g", messages=[])\n').new
    assert b"client.chat.completions.create(" in once
    again = run(once.decode())
    assert again.new == once


# -- the project's openai pin ---------------------------------------------------------------------
CHAT = CONFIG + 'r = openai.ChatCompletion.create(engine="g", messages=[])\nprint(r["id"])\n'


@pytest.mark.parametrize("pin", ["openai==0.28.1", "openai<1", "openai~=0.27.8"])
def test_the_0x_pin_becomes_a_1x_requirement(tmp_path, pin):
    (tmp_path / "requirements.txt").write_text(f"{pin}\nrequests\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(CHAT, encoding="utf-8")
    outcome = cli(["migrate", str(tmp_path)])
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    assert (tmp_path / "requirements.txt").read_text(encoding="utf-8") == (
        "openai>=1.0.0\nazure-identity>=1.15.0\nrequests\n"
    )
    assert "client.chat.completions.create(" in (tmp_path / "app.py").read_text(encoding="utf-8")


def test_a_pin_that_needs_the_0x_api_leaves_code_and_pins_as_they_are(tmp_path):
    requirements = "openai==0.28.1\nlangchain==0.0.300\n"
    (tmp_path / "requirements.txt").write_text(requirements, encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "app.py").write_text(CHAT, encoding="utf-8")
    outcome = cli(["migrate", str(tmp_path)])
    assert (tmp_path / "requirements.txt").read_text(encoding="utf-8") == requirements
    assert (tmp_path / "pkg" / "app.py").read_text(encoding="utf-8") == CHAT
    report = outcome.stdout + outcome.stderr
    assert "openai-v0-left" in report
    assert "requirements.txt:2: langchain==0.0.300 calls the openai 0.x API" in report


def test_a_newer_langchain_does_not_block(tmp_path):
    (tmp_path / "requirements.txt").write_text("openai<1\nlangchain>=0.0.200\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(CHAT, encoding="utf-8")
    cli(["migrate", str(tmp_path)])
    assert (tmp_path / "requirements.txt").read_text(encoding="utf-8").startswith("openai>=1.0.0\n")
