from openai import OpenAI

VLLM_BASE_URL = "http://localhost:8000/v1"


class VLLMChat:
    def __init__(self, model: str):
        self.model = model
        self.client = OpenAI(api_key="EMPTY", base_url=VLLM_BASE_URL)

    def generate(self, prompt: str) -> str:
        response = self.client.chat.completions.create(
            model=self.model, messages=[{"role": "user", "content": prompt}]
        )
        return response.choices[0].message.content
