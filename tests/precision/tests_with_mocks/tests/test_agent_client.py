import pytest
from autogen_core.models import UserMessage
from autogen_ext.models.openai import AzureOpenAIChatCompletionClient


@pytest.mark.asyncio
async def test_model_info_is_kept() -> None:
    client = AzureOpenAIChatCompletionClient(
        azure_deployment="gpt-4o",
        model="gpt-4o",
        api_version="2024-06-01",
        azure_endpoint="https://dummy.com",
        api_key="api_key",
    )
    assert client.model_info["vision"] is True
    assert UserMessage(content="hi", source="user").content == "hi"
