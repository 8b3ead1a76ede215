import os

from langchain_openai import AzureChatOpenAI

APIM_URL = os.environ["APIM_URL"]
APIM_KEY = os.environ["APIM_KEY"]

llm = AzureChatOpenAI(
    azure_endpoint=APIM_URL,
    api_key=APIM_KEY,
    azure_deployment="gpt-4o",
    api_version="2024-10-21",
)
print(llm.invoke("hello").content)
