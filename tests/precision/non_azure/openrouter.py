import os

from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI

openrouter_api_key = os.getenv("OPENROUTER_API_KEY")


def get_openrouter_llm():
    return ChatOpenAI(
        model="openai/gpt-oss-20b:free",
        temperature=0.3,
        openai_api_key=openrouter_api_key,
        openai_api_base="https://openrouter.ai/api/v1",
    )


def get_ollama_llm():
    return ChatOllama(model="llama3.2:3b", temperature=0.3, base_url="http://localhost:11434")
