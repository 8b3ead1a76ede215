import os

from openai import OpenAI

client = OpenAI(base_url="https://models.github.ai/inference", api_key=os.environ["GH_TOKEN"])
