import os

# Before: client = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"])
# After:  client = AzureOpenAI(azure_ad_token_provider=token_provider)
ENDPOINT = os.environ.get("AZURE_OPENAI_ENDPOINT", "")
