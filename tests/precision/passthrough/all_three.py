from typing import Callable, Optional

from openai import AzureOpenAI


def build_client(
    endpoint: str,
    api_key: Optional[str] = None,
    azure_ad_token: Optional[str] = None,
    azure_ad_token_provider: Optional[Callable[[], str]] = None,
    api_version: str = "2024-10-21",
) -> AzureOpenAI:
    """Any one of the three credentials may be given; openai checks that only one is."""
    return AzureOpenAI(
        api_key=api_key,
        azure_ad_token=azure_ad_token,
        azure_ad_token_provider=azure_ad_token_provider,
        azure_endpoint=endpoint,
        api_version=api_version,
    )
