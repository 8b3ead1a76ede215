import argparse

from openai import AzureOpenAI


def client_from_args(args: argparse.Namespace) -> AzureOpenAI:
    return AzureOpenAI(azure_endpoint=args.endpoint, api_key=args.api_key, api_version=args.api_version)
