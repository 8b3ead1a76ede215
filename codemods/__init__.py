"""LibCST transforms that move Azure OpenAI clients from API keys to Entra ID tokens."""
