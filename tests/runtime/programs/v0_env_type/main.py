import os

import openai
from dotenv import load_dotenv

load_dotenv()

openai.api_type = os.getenv("OPENAI_API_TYPE", "azure")
openai.api_base = os.getenv("AZURE_OPENAI_ENDPOINT")
openai.api_version = os.getenv("OPENAI_API_VERSION", "2023-05-15")
openai.api_key = os.getenv("AZURE_OPENAI_KEY")

DEPLOYMENT = os.getenv("CHAT_DEPLOYMENT", "gpt-35-turbo")


def main():
    completion = openai.ChatCompletion.create(
        deployment_id=DEPLOYMENT,
        messages=[{"role": "user", "content": "configured from the environment"}],
    )
    message = completion.choices[0].message
    print(f"{message.role}: {message['content']}")


if __name__ == "__main__":
    main()
