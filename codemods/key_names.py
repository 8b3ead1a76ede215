"""What the name of an Azure OpenAI key variable looks like (plain data; no LibCST here).

Used by the key-guard codemod, the engine's byte pre-check and the scan of configuration files.
"""

from __future__ import annotations

from codemods.sdks import KEY_ENV_NAMES, KEY_ENV_PATTERN

# The patterns and names the SDK modules declare (codemods/sdks/): AZURE_OPENAI_API_KEY,
# AZURE_OPENAI_KEY, AOAI_KEY, AZURE_AI_SERVICES_KEY, litellm's AZURE_API_KEY...
_KEY_ENV = KEY_ENV_PATTERN
_EXACT = KEY_ENV_NAMES

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
