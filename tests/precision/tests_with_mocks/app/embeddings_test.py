from langchain_openai import AzureOpenAIEmbeddings


def test_dimensions_are_passed() -> None:
    embeddings = AzureOpenAIEmbeddings(
        azure_deployment="embed",
        azure_endpoint="https://fake.openai.azure.com/",
        api_key="not-a-real-key",
        openai_api_version="2024-02-01",
        dimensions=256,
    )
    assert embeddings.dimensions == 256
