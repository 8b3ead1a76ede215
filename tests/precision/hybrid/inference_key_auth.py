def sample_chat_completions_azure_openai():
    import os

    from azure.ai.inference import ChatCompletionsClient
    from azure.ai.inference.models import SystemMessage, UserMessage

    endpoint = os.environ["AZURE_OPENAI_CHAT_ENDPOINT"]
    key_auth = True  # True: key authentication; False: Microsoft Entra ID

    if key_auth:
        from azure.core.credentials import AzureKeyCredential

        key = os.environ["AZURE_OPENAI_CHAT_KEY"]
        client = ChatCompletionsClient(
            endpoint=endpoint,
            credential=AzureKeyCredential(key),
            api_version="2024-06-01",
        )
    else:
        from azure.identity import DefaultAzureCredential

        client = ChatCompletionsClient(
            endpoint=endpoint,
            credential=DefaultAzureCredential(),
            credential_scopes=["https://cognitiveservices.azure.com/.default"],
            api_version="2024-06-01",
        )

    response = client.complete(
        messages=[SystemMessage("You are a helpful assistant."), UserMessage("How far is the moon?")]
    )
    print(response.choices[0].message.content)


if __name__ == "__main__":
    sample_chat_completions_azure_openai()
