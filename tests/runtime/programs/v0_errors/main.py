import os

import openai

openai.api_type = "azure"
openai.api_base = os.getenv("AZURE_OPENAI_ENDPOINT")
openai.api_version = "2023-05-15"
openai.api_key = os.getenv("AZURE_OPENAI_KEY")


def chat(deployment, text):
    try:
        response = openai.ChatCompletion.create(
            engine=deployment, messages=[{"role": "user", "content": text}]
        )
    except openai.error.InvalidRequestError as e:
        return f"invalid request ({e.http_status})"
    except (openai.error.RateLimitError, openai.error.Timeout):
        return "try again later"
    except openai.error.APIError:
        return "service error"
    return response["choices"][0]["message"]["content"]


print(chat("gpt-35-turbo-typo", "hello"))
print(chat("gpt-35-turbo", "hello again"))
