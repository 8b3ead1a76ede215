import argparse
import os

from dotenv import load_dotenv
from openai import AzureOpenAI


def main() -> None:
    load_dotenv()
    parser = argparse.ArgumentParser(description="Ask Azure OpenAI a question")
    parser.add_argument("question", nargs="?", default="from main")
    args = parser.parse_args()

    client = AzureOpenAI(
        azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
        api_key=os.environ["AZURE_OPENAI_API_KEY"],
        api_version=os.environ["AZURE_OPENAI_API_VERSION"],
    )
    response = client.chat.completions.create(
        model=os.environ["AZURE_OPENAI_CHAT_DEPLOYMENT"],
        messages=[{"role": "user", "content": args.question}],
    )
    print(response.choices[0].message.content)


if __name__ == "__main__":
    main()
