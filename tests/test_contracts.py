"""Contracts with the installed SDKs: every parameter name the codemod writes, and every key
parameter it removes, exists on the installed class (or function). An upstream rename fails here.

Names are taken from the specs of every SDK module (codemods.sdks.REGISTRY), so a new SDK is
covered without touching this file; one whose package is not installed here is skipped, saying
so. Parameters that a class takes through ``**kwargs`` are checked by building the real object and
reading back where the SDK stores them.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import typing
import warnings

import pytest

from codemods.sdks import REGISTRY
from codemods.targets import SDK_SPECS, ClientSpec

# Import paths of releases older than the installed ones (the codemod still migrates code
# written against them). Each was checked against that release's source when it was added.
LEGACY_PATHS = {
    # langchain-community 0.4.2 dropped chat_models.AzureChatOpenAI (0.4.0 still had it, with
    # api_key/openai_api_key, azure_ad_token_provider, azure_ad_async_token_provider).
    "langchain_community.chat_models.AzureChatOpenAI",
    "langchain_community.chat_models.azure_openai.AzureChatOpenAI",
    # langchain < 1.0 re-exported the langchain_community classes under these names.
    "langchain.chat_models.AzureChatOpenAI",
    "langchain.chat_models.azure_openai.AzureChatOpenAI",
    "langchain.embeddings.AzureOpenAIEmbeddings",
    "langchain.embeddings.azure_openai.AzureOpenAIEmbeddings",
    "langchain.llms.AzureOpenAI",
    "langchain.llms.openai.AzureOpenAI",
    "langchain.vectorstores.AzureSearch",
    "langchain.vectorstores.azuresearch.AzureSearch",
    # haystack 2.x (2.31.0 checked: api_key Secret, azure_ad_token_provider, azure_endpoint);
    # removed in 3.x.
    "haystack.components.generators.AzureOpenAIGenerator",
    "haystack.components.generators.azure.AzureOpenAIGenerator",
}
# Taken through **kwargs and checked by test_kwargs_* below.
KWARGS_CHECKED = {
    "azure-ai-inference": {"credential_scopes"},
    "azure-search-documents": {"audience"},
}


def _resolve(name: str) -> object:
    module, _, attr = name.rpartition(".")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(importlib.import_module(module), attr)


def written_and_removed(spec: ClientSpec) -> set[str]:
    # Written: the token arguments and the extra ones; removed: the key arguments. The token
    # arguments already present mark a client as keyless. (Names only read, such as endpoints,
    # are not part of the contract.)
    names = {*spec.key_args, *spec.keyless_args, spec.token_arg}
    names |= {n for n, _ in (*spec.extra_args, *spec.set_args, *spec.cloud_args)}
    if spec.async_token_arg:
        names.add(spec.async_token_arg)
    return names - KWARGS_CHECKED.get(spec.sdk, set())


def accepted(target: object, spec: ClientSpec) -> set[str]:
    if spec.sdk == "litellm":
        from litellm.litellm_core_utils.get_litellm_params import get_litellm_params

        # litellm takes provider settings through **kwargs and reads them with get_litellm_params.
        return set(inspect.signature(target).parameters) | set(
            inspect.signature(get_litellm_params).parameters
        )
    if spec.sdk == "dspy":
        from dspy.clients.backend_selection import CLIENT_KEYS
        from litellm.litellm_core_utils.get_litellm_params import get_litellm_params

        # dspy.LM keeps its other keywords and sends the client settings among them to litellm.
        litellm_params = set(inspect.signature(get_litellm_params).parameters)
        return set(inspect.signature(target).parameters) | (CLIENT_KEYS & litellm_params)
    if spec.sdk == "autogen":
        from autogen_ext.models.openai.config import AzureOpenAIClientConfiguration

        # The constructor is **kwargs: Unpack[AzureOpenAIClientConfiguration].
        return set(typing.get_type_hints(AzureOpenAIClientConfiguration))
    params = set(inspect.signature(target).parameters)
    if inspect.isclass(target):
        params |= set(inspect.signature(target.__init__).parameters)  # haystack's @component
    fields = getattr(target, "model_fields", None)
    config = getattr(target, "model_config", {}) or {}
    if fields and (config.get("populate_by_name") or config.get("validate_by_name")):
        params |= set(fields)  # pydantic: field names as well as aliases
    return params


def _specs(llama: bool) -> list:
    return [
        pytest.param(s, id=f"{s.sdk}:{s.label}")
        for sdk in REGISTRY
        for s in sdk.specs
        if (s.sdk == "llama-index") == llama
    ]


def _check(spec: ClientSpec) -> None:
    root = spec.names[0].split(".", 1)[0]
    if importlib.util.find_spec(root) is None:
        pytest.skip(f"{root} is not installed here: {spec.label} is checked where it is")
    current = [n for n in spec.names if n not in LEGACY_PATHS]
    if not current:
        pytest.skip(f"only legacy import paths, absent from the installed release: {spec.names[0]}")
    targets = {id(t): t for t in (_resolve(n) for n in current)}
    if spec.sdk != "litellm":  # one class under several paths; litellm is several functions
        assert len(targets) == 1, f"{current} name different objects"
    for target in targets.values():
        missing = written_and_removed(spec) - accepted(target, spec)
        assert not missing, (
            f"{spec.label} ({getattr(target, '__name__', target)}) does not accept {sorted(missing)}"
        )


@pytest.mark.parametrize("spec", _specs(llama=False))
def test_installed_class_accepts_every_name_the_codemod_uses(spec: ClientSpec):
    _check(spec)


@pytest.mark.llama_index
@pytest.mark.parametrize("spec", _specs(llama=True))
def test_installed_llama_index_class_accepts_every_name_the_codemod_uses(spec: ClientSpec):
    _check(spec)


def test_a_renamed_parameter_would_be_caught():
    """The check itself can fail: a spec writing a name the class lacks is reported."""
    from dataclasses import replace

    spec = next(s for s in SDK_SPECS if s.label == "langchain_openai.AzureChatOpenAI")
    with pytest.raises(AssertionError, match="azure_ad_tokn_provider"):
        _check(replace(spec, token_arg="azure_ad_tokn_provider"))


class _FakeCredential:
    def get_token(self, *scopes, **kwargs):  # pragma: no cover - never called here
        raise AssertionError("no token is requested while building the client")


@pytest.mark.parametrize("module", ["azure.ai.inference", "azure.ai.inference.aio"])
@pytest.mark.parametrize("cls", ["ChatCompletionsClient", "EmbeddingsClient"])
def test_kwargs_inference_takes_credential_scopes(module, cls):
    scope = "https://cognitiveservices.azure.com/.default"
    client = getattr(importlib.import_module(module), cls)(
        "https://r.openai.azure.com/openai/deployments/d",
        _FakeCredential(),
        credential_scopes=[scope],
    )
    assert client._config.credential_scopes == [scope]
    # Without it the SDK would ask for a token for Azure ML, which Azure OpenAI rejects.
    default = getattr(importlib.import_module(module), cls)(
        "https://r.openai.azure.com/openai/deployments/d", _FakeCredential()
    )
    assert default._config.credential_scopes == ["https://ml.azure.com/.default"]


@pytest.mark.parametrize(
    "module, cls, args",
    [
        ("azure.search.documents", "SearchClient", ("https://s.search.windows.net", "i")),
        ("azure.search.documents.aio", "SearchClient", ("https://s.search.windows.net", "i")),
        ("azure.search.documents.indexes", "SearchIndexClient", ("https://s.search.windows.net",)),
        (
            "azure.search.documents.indexes",
            "SearchIndexerClient",
            ("https://s.search.windows.net",),
        ),
    ],
)
def test_kwargs_search_takes_audience_for_sovereign_clouds(module, cls, args):
    from codemods.targets import audience_for, scope_for

    ctor = getattr(importlib.import_module(module), cls)
    client = ctor(*args, _FakeCredential(), audience=audience_for("search", "usgov"))
    assert client._config.credential_scopes == [scope_for("search", "usgov")]
    # The public cloud is the default, so nothing is written for it.
    assert ctor(*args, _FakeCredential())._config.credential_scopes == [
        scope_for("search", "public")
    ]
