import openai
from azure.identity import DefaultAzureCredential
from langchain.chat_models import AzureChatOpenAI

credential = DefaultAzureCredential()
openai.api_type = "azure_ad"
openai.api_key = credential.get_token("https://cognitiveservices.azure.com/.default").token
openai.api_base = "https://contoso.openai.azure.com/"
openai.api_version = "2023-05-15"

llm = AzureChatOpenAI(
    deployment_name="gpt-35-turbo",
    openai_api_key=openai.api_key,
    openai_api_base=openai.api_base,
    openai_api_version=openai.api_version,
)
