import os

from dotenv import load_dotenv
from openai import AzureOpenAI

load_dotenv()

apim_endpoint = os.getenv("APIM_ENDPOINT")
apim_subscription_key = os.getenv("APIM_SUBSCRIPTION_KEY")

client = AzureOpenAI(
    azure_endpoint=apim_endpoint,  # the SDK appends /openai itself
    api_key=apim_subscription_key,
    api_version="2024-02-01",
)
response = client.chat.completions.create(
    model="chat", messages=[{"role": "user", "content": "Which regions serve this gateway?"}]
)
print(response)
