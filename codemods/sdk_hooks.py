"""What the framework SDKs need beyond the data in ``codemods.targets``.

``decide`` is asked once per client construction (or litellm call) whose spec names a hook,
before anything is changed. It answers:

* ``SKIP``: a look-alike (GitHub Models behind azure-ai-inference, a litellm call to another
  provider): left as it is, nothing recorded;
* a ``Verdict``: recorded with that outcome and reason, left as it is;
* ``None``: go on with the ordinary migration.

Every hook reads the original node (metadata lives there) and never changes anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from codemods import azure_endpoint
from codemods.findings import KEYLESS, MANUAL, REVIEW
from codemods.resolve import qualified_names
from codemods.targets import ClientSpec

if TYPE_CHECKING:
    from codemods.keyless import KeylessMigration

SKIP = "skip"

KEY_CREDENTIAL = "azure.core.credentials.AzureKeyCredential"
# azure-identity credentials (sync and aio) are TokenCredentials: already keyless.
_IDENTITY = re.compile(r"^azure\.identity(\.aio)?\.[A-Za-z]+Credential$")
# GitHub Models speaks the azure-ai-inference protocol with a GitHub token.
_GITHUB_MODELS = re.compile(r"models\.inference\.ai\.azure\.com|models\.github\.ai", re.IGNORECASE)
_GITHUB_TOKEN = re.compile(r"GITHUB_TOKEN|GH_TOKEN|github", re.IGNORECASE)
# An endpoint the code names after Azure OpenAI (AZURE_OPENAI_ENDPOINT, settings.aoai_endpoint).
_OPENAI_NAME = re.compile(r"openai|aoai", re.IGNORECASE)

# Names whose use in a module shows that autogen components are serialized.
SERIALIZATION_NAMES = frozenset({"dump_component", "component_config", "_to_config"})


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reason: str


def decide(
    migration: KeylessMigration, spec: ClientSpec, call: cst.Call, present: dict[str, cst.Arg]
) -> str | Verdict | None:
    hook = _HOOKS.get(spec.hook or "")
    return hook(migration, spec, call, present) if hook else None


def _source(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


# -- azure-ai-inference and azure-search-documents ---------------------------------------------
def _azure_sdk(
    migration: KeylessMigration, spec: ClientSpec, call: cst.Call, present: dict[str, cst.Arg]
) -> str | Verdict | None:
    credential = present.get("credential")
    endpoint = present.get("endpoint")
    if spec.service == "openai":
        verdict = _inference_endpoint(migration, endpoint.value if endpoint else None, credential)
        if verdict is not None:
            return verdict
    if credential is None:
        return Verdict(MANUAL, "no credential argument is visible; pass a TokenCredential")
    kind = credential_kind(migration, credential.value)
    if kind == "key":
        return None
    if kind == "token":
        return Verdict(KEYLESS, "credential is already a TokenCredential")
    return Verdict(
        MANUAL,
        f"cannot tell whether `{_source(credential.value)}` is an AzureKeyCredential or a "
        "TokenCredential; if it is a key, pass the module's token credential instead",
    )


def credential_kind(migration: KeylessMigration, value: cst.BaseExpression, depth: int = 0) -> str:
    """``key`` (an AzureKeyCredential), ``token`` (an azure-identity credential) or ``unknown``."""
    if isinstance(value, cst.Name) and depth < 3:
        assigned = migration.module_value(value.value)
        if assigned is not None:
            return credential_kind(migration, assigned, depth + 1)
        if value.value in migration.credential_names():
            return "token"
        return "unknown"
    if isinstance(value, cst.Call):
        names = qualified_names(migration, value.func)
        if KEY_CREDENTIAL in names or any(n.endswith(".AzureKeyCredential") for n in names):
            return "key"
        if any(_IDENTITY.match(n) for n in names):
            return "token"
    return "unknown"


def _inference_endpoint(
    migration: KeylessMigration, endpoint: cst.BaseExpression | None, credential: cst.Arg | None
) -> str | Verdict | None:
    """GitHub Models is left alone; only an endpoint shown to be Azure OpenAI is migrated."""
    credential_text = _source(credential.value) if credential is not None else ""
    if credential is not None and isinstance(credential.value, cst.Name):
        assigned = migration.module_value(credential.value.value)
        if assigned is not None:
            credential_text += " " + _source(assigned)
    if endpoint is None:
        return Verdict(
            REVIEW, "no endpoint is visible, so it is not clear this talks to Azure OpenAI"
        )
    literals, names = azure_endpoint.fragments(endpoint, migration.module_values())
    text = "".join(literals)
    if _GITHUB_MODELS.search(text) or _GITHUB_TOKEN.search(credential_text):
        return SKIP
    if azure_endpoint.classify(
        endpoint, migration.module_values()
    ) == azure_endpoint.AZURE or re.search(
        r"\.openai\.azure\.|\.cognitiveservices\.azure\.|\.services\.ai\.azure\.",
        text,
        re.IGNORECASE,
    ):
        return None
    if any(_OPENAI_NAME.search(n) for n in names):
        return None
    if literals and not names:
        return Verdict(
            REVIEW,
            "the endpoint is not an Azure OpenAI one (azure-ai-inference's own default scope "
            "may be right for it); left as it is",
        )
    return Verdict(
        REVIEW,
        "the code does not show whether this endpoint is Azure OpenAI (it could be a serverless "
        "model that only takes keys); left as it is",
    )


# -- litellm -----------------------------------------------------------------------------------
def _litellm(
    migration: KeylessMigration, spec: ClientSpec, call: cst.Call, present: dict[str, cst.Arg]
) -> str | Verdict | None:
    model = present.get("model")
    value = model.value if model is not None else None
    if isinstance(value, cst.Name):
        value = migration.module_value(value.value) or value
    if isinstance(value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
        text = _leading_text(value)
        if text is None:
            return _unclear(present)
        return None if text.startswith("azure/") else SKIP
    return _unclear(present)


def _leading_text(value: cst.BaseExpression) -> str | None:
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


# -- llama-index -------------------------------------------------------------------------------
def _llama_index(
    migration: KeylessMigration, spec: ClientSpec, call: cst.Call, present: dict[str, cst.Arg]
) -> str | Verdict | None:
    flag = present.get("use_azure_ad")
    on = flag is not None and isinstance(flag.value, cst.Name) and flag.value.value == "True"
    if on and not any(k in present for k in spec.key_args):
        return Verdict(KEYLESS, "use_azure_ad=True")
    return None


_HOOKS = {"azure_sdk": _azure_sdk, "litellm": _litellm, "llama_index": _llama_index}


def autogen_serializes(migration: KeylessMigration) -> bool:
    return bool(SERIALIZATION_NAMES & migration.names_in_module())


# -- keys that belong to the Search service, not to this code ------------------------------------
_SEARCH_DEFINITIONS = (
    "AzureOpenAIVectorizerParameters",
    "AzureOpenAIParameters",
    "AzureOpenAIEmbeddingSkill",
)


def search_definition_key(migration: KeylessMigration, call: cst.Call) -> str | None:
    """A message when ``call`` puts an Azure OpenAI key into a Search index/skillset definition.

    That key is stored in the index and used by the Search service itself (to vectorize queries
    or documents), not by this program: the keyless form is to leave ``api_key`` out so the
    service uses its managed identity (or ``auth_identity=``), which needs its own role on the
    Azure OpenAI resource. That is a deployment change, so the code is left as it is.
    """
    if not any(a.keyword is not None and a.keyword.value == "api_key" for a in call.args):
        return None
    names = qualified_names(migration, call.func)
    hit = next(
        (
            n
            for n in names
            if n.startswith("azure.search.documents")
            and n.rsplit(".", 1)[-1] in _SEARCH_DEFINITIONS
        ),
        None,
    )
    if hit is None:
        return None
    return (
        f"{hit.rsplit('.', 1)[-1]}(api_key=...) stores an Azure OpenAI key in the Search index "
        "definition, for the Search service to use: left as it is. To go keyless, drop api_key "
        "so the service uses its managed identity (or set auth_identity=), and give that identity "
        "Cognitive Services OpenAI User on the Azure OpenAI resource"
    )
