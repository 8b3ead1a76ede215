import os

import openai

openai.api_type = "azure"
openai.api_key = os.getenv("AZURE_OPENAI_KEY")
openai.api_base = os.getenv("AZURE_OPENAI_ENDPOINT")
openai.api_version = "2023-05-15"


def embed(texts):
    resp = openai.Embedding.create(input=texts, engine="text-embedding-ada-002")
    return [item["embedding"] for item in resp["data"]]


def dot(a, b):
    return sum(x * y for x, y in zip(a, b, strict=True))


vectors = embed(["red apple", "green pear", "blue sky"])
print(f"{len(vectors)} vectors of {len(vectors[0])} dims, first dot {dot(vectors[0], vectors[1])}")
