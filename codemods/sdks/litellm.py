"""litellm's completion functions, for ``azure/`` models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.findings import REVIEW
from codemods.sdks._model import SKIP, ClientSpec, Invalid, Rule, Sdk, Valid, Verdict

# LibCST is imported when a hook runs: the quick path reads the registry without the parser.
if TYPE_CHECKING:
    import libcst as cst

    from codemods.hook_view import HookView

RULE_ENV_KEY = "litellm-env-key"
_FUNCTIONS = (
    "completion", "acompletion", "embedding", "aembedding", "text_completion",
    "atext_completion", "image_generation", "aimage_generation",
)  # fmt: skip


def decide(
    migration: HookView, spec: ClientSpec, call: cst.Call, present: dict[str, cst.Arg]
) -> str | Verdict | None:
    """Only a call to an ``azure/`` model is an Azure client; other providers are skipped."""

    model = present.get("model")
    value = model.value if model is not None else None
    if model is None:
        unpacked = _unpacked(migration, call)
        if unpacked:
            # completion(**CONFIG): the dict's entries stand for the arguments.
            present = {**unpacked, **present}
            value = unpacked["model"].value if "model" in unpacked else None
    text = literal_prefix(migration, value) if value is not None else None
    if text is None:
        return _unclear(present)
    return None if text.startswith("azure/") else SKIP


def literal_prefix(migration: HookView, value: cst.BaseExpression) -> str | None:
    """The text a string argument starts with (a module-level constant followed), or None when it
    is not a string the code shows (CrewAI's and DSPy's model strings are read the same way)."""
    import libcst as cst

    if isinstance(value, cst.Name):
        value = migration.module_value(value.value) or value
    if isinstance(value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
        return _leading_text(value)
    return None


def _unpacked(migration: HookView, call: cst.Call) -> dict[str, cst.Arg]:
    """The string-keyed entries of the one dict literal a ``**`` argument unpacks (inline, or a
    module-level name bound once), as keyword arguments; empty when it is anything else."""
    import libcst as cst

    stars = [a for a in call.args if a.star == "**"]
    if len(stars) != 1:
        return {}
    value = stars[0].value
    if isinstance(value, cst.Name):
        value = migration.module_value(value.value) or value
    entries: dict[str, cst.Arg] = {}
    if isinstance(value, cst.Dict):
        for element in value.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                key = element.key.evaluated_value
                if isinstance(key, str):
                    entries[key] = cst.Arg(element.value, keyword=cst.Name("x"))
    elif isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
        if value.func.value == "dict":
            entries = {a.keyword.value: a for a in value.args if a.keyword is not None}
    return entries


def _leading_text(value: cst.BaseExpression) -> str | None:
    import libcst as cst

    if isinstance(value, cst.SimpleString):
        evaluated = value.evaluated_value
        return evaluated if isinstance(evaluated, str) else None
    if isinstance(value, cst.ConcatenatedString):
        return _leading_text(value.left)
    if (
        isinstance(value, cst.FormattedString)
        and value.parts
        and isinstance(value.parts[0], cst.FormattedStringText)
    ):
        return value.parts[0].value
    return None


def _unclear(present: dict[str, cst.Arg]) -> str | Verdict:
    if "api_key" in present:
        return Verdict(
            REVIEW,
            "the model is not a literal, so it is not clear this is an azure/ model; left as it is",
        )
    return SKIP


SDK = Sdk(
    name="litellm",
    specs=(
        ClientSpec(
            sdk="litellm",
            label="litellm",
            names=tuple(f"litellm.{f}" for f in _FUNCTIONS)
            + tuple(f"litellm.main.{f}" for f in _FUNCTIONS if "image" not in f),
            endpoint_args=("api_base", "base_url"),
            positional=("model",),
            decide=decide,
            notes=(
                (
                    RULE_ENV_KEY,
                    (
                        "litellm still reads a key when it finds one (AZURE_OPENAI_API_KEY, "
                        "AZURE_API_KEY, litellm.api_key, litellm.azure_key) and passes it next "
                        "to azure_ad_token_provider, which openai 3.x rejects; no argument stops "
                        "the lookup (an empty api_key falls through to it): unset them where this "
                        "code runs before deploying it"
                    ),
                    "warning",
                ),
            ),
        ),
    ),
    # Read by litellm for Azure (FACTS section 2).
    key_env_names=("AZURE_API_KEY",),
    function_targets=True,
    rules=(
        Rule(RULE_ENV_KEY, "litellm still reads AZURE_OPENAI_API_KEY, AZURE_API_KEY: unset them"),
        # Given by the key clean-up (codemods.key_settings).
        Rule(
            "litellm-key-setting-removed",
            "A key written to litellm's module settings or environment variables, removed",
            "note",
        ),
        Rule(
            "litellm-key-setting-kept",
            "A key written to litellm's module settings or environment variables keeps the key "
            "in use",
        ),
    ),
    examples=(
        Valid(
            """
            import os

            import litellm

            reply = litellm.completion(model="gpt-4o", api_key=os.environ["KEY"], messages=[])
            """
        ),
        Invalid(
            """
            import os

            import litellm

            reply = litellm.completion(
                model="azure/gpt-4o",
                api_key=os.environ["AZURE_API_KEY"],
                messages=[],
            )
            """,
            """
            import functools
            import os

            import litellm
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


            reply = litellm.completion(
                model="azure/gpt-4o",
                azure_ad_token_provider=token_provider,
                messages=[],
            )
            """,
        ),
    ),
)
