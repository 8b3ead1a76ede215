from langchain_openai import AzureChatOpenAI


class ChatModel:
    """Thin wrapper so the agents do not depend on langchain directly."""

    def __init__(self, deployment, endpoint, api_key=None, token_provider=None):
        self.api_key = api_key
        self.token_provider = token_provider
        self.llm = AzureChatOpenAI(
            azure_deployment=deployment,
            azure_endpoint=endpoint,
            openai_api_key=self.api_key,
            azure_ad_token_provider=self.token_provider,
            temperature=0,
        )

    def ask(self, question: str) -> str:
        return self.llm.invoke(question).content
