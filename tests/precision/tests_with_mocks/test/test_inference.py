from unittest import mock

from azure.ai.inference import ChatCompletionsClient
from azure.core.credentials import AzureKeyCredential


def test_complete_is_forwarded():
    client = ChatCompletionsClient(
        endpoint="https://fake-resource.services.ai.azure.com/models",
        credential=AzureKeyCredential("00000000000000000000000000000000"),
    )
    with mock.patch.object(client, "complete", return_value="ok") as complete:
        assert client.complete(messages=[]) == "ok"
    complete.assert_called_once_with(messages=[])
