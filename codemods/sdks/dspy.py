"""DSPy's language model, ``dspy.LM("azure/<deployment>", api_key=...)``.

Checked against dspy 3.4.1's source: ``LM.__init__`` keeps every keyword it does not name in
``self.kwargs`` and sends them with each request. ``azure_ad_token_provider`` is one of the
client settings its native engine does not take (``clients/backend_selection.py``), so such a
model is always served by the LiteLLM engine, which passes it on to ``litellm.completion`` /
``acompletion`` unchanged: the token argument is litellm's. For chat models DSPy reads no key from
the environment itself; litellm does (``AZURE_API_KEY``, ``AZURE_OPENAI_API_KEY``), and sends it
next to the token: the migration carries litellm's ``litellm-env-key`` notice.

Which calls are Azure is decided as for litellm: a literal ``azure/`` model. ``openai/...`` models
with an Azure ``api_base`` (older DSPy code with ``api_provider="azure"``) and any other provider
are left as they are.
"""

from __future__ import annotations

from codemods.sdks import litellm as _litellm
from codemods.sdks._model import ClientSpec, Invalid, Sdk, Valid

SDK = Sdk(
    name="dspy",
    specs=(
        ClientSpec(
            sdk="dspy",
            label="dspy.LM",
            names=("dspy.LM", "dspy.clients.LM", "dspy.clients.lm.LM"),
            endpoint_args=("api_base", "base_url"),
            positional=("model",),
            decide=_litellm.decide,
            # The same lookup as litellm's own calls: reported with litellm's rule.
            notes=_litellm.SDK.specs[0].notes,
        ),
    ),
    examples=(
        Valid(
            """
            import os

            import dspy

            lm = dspy.LM("openai/gpt-4o-mini", api_key=os.environ["OPENAI_API_KEY"])
            """
        ),
        Valid(
            """
            import dspy

            lm = dspy.LM("ollama_chat/llama3.1", api_base="http://localhost:11434", api_key="")
            """
        ),
        Invalid(
            """
            import os

            import dspy

            lm = dspy.LM(
                "azure/gpt-4o",
                api_key=os.environ["AZURE_API_KEY"],
                api_base="https://contoso.openai.azure.com/",
                api_version="2024-10-21",
            )
            dspy.configure(lm=lm)
            """,
            """
            import functools
            import os

            import dspy
            from azure.identity import ManagedIdentityCredential, get_bearer_token_provider


            @functools.cache
            def _token_provider():
                # Built at the first token request, once the program has set up its environment.
                credential = ManagedIdentityCredential(client_id=os.getenv("AZURE_CLIENT_ID"))
                return get_bearer_token_provider(
                    credential, "https://cognitiveservices.azure.com/.default"
                )


            def token_provider():
                return _token_provider()()


            lm = dspy.LM(
                "azure/gpt-4o",
                azure_ad_token_provider=token_provider,
                api_base="https://contoso.openai.azure.com/",
                api_version="2024-10-21",
            )
            dspy.configure(lm=lm)
            """,
        ),
    ),
)
