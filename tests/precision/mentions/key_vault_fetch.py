from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient


def read_secret(vault_url: str, name: str = "azure-openai-api-key") -> str:
    client = SecretClient(vault_url=vault_url, credential=DefaultAzureCredential())
    return client.get_secret(name).value
