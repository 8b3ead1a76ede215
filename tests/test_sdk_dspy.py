"""DSPy's ``dspy.LM("azure/...")`` (codemods/sdks/dspy.py): whole results, and the look-alikes
that stay byte for byte."""

from __future__ import annotations

import textwrap

import pytest

from codemods.options import MigrationOptions
from migrator.engine import migrate_source

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


def _migrate(source: str):  # type: ignore[no-untyped-def]
    return migrate_source(textwrap.dedent(source).encode(), MigrationOptions(), "app.py")


def test_key_from_module_constants_is_replaced_and_its_variable_removed():
    result = _migrate(
        """\
        import os

        import dspy
        from dotenv import load_dotenv

        load_dotenv()

        API_KEY = os.getenv("API_KEY")
        API_BASE = os.getenv("API_BASE")

        lm = dspy.LM("azure/gpt-4.1-mini", api_key=API_KEY, api_base=API_BASE)
        dspy.configure(lm=lm)
        """
    )
    assert result.new.decode() == (
        "import functools\n"
        "import os\n"
        "\n"
        "import dspy\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        "from dotenv import load_dotenv\n"
        "\n"
        "load_dotenv()\n"
        "\n"
        'API_BASE = os.getenv("API_BASE")\n' + SETUP + "\n"
        'lm = dspy.LM("azure/gpt-4.1-mini", azure_ad_token_provider=token_provider, '
        "api_base=API_BASE)\n"
        "dspy.configure(lm=lm)\n"
    )
    assert [(c.cls, c.outcome) for c in result.clients] == [("dspy.LM", "migrated")]
    # litellm under DSPy still reads AZURE_API_KEY / AZURE_OPENAI_API_KEY: litellm's report.
    assert [n.rule for n in result.notices if n.line == 11] == ["litellm-env-key"]


def test_a_model_with_its_key_in_the_environment_gets_the_provider():
    result = _migrate(
        """\
        import dspy


        class Runner:
            def __init__(self):
                self.lm = dspy.LM(model="azure/gpt-4o", temperature=0.0)
                dspy.configure(lm=self.lm)
        """
    )
    assert result.new.decode() == (
        "import functools\n"
        "import os\n"
        "\n"
        "import dspy\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        + SETUP
        + "\n"
        "class Runner:\n"
        "    def __init__(self):\n"
        '        self.lm = dspy.LM(model="azure/gpt-4o", temperature=0.0, '
        "azure_ad_token_provider=token_provider)\n"
        "        dspy.configure(lm=self.lm)\n"
    )
    assert [c.reason for c in result.clients] == [
        "no key argument (the key came from the environment); azure_ad_token_provider= added"
    ]


def test_the_lm_class_imported_from_its_module_is_found():
    result = _migrate(
        """\
        from dspy.clients.lm import LM

        lm = LM("azure/gpt-4o", api_key="0123456789abcdef0123456789abcdef")
        """
    )
    assert [(c.cls, c.outcome) for c in result.clients] == [("dspy.LM", "migrated")]
    assert 'lm = LM("azure/gpt-4o", azure_ad_token_provider=token_provider)\n' in (
        result.new.decode()
    )


@pytest.mark.parametrize(
    "source",
    [
        # Other providers, written as public DSPy code writes them.
        """\
        import os

        import dspy

        lm = dspy.LM("openai/gpt-4o-mini", api_key=os.environ["OPENAI_API_KEY"])
        """,
        """\
        import dspy

        lm = dspy.LM("ollama_chat/llama3.1", api_base="http://localhost:11434", api_key="")
        """,
        # GitHub Models: an OpenAI-compatible endpoint with a GitHub token.
        """\
        import os

        import dspy

        lm = dspy.LM(
            "openai/gpt-4o",
            api_base="https://models.inference.ai.azure.com",
            api_key=os.environ["GITHUB_TOKEN"],
        )
        """,
        # dspy.LM's litellm-style "openai/<deployment>" with an Azure api_base is litellm's
        # openai provider: it is not an azure/ model and is left to the person.
        """\
        import os

        import dspy

        lm = dspy.LM(
            model=f"openai/{os.environ['DEPLOYMENT']}",
            api_key=os.environ["OPENAI_API_KEY"],
            api_base="http://localhost:8000/v1",
        )
        """,
    ],
)
def test_other_providers_stay_byte_for_byte(source):
    result = _migrate(source)
    assert result.new == textwrap.dedent(source).encode()
    assert result.clients == ()


def test_a_model_name_from_configuration_is_reported_not_changed():
    source = """\
    import os

    import dspy

    MODEL = os.environ["DSPY_MODEL"]
    lm = dspy.LM(MODEL, api_key=os.environ["AZURE_API_KEY"])
    """
    result = _migrate(source)
    assert result.new == textwrap.dedent(source).encode()
    assert [(c.outcome, c.reason) for c in result.clients] == [
        (
            "review",
            "the model is not a literal, so it is not clear this is an azure/ model; left as it is",
        )
    ]
