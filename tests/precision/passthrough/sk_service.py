from semantic_kernel import Kernel
from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion


def add_chat_service(kernel: Kernel, deployment, endpoint, api_key=None, ad_token_provider=None):
    service = AzureChatCompletion(
        service_id="chat",
        deployment_name=deployment,
        endpoint=endpoint,
        api_key=api_key,
        ad_token_provider=ad_token_provider,
    )
    kernel.add_service(service)
    return kernel
