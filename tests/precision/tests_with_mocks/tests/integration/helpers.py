"""Helpers the integration tests share: a client for the test resource, from the CI variables."""

import os

from openai import AzureOpenAI


def client_for_tests() -> AzureOpenAI:
    return AzureOpenAI(
        api_key=os.environ.get("TEST_AZURE_OPENAI_KEY", "placeholder"),
        azure_endpoint=os.environ.get("TEST_AZURE_OPENAI_ENDPOINT", "https://ci.openai.azure.com"),
        api_version="2024-10-21",
    )
