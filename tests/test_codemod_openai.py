"""Behaviour of the openai Azure client transform, one test per behaviour."""

from __future__ import annotations

import textwrap

import pytest
from helpers import code, outcomes, run


def lazy_setup(
    provider: str = "token_provider",
    credential: str = "ManagedIdentityCredential",
    os_name: str = "os",
    get_provider: str = "get_bearer_token_provider",
) -> str:
    """The setup the migration writes for one sync provider (its credential built lazily)."""
    return (
        "@functools.cache\n"
        f"def _{provider}():\n"
        "    # Built at the first token request, once the program has set up its environment.\n"
        f'    credential = {credential}(client_id={os_name}.getenv("AZURE_CLIENT_ID"))\n'
        f"    return {get_provider}(\n"
        '        credential, "https://cognitiveservices.azure.com/.default"\n'
        "    )\n"
        "\n\n"
        f"def {provider}():\n"
        f"    return _{provider}()()\n"
    )


SETUP = lazy_setup()


def test_key_argument_replaced_in_place_with_its_comment():
    out = code(
        """\
        import os
        from openai import AzureOpenAI

        client = AzureOpenAI(
            azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            api_key=os.environ["AZURE_OPENAI_API_KEY"],  # rotate monthly
            api_version="2024-10-21",
        )
        """
    )
    assert out == (
        "import os\n"
        "from openai import AzureOpenAI\n"
        "import functools\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        "\n\n" + SETUP + "\n\n"
        "client = AzureOpenAI(\n"
        '    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],\n'
        "    azure_ad_token_provider=token_provider,  # rotate monthly\n"
        '    api_version="2024-10-21",\n'
        ")\n"
    )


@pytest.mark.parametrize(
    "imports, ctor",
    [
        ("import openai", "openai.AzureOpenAI"),
        ("import openai as oa", "oa.AzureOpenAI"),
        ("from openai import AzureOpenAI as AOAI", "AOAI"),
        ("from openai.lib.azure import AzureOpenAI", "AzureOpenAI"),
        ("import openai.lib.azure", "openai.lib.azure.AzureOpenAI"),
    ],
)
def test_every_import_spelling_is_recognised(imports, ctor):
    out = code(
        f"{imports}\nclient = {ctor}(api_key='k', azure_endpoint='https://x.openai.azure.com')\n"
    )
    assert "azure_ad_token_provider=token_provider" in out
    assert "api_key" not in out


def test_function_local_import_in_a_factory():
    out = code(
        """\
        def make_client(endpoint):
            import os
            from openai import AzureOpenAI
            key = os.environ["AZURE_OPENAI_API_KEY"]
            return AzureOpenAI(azure_endpoint=endpoint, api_key=key, api_version="2024-10-21")
        """
    )
    assert (
        "AzureOpenAI(azure_endpoint=endpoint, azure_ad_token_provider=token_provider, api_version"
        in out
    )
    compile(out, "<out>", "exec")
    # The provider is defined at module level, before the function that uses it.
    assert out.index("def token_provider(") < out.index("def make_client")


@pytest.mark.parametrize(
    "source",
    [
        # A local class of the same name.
        "class AzureOpenAI:\n    def __init__(self, **kw): pass\n\nc = AzureOpenAI(api_key='k')\n",
        # A parameter shadows the import inside the function.
        "from openai import AzureOpenAI\n\ndef build(AzureOpenAI):\n    return AzureOpenAI(api_key='k')\n",
        # Not openai at all.
        "from mylib import AzureOpenAI\nc = AzureOpenAI(api_key='k')\n",
        # A method of some other object that happens to share the name.
        "import helpers\nc = helpers.AzureOpenAI(api_key='k')\n",
    ],
)
def test_look_alikes_are_left_alone(source):
    result = run(source)
    assert result.new.decode() == source
    assert result.clients == ()


def test_client_without_any_credential_gets_a_provider():
    out = code(
        """\
        from openai import AzureOpenAI

        client = AzureOpenAI(api_version="2024-10-21")
        """
    )
    assert 'AzureOpenAI(api_version="2024-10-21", azure_ad_token_provider=token_provider)' in out
    assert outcomes("from openai import AzureOpenAI\nAzureOpenAI()\n") == [
        (2, "openai.AzureOpenAI", "migrated")
    ]


def test_empty_call_gets_a_provider():
    assert "AzureOpenAI(azure_ad_token_provider=token_provider)" in code(
        "from openai import AzureOpenAI\nc = AzureOpenAI()\n"
    )


def test_async_client_gets_a_sync_credential_run_in_a_worker_thread():
    out = code(
        """\
        from openai import AsyncAzureOpenAI

        client = AsyncAzureOpenAI(api_key=KEY, azure_endpoint=URL)
        """
    )
    assert "azure.identity.aio" not in out
    assert "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider" in out
    assert (
        "async def async_token_provider():\n"
        "    # A worker thread fetches the token: no event loop is tied to it.\n"
        "    return await asyncio.to_thread(_token_provider())\n"
    ) in out
    assert (
        "AsyncAzureOpenAI(azure_ad_token_provider=async_token_provider, azure_endpoint=URL)" in out
    )
    notices = {
        n.rule
        for n in run("from openai import AsyncAzureOpenAI\nAsyncAzureOpenAI(api_key=k)\n").notices
    }
    assert "close-async-credential" not in notices  # nothing is left to close


def test_sync_and_async_in_one_module_do_not_collide():
    out = code(
        """\
        import openai

        a = openai.AzureOpenAI(api_key=k)
        b = openai.AsyncAzureOpenAI(api_key=k)
        """
    )
    assert "azure.identity.aio" not in out
    assert "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider" in out
    # One credential (one cached provider) serves both kinds.
    assert out.count("ManagedIdentityCredential(") == 1
    assert "return _token_provider()()" in out
    assert "return await asyncio.to_thread(_token_provider())" in out
    assert "openai.AzureOpenAI(azure_ad_token_provider=token_provider)" in out
    assert "openai.AsyncAzureOpenAI(azure_ad_token_provider=async_token_provider)" in out
    compile(out, "<out>", "exec")


def test_one_provider_per_module_shared_by_all_clients():
    out = code(
        """\
        from openai import AzureOpenAI

        a = AzureOpenAI(api_key=k1)
        b = AzureOpenAI(api_key=k2)
        """
    )
    assert out.count("get_bearer_token_provider(") == 1
    assert out.count("azure_ad_token_provider=token_provider") == 2


def test_existing_provider_is_reused():
    source = """\
        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
        from openai import AzureOpenAI

        tp = get_bearer_token_provider(DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default")
        a = AzureOpenAI(azure_ad_token_provider=tp)
        b = AzureOpenAI(api_key=k)
        """
    out = code(source)
    assert "b = AzureOpenAI(azure_ad_token_provider=tp)" in out
    assert "ManagedIdentityCredential" not in out
    assert [o for _, _, o in outcomes(source)] == ["already-keyless", "migrated"]


def test_a_provider_defined_below_the_client_is_not_reused():
    # The module's own provider is assigned after the client is built: passing it would be a
    # NameError at import, so the client gets a provider of its own, defined above it.
    source = """\
        import os
        from openai import AzureOpenAI

        client = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"], azure_endpoint="https://r.openai.azure.com")

        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
        tp = get_bearer_token_provider(DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default")
        """
    out = code(source)
    assert out == textwrap.dedent(
        """\
        import os
        from openai import AzureOpenAI
        import functools
        from azure.identity import ManagedIdentityCredential, get_bearer_token_provider


        """
    ) + SETUP + textwrap.dedent(
        """\


        client = AzureOpenAI(azure_ad_token_provider=token_provider, azure_endpoint="https://r.openai.azure.com")

        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
        tp = get_bearer_token_provider(DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default")
        """
    )
    compile(out, "app.py", "exec")


def test_taken_names_are_not_reused():
    out = code(
        """\
        from openai import AzureOpenAI

        token_provider = "something else"
        credential = None
        client = AzureOpenAI(api_key=k)
        """
    )
    assert lazy_setup("token_provider_2") in out
    assert "AzureOpenAI(azure_ad_token_provider=token_provider_2)" in out


def test_setup_goes_after_module_level_code_that_runs_before_the_client():
    out = code(
        """\
        from dotenv import load_dotenv
        from openai import AzureOpenAI

        load_dotenv()

        client = AzureOpenAI(api_key=k)
        """
    )
    # load_dotenv() must run before the credential reads AZURE_CLIENT_ID.
    assert out.index("load_dotenv()") < out.index("credential = ")


@pytest.mark.parametrize(
    "before, after",
    [
        (
            "AzureOpenAI(\n    azure_endpoint=e,\n    api_version=v\n)\n",
            "AzureOpenAI(\n    azure_endpoint=e,\n    api_version=v,\n    azure_ad_token_provider=token_provider\n)\n",
        ),
        (
            "AzureOpenAI(\n    azure_endpoint=e,\n)\n",
            "AzureOpenAI(\n    azure_endpoint=e,\n    azure_ad_token_provider=token_provider,\n)\n",
        ),
        (
            "AzureOpenAI(\n    azure_endpoint=e,  # the endpoint\n    api_version=v,\n)\n",
            "AzureOpenAI(\n    azure_endpoint=e,  # the endpoint\n    api_version=v,\n"
            "    azure_ad_token_provider=token_provider,\n)\n",
        ),
        (
            "AzureOpenAI(azure_endpoint=e)\n",
            "AzureOpenAI(azure_endpoint=e, azure_ad_token_provider=token_provider)\n",
        ),
    ],
)
def test_appended_argument_follows_the_call_layout(before, after):
    out = code("from openai import AzureOpenAI\nc = " + before)
    assert out.endswith("c = " + after)


def test_removing_the_last_key_argument_leaves_no_stray_comma():
    out = code(
        """\
        from openai import AzureOpenAI
        from azure.identity import get_bearer_token_provider, DefaultAzureCredential

        tp = get_bearer_token_provider(DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default")
        c = AzureOpenAI(azure_ad_token_provider=tp, api_key=k)
        d = AzureOpenAI(
            azure_ad_token_provider=tp,
            api_key=k
        )
        """
    )
    assert "c = AzureOpenAI(azure_ad_token_provider=tp)\n" in out
    assert "d = AzureOpenAI(\n    azure_ad_token_provider=tp\n)\n" in out
    # Nothing new is needed: no credential setup is added.
    assert "ManagedIdentityCredential" not in out


def test_static_token_is_left_and_reported():
    source = "from openai import AzureOpenAI\nc = AzureOpenAI(azure_ad_token=os.environ['TOKEN'])\n"
    result = run(source)
    assert result.new.decode() == source
    assert result.clients[0].outcome == "manual"
    assert "expires" in result.clients[0].reason


@pytest.mark.parametrize(
    "call",
    ["AzureOpenAI(**config)", "AzureOpenAI(**settings.openai_kwargs())", "AzureOpenAI(*args)"],
)
def test_clients_built_from_kwargs_are_left_and_reported(call):
    source = f"from openai import AzureOpenAI\nc = {call}\n"
    result = run(source)
    assert result.new.decode() == source
    assert result.clients[0].outcome == "manual"
    assert "kwargs" in result.clients[0].reason


def test_already_keyless_is_reported_not_changed():
    source = "from openai import AzureOpenAI\nc = AzureOpenAI(azure_ad_token_provider=tp)\n"
    result = run(source)
    assert result.new.decode() == source
    assert result.clients[0].outcome == "already-keyless"


@pytest.mark.parametrize("method", ["with_options", "copy"])
def test_per_request_key_overrides_are_reported(method):
    source = f"from openai import AzureOpenAI\nc = AzureOpenAI(azure_ad_token_provider=tp)\nc.{method}(api_key=k)\n"
    result = run(source)
    assert result.new.decode() == source
    assert [n.rule for n in result.notices] == ["key-override"]


# -- the v1 OpenAI client ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "base_url",
    [
        '"https://myres.openai.azure.com/openai/v1/"',
        '"https://myres.cognitiveservices.azure.com/openai/v1/"',
        "f\"{os.environ['AZURE_OPENAI_ENDPOINT']}/openai/v1/\"",
        'os.getenv("AZURE_OPENAI_ENDPOINT") + "/openai/v1/"',
        "BASE",
    ],
)
def test_v1_client_with_an_azure_base_url_gets_a_callable_key(base_url):
    out = code(
        f"""\
        import os
        from openai import OpenAI

        BASE = "https://contoso.openai.azure.com/openai/v1/"
        client = OpenAI(base_url={base_url}, api_key=os.getenv("AZURE_OPENAI_API_KEY"))
        """
    )
    assert f"OpenAI(base_url={base_url}, api_key=token_provider)" in out


def test_v1_async_client_uses_async_provider():
    out = code(
        'from openai import AsyncOpenAI\nc = AsyncOpenAI(base_url="https://r.openai.azure.com/openai/v1/")\n'
    )
    assert (
        'AsyncOpenAI(base_url="https://r.openai.azure.com/openai/v1/", api_key=async_token_provider)'
        in out
    )


@pytest.mark.parametrize(
    "source",
    [
        'from openai import OpenAI\nc = OpenAI(base_url="http://localhost:8000/v1", api_key="EMPTY")\n',
        "from openai import OpenAI\nc = OpenAI()\n",
        'from openai import OpenAI\nc = OpenAI(api_key=os.environ["OPENAI_API_KEY"])\n',
        'from openai import OpenAI\nc = OpenAI(base_url="https://api.openai.com/v1")\n',
    ],
)
def test_non_azure_openai_clients_are_not_touched_or_reported(source):
    result = run(source)
    assert result.new.decode() == source
    assert result.clients == ()


def test_v1_client_with_an_unclear_base_url_is_left_for_review():
    source = 'import os\nfrom openai import OpenAI\nc = OpenAI(base_url=os.environ["LLM_BASE_URL"], api_key=k)\n'
    result = run(source)
    assert result.new.decode() == source
    assert result.clients[0].outcome == "review"


def test_v1_client_already_given_a_provider_is_keyless():
    source = """\
        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
        from openai import OpenAI

        tp = get_bearer_token_provider(DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default")
        c = OpenAI(base_url="https://r.openai.azure.com/openai/v1/", api_key=tp)
        """
    assert outcomes(source) == [(5, "openai.OpenAI", "already-keyless")]
    assert code(source) == textwrap.dedent(source)


# -- options --------------------------------------------------------------------------------
def test_default_credential_option():
    out = code("from openai import AzureOpenAI\nc = AzureOpenAI(api_key=k)\n", credential="default")
    assert "from azure.identity import DefaultAzureCredential, get_bearer_token_provider" in out
    assert "credential = DefaultAzureCredential()" in out
    assert "import os" not in out


def test_chained_credential_option():
    out = code("from openai import AzureOpenAI\nc = AzureOpenAI(api_key=k)\n", credential="chained")
    assert "    credential = ChainedTokenCredential(\n" in out
    assert (
        '        ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID")),\n'
        "        AzureCliCredential(),\n    )\n"
    ) in out
    compile(out, "<out>", "exec")


def test_client_id_variable_and_system_assigned():
    src = "from openai import AzureOpenAI\nc = AzureOpenAI(api_key=k)\n"
    assert (
        "    credential = ManagedIdentityCredential(\n"
        '        client_id=os.getenv("APP_IDENTITY_CLIENT_ID")\n'
        "    )\n"
    ) in code(src, client_id_env="APP_IDENTITY_CLIENT_ID")
    out = code(src, system_assigned=True)
    assert "credential = ManagedIdentityCredential()\n" in out
    assert "import os" not in out


@pytest.mark.parametrize(
    "cloud, host", [("usgov", "azure.us"), ("china", "azure.cn"), ("public", "azure.com")]
)
def test_cloud_picks_the_scope(cloud, host):
    out = code("from openai import AzureOpenAI\nc = AzureOpenAI(api_key=k)\n", cloud=cloud)
    assert f'"https://cognitiveservices.{host}/.default"' in out


def test_imports_the_removed_key_used_are_removed_and_nothing_else():
    out = code(
        """\
        import os
        import json
        from openai import AzureOpenAI

        c = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"])
        """,
        credential="default",
    )
    assert "import os" not in out
    assert "import json" in out


def test_import_still_used_elsewhere_is_kept():
    out = code(
        """\
        import os
        from openai import AzureOpenAI

        c = AzureOpenAI(api_key=os.environ["K"], azure_endpoint=os.environ["E"])
        """,
        credential="default",
    )
    assert out.startswith("import os\n")


# -- secrets ----------------------------------------------------------------------------------
SECRET = "8f1c2b3a4d5e6f708192a3b4c5d6e7f8"


def test_literal_key_is_reported_masked():
    result = run(f'from openai import AzureOpenAI\nc = AzureOpenAI(api_key="{SECRET}")\n')
    literal = [n for n in result.notices if n.rule == "literal-key"]
    assert [(n.line, n.column) for n in literal] == [(2, 24)]  # 0-based column
    assert SECRET not in repr(result.clients) + repr(result.notices)
    assert "32 characters" in literal[0].message


def test_literal_key_in_a_module_constant_is_reported_where_it_is_written():
    result = run(
        f'from openai import AzureOpenAI\n\nKEY = "{SECRET}"\nc = AzureOpenAI(api_key=KEY)\n'
    )
    # The constant nothing else reads is removed (it used to be left: "unused-key-variable");
    # the key is still reported: it stays in version-control history.
    assert [(n.rule, n.line) for n in result.notices] == [
        ("literal-key", 3),
        ("key-variable-removed", 3),
    ]
    assert "KEY = " not in result.new.decode()


def test_env_variable_names_and_placeholders_are_not_secrets():
    for value in (
        "AZURE_OPENAI_API_KEY",
        "<your-api-key>",
        "YOUR_KEY_HERE_PLEASE_REPLACE",
        "short",
    ):
        result = run(
            f'import os\nfrom openai import AzureOpenAI\nc = AzureOpenAI(api_key=os.getenv("{value}"))\n'
        )
        assert [n for n in result.notices if n.rule == "literal-key"] == []


def test_second_run_changes_nothing():
    source = """\
        import os
        import openai

        sync_client = openai.AzureOpenAI(api_key=os.environ["K"], azure_endpoint="https://a.openai.azure.com")
        async_client = openai.AsyncAzureOpenAI()
        v1 = openai.OpenAI(base_url="https://a.openai.azure.com/openai/v1/", api_key="x")
        """
    once = run(source).new
    twice = run(once.decode()).new
    assert once == twice
    assert [c.outcome for c in run(once.decode()).clients] == ["already-keyless"] * 3


def test_usage_is_recorded_for_roles():
    result = run(
        """\
        from openai import AzureOpenAI

        class Service:
            def __init__(self):
                self.client = AzureOpenAI(api_key=k)

            def go(self):
                self.client.chat.completions.create(model="m", messages=[])
                self.client.files.create(file=f, purpose="fine-tune")

        def get_client():
            return AzureOpenAI()

        get_client().embeddings.create(model="e", input="x")
        """
    )
    first, second = result.clients
    assert first.binding == "self.client"
    assert [c.chain for c in first.calls] == ["chat.completions.create", "files.create"]
    assert second.binding == "get_client()"
    assert [(c.chain, c.line) for c in second.calls] == [("embeddings.create", 14)]


def test_a_client_passed_away_is_marked_not_fully_seen():
    result = run("from openai import AzureOpenAI\nc = AzureOpenAI(api_key=k)\nrun_agent(c)\n")
    assert not result.clients[0].usage_known
    assert "line 3" in result.clients[0].usage_note


# -- config dicts -------------------------------------------------------------------------------
def test_key_entry_of_a_module_level_config_dict_is_rewritten_in_place():
    out = code(
        """\
        import os
        from openai import AzureOpenAI

        AOAI_CONFIG = {
            "azure_endpoint": os.environ["AZURE_OPENAI_ENDPOINT"],
            'api_key': os.environ["AZURE_OPENAI_API_KEY"],  # rotated monthly
            "api_version": "2024-10-21",
        }

        client = AzureOpenAI(**AOAI_CONFIG)
        """
    )
    assert "    'azure_ad_token_provider': token_provider,  # rotated monthly\n" in out
    assert "api_key" not in out
    assert "client = AzureOpenAI(**AOAI_CONFIG)\n" in out
    # The dict refers to the provider at import time: the provider is defined before it.
    assert out.index("def token_provider(") < out.index("AOAI_CONFIG = {")
    compile(out, "<out>", "exec")
    assert [c.outcome for c in run(out).clients] == ["already-keyless"]


def test_a_key_read_the_migration_removed_is_not_reported_as_a_follow_up():
    source = """\
        import os
        from openai import AzureOpenAI

        CONFIG = {"api_key": os.environ["AZURE_OPENAI_API_KEY"], "azure_endpoint": E}
        LEFT = os.environ["AZURE_OPENAI_API_KEY"]
        client = AzureOpenAI(**CONFIG)
        print("key set:", bool(LEFT))
        """
    reads = [(n.rule, n.line) for n in run(source).notices if n.rule == "key-read"]
    # The dict's read is gone with its entry; the other read (still read itself) is reported.
    assert reads == [("key-read", 5)]


def test_config_dict_without_a_key_gets_the_provider_next_to_it():
    out = code(
        "from openai import AzureOpenAI\ncfg = dict(azure_endpoint=E, api_version=V)\nc = AzureOpenAI(**cfg)\n"
    )
    assert "c = AzureOpenAI(**cfg, azure_ad_token_provider=token_provider)\n" in out
    assert "cfg = dict(azure_endpoint=E, api_version=V)\n" in out


@pytest.mark.parametrize(
    "setup",
    [
        # Used elsewhere too: rewriting it could break the other use.
        'cfg = {"api_key": K, "azure_endpoint": E}\nprint(cfg)',
        # Not a literal: what it holds cannot be seen.
        "cfg = load_settings()",
        # Merged from another dict.
        'cfg = {**base, "api_key": K}',
        # Assigned inside a function: only module-level dicts are rewritten.
        'def f():\n    cfg = {"api_key": K}\n    return cfg',
    ],
)
def test_config_dicts_the_tool_cannot_be_sure_of_are_left_and_reported(setup):
    source = f"from openai import AzureOpenAI\n{setup}\nc = AzureOpenAI(**cfg)\n"
    result = run(source)
    assert result.new.decode() == source
    assert [c.outcome for c in result.clients] == ["manual"]


# -- clients named where the qualified-name lookup cannot follow them -----------------------------

_FILLER = "".join(
    f"\n\ndef step_{i}(x):\n    return [x * {i} for _ in range({i})]\n" for i in range(12)
)


@pytest.mark.parametrize(
    "source, line",
    [
        ("from openai import *\n\nclient = AzureOpenAI(api_key=KEY)\n", 3),
        ("from openai import AzureOpenAI\n\ncls = AzureOpenAI\nclient = cls(api_key=KEY)\n", 3),
        ('import openai\n\nclient = getattr(openai, "AzureOpenAI")(api_key=KEY)\n', 3),
        (
            "from functools import partial\nfrom openai import AzureOpenAI\n\nmake = partial(AzureOpenAI, api_key=KEY)\n",
            4,
        ),
        ("from openai import AzureOpenAI\n\n\nclass Client(AzureOpenAI):\n    pass\n", 4),
        ("import openai\nfrom .clients import *\n\nclient = AzureOpenAI(api_key=KEY)\n", 4),
        ("from langchain_openai import *\n\nllm = AzureChatOpenAI(api_key=KEY)\n", 3),
    ],
    ids=[
        "star-import",
        "alias",
        "getattr",
        "partial",
        "subclass",
        "star-import-elsewhere",
        "langchain-star",
    ],
)
@pytest.mark.parametrize("filler", ["", _FILLER], ids=["whole", "sliced"])
def test_a_client_the_tool_cannot_follow_is_reported_and_left_alone(source, line, filler):
    text = "KEY = 'k'\n" + source.replace("\n\n", "\n" + filler + "\n", 1)
    line += 1 + filler.count("\n")
    result = run(text)
    assert result.new == text.encode()
    assert [n.line for n in result.notices if n.rule == "client-unresolved"] == [line], (
        result.notices
    )


@pytest.mark.parametrize(
    "source",
    [
        "class AzureOpenAI:\n    def __init__(self, api_key):\n        pass\n\n\nclient = AzureOpenAI(api_key='k')\n",
        "from mylib import *\n\nclient = AzureOpenAI(api_key='k')\n",
        "from openai import *\n\n\nclass AzureOpenAI:\n    pass\n\n\nclient = AzureOpenAI(api_key='k')\n",
        "from openai import *\n\nclient = OpenAI(api_key='k')\n",
        "from typing import Optional\nfrom openai import AzureOpenAI\n\n\n"
        "def check(c: Optional[AzureOpenAI]) -> AzureOpenAI:\n    assert isinstance(c, (AzureOpenAI, str))\n    return c\n",
        "from openai import AzureOpenAI\n\nclient = AzureOpenAI(api_key='k', azure_endpoint='https://x.openai.azure.com')\n",
    ],
    ids=[
        "local-class",
        "star-import-no-sdk",
        "star-import-local-class",
        "star-import-plain-openai",
        "type-uses",
        "plain",
    ],
)
def test_a_name_that_is_no_hidden_client_is_not_reported(source):
    assert [n for n in run(source).notices if n.rule == "client-unresolved"] == []


# -- names the generated setup reads, when the module binds them to something else ---------------
def test_setup_imports_under_aliases_when_the_module_binds_its_names():
    source = textwrap.dedent(
        """\
        import os.path as os
        from openai import AzureOpenAI


        def get_bearer_token_provider(*args):
            return None


        class ManagedIdentityCredential:
            pass


        client = AzureOpenAI(azure_endpoint=E, api_key=K, api_version=V)
        """
    )
    assert code(source) == textwrap.dedent(
        """\
        import os.path as os
        from openai import AzureOpenAI
        import functools
        import os as _os
        from azure.identity import (
            ManagedIdentityCredential as _ManagedIdentityCredential,
            get_bearer_token_provider as _get_bearer_token_provider,
        )


        def get_bearer_token_provider(*args):
            return None


        class ManagedIdentityCredential:
            pass


        """
    ) + lazy_setup(
        credential="_ManagedIdentityCredential",
        os_name="_os",
        get_provider="_get_bearer_token_provider",
    ) + textwrap.dedent(
        """\


        client = AzureOpenAI(azure_endpoint=E, azure_ad_token_provider=token_provider, api_version=V)
        """
    )


def test_setup_reuses_names_already_bound_to_the_same_import():
    source = textwrap.dedent(
        """\
        import os.path
        from azure.identity import ManagedIdentityCredential
        from openai import AzureOpenAI

        client = AzureOpenAI(azure_endpoint=E, api_key=K, api_version=V)
        """
    )
    assert code(source) == textwrap.dedent(
        """\
        import os.path
        from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
        from openai import AzureOpenAI
        import functools


        """
    ) + SETUP + textwrap.dedent(
        """\


        client = AzureOpenAI(azure_endpoint=E, azure_ad_token_provider=token_provider, api_version=V)
        """
    )


@pytest.mark.parametrize(
    ("binding", "alias"),
    [
        ("def os():\n    return 1", "import os as _os"),
        ("os = 'x'", "import os as _os"),
        (
            "for get_bearer_token_provider in []:\n    pass",
            "get_bearer_token_provider as _get_bearer_token_provider",
        ),
        (
            "with open(f) as ManagedIdentityCredential:\n    pass",
            "ManagedIdentityCredential as _ManagedIdentityCredential",
        ),
        (
            "from types import SimpleNamespace as ManagedIdentityCredential",
            "as _ManagedIdentityCredential",
        ),
        ("def f():\n    global os\n    os = 1", "import os as _os"),
        ("import os\nos = os.path", "import os as _os"),
        (
            "from helpers import *\nprint(get_bearer_token_provider)",
            "as _get_bearer_token_provider",
        ),
    ],
)
def test_every_kind_of_binding_makes_a_name_taken(binding, alias):
    source = f"from openai import AzureOpenAI\n{binding}\nclient = AzureOpenAI(azure_endpoint=E, api_key=K)\n"
    out = code(source)
    assert alias in out
    assert all(line in out.splitlines() for line in binding.splitlines())


def test_locals_of_the_function_that_builds_the_client_do_not_shadow_the_setup():
    source = textwrap.dedent(
        """\
        from openai import AzureOpenAI


        def make(os):
            ManagedIdentityCredential = token_provider = credential = os
            return AzureOpenAI(azure_endpoint=E, api_key=K)
        """
    )
    out = code(source)
    # Module-level setup: a function's locals are no reason for aliases, but the names the
    # client reads inside the function must not be its locals.
    assert out.startswith(
        "import functools\n"
        "import os\n\n"
        "from azure.identity import ManagedIdentityCredential, get_bearer_token_provider\n"
        "from openai import AzureOpenAI\n"
    )
    assert lazy_setup("token_provider_2") in out
    assert "azure_ad_token_provider=token_provider_2)" in out
