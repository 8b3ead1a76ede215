import pytest
from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion


@pytest.fixture
def service() -> AzureChatCompletion:
    return AzureChatCompletion(
        service_id="chat",
        deployment_name="test_deployment",
        endpoint="https://test-endpoint.openai.azure.com",
        api_key="test_api_key",
    )


def test_service_id(service: AzureChatCompletion) -> None:
    assert service.service_id == "chat"
