from openai import AzureOpenAI

from .config import AZURE_OPENAI_API_KEY, AZURE_OPENAI_CHAT_DEPLOYMENT, AZURE_OPENAI_ENDPOINT

client = AzureOpenAI(
    azure_endpoint=AZURE_OPENAI_ENDPOINT,
    api_key=AZURE_OPENAI_API_KEY,
    api_version="2024-10-21",
)


def answer(question: str, sources: list[str]) -> str:
    context = "\n".join(f"- {s}" for s in sources)
    response = client.chat.completions.create(
        model=AZURE_OPENAI_CHAT_DEPLOYMENT,
        messages=[
            {"role": "system", "content": f"Answer from these sources only:\n{context}"},
            {"role": "user", "content": f"Question: {question}"},
        ],
    )
    return response.choices[0].message.content
