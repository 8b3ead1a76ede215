"""Command line for the batch summarizer."""

import argparse
import os


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Summarize a folder of documents")
    parser.add_argument("folder")
    parser.add_argument(
        "--api-key",
        default=os.getenv("AZURE_OPENAI_API_KEY"),
        help="Azure OpenAI key (default: $AZURE_OPENAI_API_KEY); prefer Entra ID sign-in",
    )
    parser.add_argument("--endpoint", default=os.getenv("AZURE_OPENAI_ENDPOINT"))
    return parser.parse_args(argv)
