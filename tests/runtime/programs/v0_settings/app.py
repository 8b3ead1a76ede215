import openai
from settings import settings

openai.api_type = "azure"
openai.api_base = settings.endpoint
openai.api_version = settings.api_version
openai.api_key = settings.api_key


def first_message(question):
    resp = openai.ChatCompletion.create(
        engine=settings.chat_deployment,
        messages=[{"role": "user", "content": question}],
    )
    return resp["choices"][0]["message"]


msg = first_message("settings object")
print("role:", msg["role"])
print("content:", msg["content"])
