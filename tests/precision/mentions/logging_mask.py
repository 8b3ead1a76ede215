import logging
import os

log = logging.getLogger(__name__)


def mask_api_key(api_key: str) -> str:
    """Show only the first and last character: 'abcd1234' becomes 'a******4'."""
    if not api_key:
        return ""
    if len(api_key) <= 4:
        return "*" * len(api_key)
    return api_key[0] + "*" * (len(api_key) - 2) + api_key[-1]


def log_configuration() -> None:
    key = os.environ.get("AZURE_OPENAI_API_KEY", "")
    log.info("AzureOpenAI key: %s", mask_api_key(key))
    log.info("endpoint: %s", os.environ.get("AZURE_OPENAI_ENDPOINT"))
