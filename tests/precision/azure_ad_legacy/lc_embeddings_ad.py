import openai
from azure.identity import ManagedIdentityCredential
from langchain.embeddings import OpenAIEmbeddings
from langchain_openai import AzureOpenAIEmbeddings

openai.api_type = "azure_ad"
openai.api_key = ManagedIdentityCredential().get_token(
    "https://cognitiveservices.azure.com/.default"
).token

embeddings = AzureOpenAIEmbeddings(
    azure_deployment="text-embedding-ada-002",
    azure_endpoint="https://contoso.openai.azure.com/",
    openai_api_key=openai.api_key,
)
legacy = OpenAIEmbeddings(openai_api_key=openai.api_key)
