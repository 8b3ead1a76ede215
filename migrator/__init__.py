"""aoai-migrate: move Azure OpenAI code from API keys to Microsoft Entra ID tokens."""

__version__ = "0.1.0"
