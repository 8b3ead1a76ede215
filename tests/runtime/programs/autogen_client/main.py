import asyncio
import os

from autogen_core.models import SystemMessage, UserMessage
from autogen_ext.models.openai import AzureOpenAIChatCompletionClient


async def main() -> None:
    model_client = AzureOpenAIChatCompletionClient(
        azure_deployment=os.environ["AZURE_OPENAI_CHAT_DEPLOYMENT"],
        model="gpt-4o",
        api_version=os.environ["AZURE_OPENAI_API_VERSION"],
        azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
        api_key=os.environ["AZURE_OPENAI_API_KEY"],
    )
    result = await model_client.create(
        [
            SystemMessage(content="You are a planner."),
            UserMessage(content="plan", source="user"),
        ]
    )
    print("autogen:", result.content)
    await model_client.close()


if __name__ == "__main__":
    asyncio.run(main())
