import os

from litellm import completion, embedding

api_key = os.getenv("AZURE_API_KEY")
api_base = os.getenv("AZURE_API_BASE")
api_version = os.getenv("AZURE_API_VERSION")

response = completion(
    model="azure/gpt-4o",
    api_key=api_key,
    api_base=api_base,
    api_version=api_version,
    messages=[{"role": "user", "content": "lite"}],
)
print("completion:", response.choices[0].message.content)

vectors = embedding(
    model="azure/text-embedding-3-small",
    api_key=api_key,
    api_base=api_base,
    api_version=api_version,
    input=["lite"],
)
print("embedding:", len(vectors.data[0]["embedding"]))
