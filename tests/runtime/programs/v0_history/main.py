import os

import openai

openai.api_type = "azure"
openai.api_base = os.getenv("AZURE_OPENAI_ENDPOINT")
openai.api_version = "2023-05-15"
openai.api_key = os.getenv("AZURE_OPENAI_KEY")

messages = [{"role": "system", "content": "You are terse."}]


def turn(user_text):
    messages.append({"role": "user", "content": user_text})
    response = openai.ChatCompletion.create(engine="gpt-35-turbo", messages=messages)
    reply = response["choices"][0]["message"]
    messages.append(reply)
    return reply["content"]


print(turn("first question"))
print(turn("second question"))
print("history:", [m["role"] for m in messages])
