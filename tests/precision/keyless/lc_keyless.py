from azure.identity import DefaultAzureCredential, get_bearer_token_provider
from langchain_openai import AzureChatOpenAI, AzureOpenAIEmbeddings

token_provider = get_bearer_token_provider(
    DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
)
chat_model = AzureChatOpenAI(
    api_version="2024-12-01-preview",
    azure_endpoint="https://contoso-langchain.openai.azure.com/",
    azure_ad_token_provider=token_provider,
    model="gpt-4o-mini",
)
embeddings = AzureOpenAIEmbeddings(
    azure_endpoint="https://contoso-langchain.openai.azure.com/",
    azure_deployment="text-embedding-3-small",
    azure_ad_token_provider=token_provider,
)
