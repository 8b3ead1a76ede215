import os

from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion

chat_service = AzureChatCompletion(
    deployment_name="gpt-4o",
    endpoint=os.environ["APIM_GATEWAY_ENDPOINT"],
    api_key=os.environ["APIM_GATEWAY_KEY"],
)
