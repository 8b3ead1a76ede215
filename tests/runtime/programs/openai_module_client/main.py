import os

import openai

openai.api_type = "azure"
openai.azure_endpoint = os.getenv("AZURE_OPENAI_ENDPOINT")
openai.api_version = os.getenv("AZURE_OPENAI_API_VERSION")
openai.api_key = os.getenv("AZURE_OPENAI_API_KEY")


def main() -> None:
    response = openai.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "module hello"}],
    )
    print(response.choices[0].message.content)


if __name__ == "__main__":
    main()
