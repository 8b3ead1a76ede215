from openai import OpenAI

client = OpenAI(
    base_url="http://localhost:11434/v1/",
    api_key="ollama",  # required by the SDK, ignored by Ollama
)
chat_completion = client.chat.completions.create(
    messages=[{"role": "user", "content": "Say this is a test"}], model="qwen2.5:7b"
)
