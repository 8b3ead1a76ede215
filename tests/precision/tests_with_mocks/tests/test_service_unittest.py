import unittest
from unittest import mock

import httpx
from openai import AsyncAzureOpenAI


def _reply(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200, json={"object": "list", "data": [], "model": "text-embedding-3-small"}
    )


class EmbeddingServiceTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.client = AsyncAzureOpenAI(
            api_key="sk-test",
            azure_endpoint="https://unit-test.openai.azure.com/",
            api_version="2024-02-01",
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(_reply)),
        )

    @mock.patch("openai.AzureOpenAI")
    def test_factory_uses_the_sdk(self, sdk: mock.MagicMock) -> None:
        sdk.return_value.embeddings.create.return_value = mock.MagicMock(data=[])
        self.assertTrue(sdk.called is False)

    async def test_empty_list(self) -> None:
        result = await self.client.embeddings.create(model="text-embedding-3-small", input=[])
        self.assertEqual(result.data, [])


if __name__ == "__main__":
    unittest.main()
