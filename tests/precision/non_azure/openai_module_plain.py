import os

import openai

openai.api_key = os.getenv("OPENAI_API_KEY")
completion = openai.chat.completions.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello"}]
)
