import os

from openai import OpenAI

client = OpenAI(
    base_url="https://contoso-apim.azure-api.net/openai/v1/",
    api_key=os.environ["APIM_SUBSCRIPTION_KEY"],
)
