import os
import sys

REQUIRED = ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_DEPLOYMENT")


def check_environment() -> None:
    missing = [name for name in REQUIRED if not os.getenv(name)]
    if missing:
        sys.exit(f"missing environment variables: {', '.join(missing)}")
