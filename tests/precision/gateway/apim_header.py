import os

from openai import AzureOpenAI

client = AzureOpenAI(
    azure_endpoint=os.environ["OPENAI_PROXY_URL"],
    api_key="placeholder",  # the gateway ignores it
    api_version="2024-10-21",
    default_headers={"Ocp-Apim-Subscription-Key": os.environ["PROXY_SUBSCRIPTION"]},
)
