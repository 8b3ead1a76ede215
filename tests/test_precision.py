"""Key-based clients the tool leaves as they are (codemods/precision.py): one test per shape.

Each shape comes out byte-identical with the report line that says why; the controls below each
group show the look-alike that is still migrated.
"""

from __future__ import annotations

import textwrap

import pytest
from helpers import run


def left(source: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Assert the source comes out unchanged; return (outcome, reason) and (rule, message)."""
    source = textwrap.dedent(source)
    result = run(source)
    assert result.new.decode() == source
    return (
        [(c.outcome, c.reason) for c in result.clients],
        [(n.rule, n.message) for n in result.notices],
    )


def rules(source: str) -> list[str]:
    return [rule for rule, _ in left(source)[1]]


# -- 1. Entra ID already offered next to the key ------------------------------------------------


def test_a_library_forwarding_key_and_tokens_keeps_its_key_argument():
    clients, notices = left(
        """\
        from openai import AzureOpenAI


        def build(endpoint, api_key=None, azure_ad_token=None, azure_ad_token_provider=None):
            return AzureOpenAI(
                api_key=api_key,
                azure_ad_token=azure_ad_token,
                azure_ad_token_provider=azure_ad_token_provider,
                azure_endpoint=endpoint,
                api_version="2024-10-21",
            )
        """
    )
    assert clients[0][0] == "already-keyless"
    assert notices[0][0] == "key-fallback-kept"
    assert "key path kept as a fallback" in notices[0][1]


def test_langchain_forwarding_key_and_provider_from_self():
    assert rules(
        """\
        from langchain_openai import AzureChatOpenAI


        class Chat:
            def __init__(self, key=None, token_provider=None):
                self.key = key
                self.token_provider = token_provider
                self.llm = AzureChatOpenAI(
                    openai_api_key=self.key,
                    azure_ad_token_provider=self.token_provider,
                    azure_deployment="gpt-4o",
                )
        """
    ) == ["key-fallback-kept"]


def test_if_else_pair_keeps_the_key_branch():
    clients, notices = left(
        """\
        import os

        from azure.identity.aio import DefaultAzureCredential, get_bearer_token_provider
        from openai import AsyncAzureOpenAI

        api_key = os.getenv("AZURE_OPENAI_API_KEY")
        if api_key:
            client = AsyncAzureOpenAI(api_key=api_key, azure_endpoint=os.environ["ENDPOINT"])
        else:
            get_token = get_bearer_token_provider(
                DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
            )
            client = AsyncAzureOpenAI(
                azure_ad_token_provider=get_token, azure_endpoint=os.environ["ENDPOINT"]
            )
        """
    )
    assert [c[0] for c in clients] == ["already-keyless", "already-keyless"]
    assert "the other branch (line 10)" in clients[0][1]
    assert [n[0] for n in notices] == ["key-fallback-kept"]


def test_inverted_if_with_the_key_in_the_else_branch():
    assert rules(
        """\
        import os

        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
        from openai import AzureOpenAI

        if os.getenv("USE_ENTRA") == "1":
            tp = get_bearer_token_provider(
                DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
            )
            client = AzureOpenAI(azure_ad_token_provider=tp, api_version="2024-10-21")
        else:
            client = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"], api_version="2024-10-21")
        """
    ) == ["key-fallback-kept"]


def test_ternary_pair():
    assert rules(
        """\
        import os

        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
        from openai import AzureOpenAI

        KEY = os.getenv("AZURE_OPENAI_API_KEY")
        client = (
            AzureOpenAI(api_key=KEY, api_version="2024-10-21")
            if KEY
            else AzureOpenAI(
                azure_ad_token_provider=get_bearer_token_provider(
                    DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
                ),
                api_version="2024-10-21",
            )
        )
        """
    ) == ["key-fallback-kept"]


def test_early_return_pair_in_a_factory():
    assert rules(
        """\
        import os

        from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
        from openai import AzureOpenAI


        def client_for(settings):
            if settings.use_key:
                return AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"])
            tp = get_bearer_token_provider(
                ManagedIdentityCredential(), "https://cognitiveservices.azure.com/.default"
            )
            return AzureOpenAI(azure_ad_token_provider=tp)
        """
    ) == ["key-fallback-kept"]


def test_early_return_of_the_keyless_path_first():
    assert rules(
        """\
        import os

        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
        from openai import AzureOpenAI


        def client_for():
            if not os.getenv("AZURE_OPENAI_API_KEY"):
                tp = get_bearer_token_provider(
                    DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
                )
                return AzureOpenAI(azure_ad_token_provider=tp)
            return AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"])
        """
    ) == ["key-fallback-kept"]


def test_match_cases_pair():
    assert rules(
        """\
        import os

        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
        from openai import AzureOpenAI

        match os.getenv("AUTH_MODE", "entra"):
            case "key":
                client = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"])
            case _:
                client = AzureOpenAI(
                    azure_ad_token_provider=get_bearer_token_provider(
                        DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
                    )
                )
        """
    ) == ["key-fallback-kept"]


def test_key_credential_or_managed_identity():
    clients, notices = left(
        """\
        import os

        from azure.core.credentials import AzureKeyCredential
        from azure.identity import ManagedIdentityCredential
        from azure.search.documents import SearchClient

        KEY = os.getenv("SEARCH_KEY")
        if KEY:
            cred = AzureKeyCredential(KEY)
        else:
            cred = ManagedIdentityCredential()

        search = SearchClient(os.environ["SEARCH_ENDPOINT"], "docs", cred)
        """
    )
    assert clients[0][0] == "already-keyless"
    assert [n[0] for n in notices] == ["key-fallback-kept"]


def test_key_credential_or_default_credential_in_a_ternary():
    assert rules(
        """\
        import os

        from azure.ai.inference import ChatCompletionsClient
        from azure.core.credentials import AzureKeyCredential
        from azure.identity import DefaultAzureCredential

        key = os.getenv("AZURE_OPENAI_API_KEY")
        client = ChatCompletionsClient(
            endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
            credential=AzureKeyCredential(key) if key else DefaultAzureCredential(),
        )
        """
    ) == ["key-fallback-kept"]


def test_a_key_and_a_provider_from_configuration_are_still_fixed():
    # Not a fallback: both are always passed, and openai 3.x refuses the pair.
    result = run(
        """\
        import os
        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
        from openai import AzureOpenAI

        tp = get_bearer_token_provider(DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default")
        c = AzureOpenAI(azure_ad_token_provider=tp, api_key=os.environ["AZURE_OPENAI_API_KEY"])
        """
    )
    assert "api_key" not in result.new.decode()
    assert [c.outcome for c in result.clients] == ["migrated"]


def test_an_if_without_a_keyless_branch_is_still_migrated():
    result = run(
        """\
        import os
        from openai import AzureOpenAI

        if os.getenv("DEBUG"):
            client = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"], max_retries=0)
        else:
            client = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"])
        """
    )
    assert [c.outcome for c in result.clients] == ["migrated", "migrated"]


# -- 2. The key is a parameter of reusable code -------------------------------------------------


def test_constructor_parameter_is_left_and_named():
    clients, notices = left(
        """\
        from openai import AzureOpenAI


        class Encoder:
            def __init__(self, endpoint, deployment, api_key=None, api_version="2024-10-21"):
                self.deployment = deployment
                self.client = AzureOpenAI(
                    api_key=api_key, azure_endpoint=endpoint, api_version=api_version
                )
        """
    )
    assert clients == [
        (
            "review",
            "the key is the parameter `api_key` of reusable code: its caller chooses it; "
            "left as it is",
        )
    ]
    assert notices[0][0] == "key-parameter" and "`api_key`" in notices[0][1]


def test_factory_parameter_with_a_fallback_to_the_environment():
    clients, notices = left(
        """\
        import os

        from openai import AzureOpenAI


        def make_client(api_key=None):
            api_key = api_key or os.getenv("AZURE_OPENAI_API_KEY")
            return AzureOpenAI(api_key=api_key, api_version="2024-10-21")
        """
    )
    assert [n[0] for n in notices] == ["key-parameter"]


@pytest.mark.parametrize(
    "value, named",
    [
        ("self.api_key", "`api_key` (as `self.api_key`)"),
        ("config.api_key", "`config` (as `config.api_key`)"),
    ],
)
def test_an_attribute_set_from_a_parameter(value, named):
    clients, notices = left(
        f"""\
        from openai import AzureOpenAI


        class Wrapper:
            def __init__(self, config, api_key):
                self.api_key = api_key
                self.config = config

            def client(self, config):
                return AzureOpenAI(api_key={value}, azure_endpoint=config.endpoint)
        """
    )
    assert notices[0][0] == "key-parameter" and named in notices[0][1]


def test_no_credential_is_added_to_a_library_module():
    source = """\
        from openai import AzureOpenAI


        class A:
            def __init__(self, key):
                self.client = AzureOpenAI(api_key=key)


        class B:
            def __init__(self, key):
                self.client = AzureOpenAI(api_key=key)
        """
    assert "ManagedIdentityCredential" not in run(source).new.decode()
    assert rules(source) == ["key-parameter", "key-parameter"]


def test_a_local_key_from_the_environment_is_still_migrated():
    result = run(
        """\
        import os
        from openai import AzureOpenAI


        def make_client(endpoint):
            key = os.environ["AZURE_OPENAI_API_KEY"]
            return AzureOpenAI(api_key=key, azure_endpoint=endpoint)
        """
    )
    assert [c.outcome for c in result.clients] == ["migrated"]


# -- 4. Keys that are not Azure OpenAI keys -----------------------------------------------------


@pytest.mark.parametrize(
    "endpoint, key, why",
    [
        ('"https://contoso.azure-api.net"', 'os.environ["KEY"]', "(*.azure-api.net)"),
        (
            'os.getenv("OPENAI_GATEWAY_URL", "https://gw.azure-api.net/")',
            'os.environ["KEY"]',
            "(*.azure-api.net)",
        ),
        ("APIM_ENDPOINT", 'os.environ["KEY"]', "named after an API Management gateway"),
        ('os.environ["ENDPOINT"]', "apim_subscription_key", "named after an API Management"),
        (
            'os.environ["AZURE_OPENAI_GATEWAY_URL"]',
            'os.environ["KEY"]',
            "named after an API Management gateway",
        ),
        ('os.environ["E"]', 'os.environ["AI_SUBSCRIPTION_KEY"]', "named after an API Management"),
    ],
)
def test_gateway_subscription_key_is_left(endpoint, key, why):
    clients, notices = left(
        f"""\
        import os

        from openai import AzureOpenAI

        APIM_ENDPOINT = os.environ["APIM_ENDPOINT"]
        apim_subscription_key = os.environ["APIM_SUBSCRIPTION_KEY"]
        client = AzureOpenAI(azure_endpoint={endpoint}, api_key={key}, api_version="2024-10-21")
        """
    )
    assert clients[0][0] == "review" and why in clients[0][1]
    assert notices[0][0] == "gateway-key" and "validate-azure-ad-token" in notices[0][1]


def test_gateway_header_is_left():
    assert rules(
        """\
        import os

        from openai import AzureOpenAI

        client = AzureOpenAI(
            azure_endpoint=os.environ["GW_URL"],
            api_key="not-used",
            default_headers={"Ocp-Apim-Subscription-Key": os.environ["SUB_KEY"]},
        )
        """
    ) == ["gateway-key"]


@pytest.mark.parametrize(
    "assignments",
    [
        # The portal quickstart's name for the Azure OpenAI key.
        'subscription_key = os.getenv("AZURE_OPENAI_API_KEY")\nendpoint = os.environ["E"]\n',
        # A key called a subscription key, sent to an Azure OpenAI host.
        'subscription_key = os.environ["SUB"]\nendpoint = "https://x.openai.azure.com/"\n',
    ],
)
def test_a_subscription_key_of_azure_openai_is_still_migrated(assignments):
    result = run(
        "import os\nfrom openai import AzureOpenAI\n"
        + assignments
        + "client = AzureOpenAI(azure_endpoint=endpoint, api_key=subscription_key)\n"
    )
    assert [c.outcome for c in result.clients] == ["migrated"]


def test_langchain_given_an_azure_ad_token_from_openai_0x():
    clients, notices = left(
        """\
        import openai
        from azure.identity import DefaultAzureCredential
        from langchain.chat_models import AzureChatOpenAI

        openai.api_type = "azure_ad"
        openai.api_key = DefaultAzureCredential().get_token(
            "https://cognitiveservices.azure.com/.default"
        ).token

        llm = AzureChatOpenAI(deployment_name="gpt", openai_api_key=openai.api_key)
        """
    )
    assert (
        "already-keyless",
        "openai.api_key holds an Entra ID token (openai.api_type = 'azure_ad' on line 5)",
    ) in clients
    assert "azure-ad-token" in [n[0] for n in notices]


def test_two_opposite_ifs_are_a_branch_pair():
    assert rules(
        """\
        import os

        import openai
        from azure.identity import DefaultAzureCredential, get_bearer_token_provider

        use_entra = False

        if not use_entra:
            client = openai.AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"])

        if use_entra:
            client = openai.AzureOpenAI(
                azure_ad_token_provider=get_bearer_token_provider(
                    DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
                )
            )
        """
    ) == ["key-fallback-kept"]


def test_two_unrelated_ifs_are_not_a_pair():
    result = run(
        """\
        import os
        from openai import AzureOpenAI

        if os.getenv("A"):
            client = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"])

        if os.getenv("B"):
            other = AzureOpenAI(azure_ad_token_provider=tp)
        """
    )
    assert [c.outcome for c in result.clients] == ["migrated", "already-keyless"]


def test_openai_api_type_azure_ad_set_in_the_environment():
    clients, notices = left(
        """\
        import os

        from azure.identity import DefaultAzureCredential
        from langchain_openai import AzureChatOpenAI

        os.environ["OPENAI_API_TYPE"] = "azure_ad"
        os.environ["OPENAI_API_KEY"] = DefaultAzureCredential().get_token(
            "https://cognitiveservices.azure.com/.default"
        ).token
        llm = AzureChatOpenAI(azure_deployment="chat")
        """
    )
    assert clients[0][0] == "already-keyless" and "OPENAI_API_TYPE" in clients[0][1]
    assert [n[0] for n in notices] == ["azure-ad-token"]


def test_a_base_url_constant_on_localhost_is_not_an_azure_client():
    result = run(
        """\
        from openai import OpenAI

        VLLM_BASE_URL = "http://localhost:8000/v1"
        client = OpenAI(api_key="EMPTY", base_url=VLLM_BASE_URL)
        """
    )
    assert result.clients == () and result.notices == ()


def test_a_credential_parameter_is_named_as_a_credential_not_a_key():
    clients, notices = left(
        """\
        from azure.search.documents.indexes import SearchIndexClient


        def index_client(endpoint, credential):
            return SearchIndexClient(endpoint=endpoint, credential=credential)
        """
    )
    assert notices[0][0] == "key-parameter"
    assert (
        "credential (a key or an Entra ID one) comes from the parameter `credential`"
        in (notices[0][1])
    )
