import os

import litellm

assert "AZURE_API_KEY" in os.environ, "Please set the AZURE_API_KEY environment variable."
assert "AZURE_API_BASE" in os.environ, "Please set the AZURE_API_BASE environment variable."

response = litellm.completion(
    model="azure/gpt-4o",
    api_base=os.environ["AZURE_API_BASE"],
    api_version=os.environ.get("AZURE_API_VERSION", "2024-10-21"),
    api_key=os.environ["AZURE_API_KEY"],
    messages=[{"role": "user", "content": "asserted"}],
)
print(response.choices[0].message.content)
