import os

from azure.identity import DefaultAzureCredential
from dotenv import load_dotenv
from langchain_openai import AzureChatOpenAI

load_dotenv()

credential = DefaultAzureCredential()
os.environ["OPENAI_API_TYPE"] = "azure_ad"
os.environ["OPENAI_API_VERSION"] = "2023-12-01-preview"
os.environ["OPENAI_API_KEY"] = credential.get_token(
    "https://cognitiveservices.azure.com/.default"
).token

llm = AzureChatOpenAI(deployment_name="chat", azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"])
print(llm.invoke("hello"))
