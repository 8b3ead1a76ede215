"""Examples shown in the help page.

    client = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"], api_version="2024-10-21")
"""

KEY_EXAMPLE = 'AzureOpenAI(api_key="<your key>", azure_endpoint="https://<name>.openai.azure.com")'
ENTRA_EXAMPLE = "AzureOpenAI(azure_ad_token_provider=token_provider)"


def help_text() -> str:
    return f"With a key:\n  {KEY_EXAMPLE}\nWith Entra ID:\n  {ENTRA_EXAMPLE}\n"
