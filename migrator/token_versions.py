"""The first release of each SDK whose client takes the token argument the migration writes.

A project that pins an SDK to a release before it cannot run the migrated code: langchain
0.0.344's ``AzureChatOpenAI`` types ``azure_ad_token_provider`` as a string (a provider fails its
validation), openai 0.x has no ``AzureOpenAI`` at all. Where the project's declared constraint
excludes every release from the first one on, the file is left as it is and the minimum is
reported (``RULE``); where the constraint only lacks that lower bound, the dependency step
raises it (``needs``). ``packaging`` reads the constraints (``migrator.versions``).

Each minimum was read in the released wheels of the package (the first release whose class
declares the argument with a callable type):

* openai ``AzureOpenAI`` / ``AsyncAzureOpenAI``: 1.0.0 (0.x has no such class); ``OpenAI`` with a
  callable ``api_key``: 1.106.0;
* langchain (the package itself): ``AzureChatOpenAI`` and ``llms.AzureOpenAI`` 0.0.346 (0.0.344
  types it ``str``; 0.0.345 is not on PyPI); ``AzureOpenAIEmbeddings`` 0.1.0 (its own class is
  ``str`` up to 0.0.349, then it re-exports langchain-community, which 0.1.0 requires at
  0.0.9 or later); both pass the provider only to openai 1.x;
* langchain-community: ``llms.AzureOpenAI`` 0.0.2, ``AzureOpenAIEmbeddings`` 0.0.4 (chat: every
  release); openai 1.x as above;
* langchain-openai: every release takes ``azure_ad_token_provider``;
  ``azure_ad_async_token_provider`` from 0.2.4;
* llama-index-llms-azure-openai 0.1.6, llama-index-embeddings-azure-openai 0.1.7;
* haystack-ai 2.13.0 (2.12 has ``azure_ad_token`` only);
* semantic-kernel (every release on PyPI, 1.0.0 on) and autogen-ext (every release with the
  class) take it: no floor. litellm: not checked here, no floor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from codemods.findings import MANUAL, MIGRATED, ClientRecord, Notice
from migrator.versions import decide

RULE = "token-argument-version"  # described in migrator.formats.RULES


@dataclass(frozen=True)
class Floor:
    distribution: str  # normalized
    minimum: str
    what: str  # the argument, for the message


_OPENAI_V1 = Floor("openai", "1.0.0", "openai.AzureOpenAI (azure_ad_token_provider)")
_LC = "langchain_community"
_BY_LABEL: dict[str, tuple[Floor, ...]] = {
    "openai.AzureOpenAI": (_OPENAI_V1,),
    "openai.AsyncAzureOpenAI": (_OPENAI_V1,),
    "openai.OpenAI": (Floor("openai", "1.106.0", "OpenAI(api_key=<token provider>)"),),
    "openai.AsyncOpenAI": (Floor("openai", "1.106.0", "OpenAI(api_key=<token provider>)"),),
    "llama_index.llms.azure_openai.AzureOpenAI": (
        Floor("llama-index-llms-azure-openai", "0.1.6", "AzureOpenAI(azure_ad_token_provider=)"),
    ),
    "llama_index.embeddings.azure_openai.AzureOpenAIEmbedding": (
        Floor(
            "llama-index-embeddings-azure-openai",
            "0.1.7",
            "AzureOpenAIEmbedding(azure_ad_token_provider=)",
        ),
    ),
}
for _path in (
    "generators.chat.AzureOpenAIChatGenerator",
    "generators.AzureOpenAIGenerator",
    "embedders.AzureOpenAITextEmbedder",
    "embedders.AzureOpenAIDocumentEmbedder",
):
    _name = _path.rsplit(".", 1)[1]
    _BY_LABEL[f"haystack.components.{_path}"] = (
        Floor("haystack-ai", "2.13.0", f"{_name}(azure_ad_token_provider=)"),
    )
# The legacy classes: one label for ``langchain.X`` and ``langchain_community.X``; which
# package the code imports decides which floor applies.
_LEGACY = {
    f"{_LC}.chat_models.AzureChatOpenAI": ("0.0.346", None),
    f"{_LC}.llms.AzureOpenAI": ("0.0.346", "0.0.2"),
    f"{_LC}.embeddings.AzureOpenAIEmbeddings": ("0.1.0", "0.0.4"),
}
_IMPORTS_LANGCHAIN = re.compile(rb"\b(from|import)\s+langchain(\.| import\b)")
_ASYNC_ARG = "azure_ad_async_token_provider"


def floors(record: ClientRecord, source: bytes | None) -> tuple[Floor, ...]:
    """The releases a migrated client needs, read from its class and its module's imports
    (``source``; None: both legacy packages count)."""
    label = record.cls
    if label.startswith("langchain_openai."):
        if _ASYNC_ARG in record.reason:
            return (
                Floor("langchain-openai", "0.2.4", f"{label.rsplit('.', 1)[1]}({_ASYNC_ARG}=)"),
            )
        return ()
    if label in _LEGACY:
        own, community = _LEGACY[label]
        found = [_OPENAI_V1]
        if source is None or _IMPORTS_LANGCHAIN.search(source):
            found.append(
                Floor("langchain", own, f"{label.rsplit('.', 1)[1]}(azure_ad_token_provider=)")
            )
        if community is not None and (source is None or _LC.encode() in source):
            found.append(
                Floor(
                    "langchain-community",
                    community,
                    f"{label.rsplit('.', 1)[1]}(azure_ad_token_provider=)",
                )
            )
        return tuple(found)
    return _BY_LABEL.get(label, ())


@dataclass(frozen=True)
class Pin:
    """One declared constraint: the distribution, as written, and where."""

    name: str
    spec: str
    flavor: str
    file: str  # the dependency file's name


def excluding(floor: Floor, pins: list[Pin]) -> Pin | None:
    """The declared constraint that rules out every release from ``floor.minimum`` on."""
    for pin in pins:
        if pin.name == floor.distribution:
            if decide(pin.spec, pin.flavor, floor.minimum).kind == "excluded":
                return pin
    return None


def shown(pin: Pin) -> str:
    spec = pin.spec.strip()
    return f"{pin.name}{spec if spec[:1] in '<>=!~^' else ' ' + spec}".rstrip()


def held(
    clients: tuple[ClientRecord, ...], source: bytes, pins: list[Pin]
) -> tuple[tuple[ClientRecord, ...], list[Notice]] | None:
    """The file's client records and notices once the file is left as it is, when a pin excludes
    what a migrated client needs; None when nothing does."""
    blocked: list[tuple[ClientRecord, str, str]] = []  # (client, why, the raises to make)
    for record in clients:
        if record.outcome != MIGRATED:
            continue
        found = [(f, p) for f in floors(record, source) if (p := excluding(f, pins)) is not None]
        if found:
            why = "; ".join(
                f"{p.file} declares {shown(p)}, and {f.what} needs {f.distribution} "
                f"{f.minimum} or later"
                for f, p in found
            )
            raises = ", ".join(f"{f.distribution}>={f.minimum}" for f, _ in found)
            blocked.append((record, why, raises))
    if not blocked:
        return None
    notices = [
        Notice(
            record.line,
            record.column,
            RULE,
            f"{record.cls} left as it is: {why}; raise the pin ({raises}), then run the "
            "migration again",
            "warning",
            record.cell,
        )
        for record, why, raises in blocked
    ]
    reasons = {id(record): f"left as it is: {why}" for record, why, _ in blocked}
    first = blocked[0][0]
    others = f"left with {first.cls} on line {first.line}, whose SDK is pinned too old"
    records = tuple(
        _manual(r, reasons.get(id(r), others)) if r.outcome == MIGRATED else r for r in clients
    )
    return records, notices


def _manual(record: ClientRecord, reason: str) -> ClientRecord:
    return replace(record, outcome=MANUAL, reason=reason)


def needs(clients: list[ClientRecord]) -> list[Floor]:
    """The floors of the migrated clients, for the dependency step to raise a declared lower
    bound (the module's imports are not known there: a legacy class counts both packages, and
    only a package the project declares is touched)."""
    out: dict[Floor, None] = {}
    for record in clients:
        if record.outcome == MIGRATED:
            out.update(dict.fromkeys(floors(record, None)))
    return list(out)
