"""``Client(**{...})``: a dict literal unpacked in the call itself has its key entry rewritten."""

from __future__ import annotations

from helpers import run


def test_inline_dict_of_an_azure_openai_client():
    result = run(
        "from openai import AzureOpenAI\n"
        'c = AzureOpenAI(**{"azure_endpoint": E, "api_key": K, "api_version": "2024-10-21"})\n'
    )
    assert result.new.decode().endswith(
        'c = AzureOpenAI(**{"azure_endpoint": E, "azure_ad_token_provider": token_provider, '
        '"api_version": "2024-10-21"})\n'
    )
    assert [c.outcome for c in result.clients] == ["migrated"]


def test_inline_dicts_that_cannot_be_rewritten_stay_reported():
    for source in (
        # Two ** arguments, a computed key, a key next to the dict: not clear what is passed.
        "from openai import AzureOpenAI\nc = AzureOpenAI(**{'api_key': K}, **other)\n",
        "from openai import AzureOpenAI\nc = AzureOpenAI(**{name: K})\n",
        "from openai import AzureOpenAI\nc = AzureOpenAI(**{'azure_endpoint': E}, api_key=K)\n",
    ):
        result = run(source)
        assert result.new.decode() == source
        assert [c.outcome for c in result.clients] == ["manual"], source
