import os

from llama_index.llms.azure_openai import AzureOpenAI

llm = AzureOpenAI(
    engine=os.environ["AZURE_OPENAI_CHAT_DEPLOYMENT"],
    model="gpt-4o",
    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
    api_version=os.environ["AZURE_OPENAI_API_VERSION"],
)
print("llm:", llm.complete("Say hi").text)
