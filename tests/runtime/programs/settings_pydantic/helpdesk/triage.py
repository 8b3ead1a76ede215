from .llm import build_client
from .settings import get_settings


class Triage:
    def __init__(self) -> None:
        self.client = build_client()
        self.deployment = get_settings().deployment

    def classify(self, ticket: str) -> str:
        response = self.client.chat.completions.create(
            model=self.deployment,
            messages=[{"role": "user", "content": f"Classify: {ticket}"}],
        )
        return response.choices[0].message.content
