import openai
from azure.identity import DefaultAzureCredential
from langchain_openai import AzureChatOpenAI


def refresh_token():
    token = DefaultAzureCredential().get_token("https://cognitiveservices.azure.com/.default")
    openai.api_type = "azure_ad"
    openai.api_key = token.token


def build_llm():
    refresh_token()
    return AzureChatOpenAI(
        azure_deployment="gpt-4o",
        azure_endpoint="https://contoso.openai.azure.com/",
        api_version="2024-02-01",
        api_key=openai.api_key,
    )
