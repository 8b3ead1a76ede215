"""Shared fixtures: a chat model that never leaves the machine."""

import pytest
from langchain_openai import AzureChatOpenAI


@pytest.fixture
def chat_model_params() -> dict:
    return {
        "azure_deployment": "test",
        "api_version": "2024-06-01",
        "azure_endpoint": "https://test.openai.azure.com",
    }


@pytest.fixture
def chat_model(chat_model_params: dict) -> AzureChatOpenAI:
    return AzureChatOpenAI(api_key="fake", **chat_model_params)
