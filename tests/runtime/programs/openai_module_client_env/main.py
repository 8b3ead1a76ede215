"""Uses the openai module-level client; the deployment's settings select Azure:
OPENAI_API_TYPE=azure, AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, OPENAI_API_VERSION."""

import openai


def classify(text: str) -> str:
    result = openai.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": text}],
    )
    return result.choices[0].message.content


print(classify("env driven"))
