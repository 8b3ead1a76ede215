from openai import AzureOpenAI


def make_client(api_key: str, endpoint: str, version: str = "2024-06-01") -> AzureOpenAI:
    """Return a client for one tenant; each tenant has its own resource and key."""
    return AzureOpenAI(api_key=api_key, azure_endpoint=endpoint, api_version=version)
