from autogen_ext.models.openai import AzureOpenAIChatCompletionClient


def model_client(deployment: str, endpoint: str, api_key: str, model: str = "gpt-4o"):
    return AzureOpenAIChatCompletionClient(
        azure_deployment=deployment,
        model=model,
        api_version="2024-06-01",
        azure_endpoint=endpoint,
        api_key=api_key,
    )
