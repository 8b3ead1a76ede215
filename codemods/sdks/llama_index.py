"""llama-index's AzureOpenAI LLM and AzureOpenAIEmbedding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.findings import KEYLESS
from codemods.sdks._model import ClientSpec, Invalid, Rule, Sdk, Valid, Verdict

# LibCST is imported when a hook runs: the quick path reads the registry without the parser.
if TYPE_CHECKING:
    import libcst as cst

    from codemods.hook_view import HookView

RULE_OPENAI_3 = "llama-index-openai-3"
_NOTE = (
    RULE_OPENAI_3,
    (
        "llama-index's AzureOpenAI/AzureOpenAIEmbedding (0.6.x) with use_azure_ad=True pass both "
        "api_key (the token fetched when its client is built) and azure_ad_token_provider to "
        "openai: openai 3.x rejects that (MutuallyExclusiveAuthError); under openai 2.x every "
        "request carries the provider's token as Authorization and that first token as api-key, "
        "which is stale once it expires (the client is reused). No argument avoids it: "
        "default_headers must be strings, so openai.Omit() cannot drop the api-key header. Keep "
        "openai<3 (llama-index-llms-openai pins it) until a llama-index release fixes it"
    ),
    "warning",
)


def decide(
    migration: HookView, spec: ClientSpec, call: cst.Call, present: dict[str, cst.Arg]
) -> str | Verdict | None:
    import libcst as cst

    flag = present.get("use_azure_ad")
    on = flag is not None and isinstance(flag.value, cst.Name) and flag.value.value == "True"
    if on and not any(k in present for k in spec.key_args):
        return Verdict(KEYLESS, "use_azure_ad=True")
    return None


def _spec(cls: str, *modules: str) -> ClientSpec:
    return ClientSpec(
        sdk="llama-index",
        label=f"{modules[0]}.{cls}",
        names=tuple(f"{m}.{cls}" for m in modules),
        keyless_args=("azure_ad_token_provider",),
        static_token_args=(),
        endpoint_args=("azure_endpoint", "api_base"),
        set_args=(("use_azure_ad", "True"),),
        decide=decide,
        notes=(_NOTE,),
    )


SDK = Sdk(
    name="llama-index",
    specs=(
        _spec("AzureOpenAI", "llama_index.llms.azure_openai", "llama_index.llms.azure_openai.base"),
        _spec(
            "AzureOpenAIEmbedding",
            "llama_index.embeddings.azure_openai",
            "llama_index.embeddings.azure_openai.base",
        ),
    ),
    rules=(Rule(RULE_OPENAI_3, "llama-index with use_azure_ad=True needs openai<3 for now"),),
    examples=(
        Valid(
            """
            from llama_index.llms.azure_openai import AzureOpenAI

            llm = AzureOpenAI(engine="gpt-4o", use_azure_ad=True)
            """
        ),
        Invalid(
            """
            import os

            from llama_index.llms.azure_openai import AzureOpenAI

            llm = AzureOpenAI(api_key=os.environ["AZURE_OPENAI_API_KEY"])
            """,
            """
            import functools
            import os

            from azure.identity import ManagedIdentityCredential, get_bearer_token_provider
            from llama_index.llms.azure_openai import AzureOpenAI


            @functools.cache
            def _token_provider():
                # Built at the first token request, once the program has set up its environment.
                credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
                return get_bearer_token_provider(
                    credential, "https://cognitiveservices.azure.com/.default"
                )


            def token_provider():
                return _token_provider()()


            llm = AzureOpenAI(azure_ad_token_provider=token_provider, use_azure_ad=True)
            """,
        ),
    ),
)
