from rag.answer import answer
from rag.retriever import Retriever

if __name__ == "__main__":
    question = "luxury"
    sources = Retriever().retrieve(question)
    print("sources:", len(sources))
    print("answer:", answer(question, sources))
