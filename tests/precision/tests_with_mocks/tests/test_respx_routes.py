import httpx
import openai
import pytest
import respx
from openai import AzureOpenAI

ENDPOINT = "https://mocked.openai.azure.com"


@pytest.fixture
def llm() -> AzureOpenAI:
    return AzureOpenAI(
        api_key="dummy", azure_endpoint=ENDPOINT, api_version="2024-10-21", max_retries=0
    )


@respx.mock
def test_server_error_is_raised(llm: AzureOpenAI) -> None:
    respx.post(url__startswith=ENDPOINT).mock(return_value=httpx.Response(500, json={}))
    with pytest.raises(openai.InternalServerError):
        llm.chat.completions.create(model="gpt-4o-mini", messages=[])
