"""What the name of an Azure OpenAI key variable looks like (plain data; no LibCST here).

Used by the key-guard codemod, the engine's byte pre-check and the scan of configuration files.
"""

from __future__ import annotations

import re

# AZURE_OPENAI_API_KEY, AZURE_OPENAI_KEY, AZURE_OPENAI_EMBEDDING_API_KEY, AOAI_KEY, AZURE_AI_SERVICES_KEY...
# but not AZURE_OPENAI_KEY_VAULT_URL or AZURE_OPENAI_ENDPOINT.
_KEY_ENV = re.compile(
    r"(AZURE_OPENAI|AOAI|OPENAI_AZURE|AZURE_AI_SERVICES|AZURE_AISERVICES|AZURE_COGNITIVE(_SERVICES)?)"
    r"(_[A-Z0-9]+)*?_(API_)?KEY(_?[0-9])?"
)
# Read by litellm for Azure (FACTS section 2).
_EXACT = frozenset({"AZURE_API_KEY"})

# A file whose bytes contain none of these mentions no key variable.
KEY_NAME_WORDS: tuple[bytes, ...] = (
    b"AZURE_OPENAI",
    b"AOAI",
    b"OPENAI_AZURE",
    b"AZURE_AI",
    b"AZURE_COGNITIVE",
    b"AZURE_API_KEY",
)


def is_key_env_name(name: str) -> bool:
    """Whether an environment variable name is an Azure OpenAI (or AI Services) key's."""
    return name in _EXACT or bool(_KEY_ENV.fullmatch(name))


def mentions_key_name(data: bytes) -> bool:
    return b"KEY" in data and any(word in data for word in KEY_NAME_WORDS)
