"""AzureChatOpenAI configured entirely from the environment (AZURE_OPENAI_API_KEY,
AZURE_OPENAI_ENDPOINT, OPENAI_API_VERSION), as LangChain's own docs show it."""

import os

from langchain_openai import AzureChatOpenAI

model = AzureChatOpenAI(azure_deployment=os.environ["AZURE_OPENAI_CHAT_DEPLOYMENT"])
print(model.invoke("implicit key").content)
