"""What the framework SDKs need beyond their data: dispatch to the callables their modules declare.

``decide`` is asked once per client construction (or litellm call) whose spec has a ``decide``
callable (``codemods/sdks/<sdk>.py``), before anything is changed. It answers:

* ``SKIP``: a look-alike (a litellm call to another provider): left as it is, nothing recorded;
* an ``Aside``: a look-alike the report names (GitHub Models behind azure-ai-inference): left
  as it is, no client recorded, the notice given;
* a ``Verdict``: recorded with that outcome and reason, left as it is;
* ``None``: go on with the ordinary migration.

Every hook reads the original node (metadata lives there) and never changes anything. The
callables are attributes of the spec, not names looked up in a table, so a spec cannot name a
hook that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from codemods.sdks import SKIP, Aside, ClientSpec, Verdict
from codemods.sdks._azure_core import KEY_CREDENTIAL, credential_kind
from codemods.sdks.autogen import SERIALIZATION_NAMES
from codemods.sdks.azure_search import definition_key as search_definition_key

if TYPE_CHECKING:
    from codemods.hook_view import HookView

__all__ = [
    "KEY_CREDENTIAL", "SERIALIZATION_NAMES", "SKIP", "Aside", "Verdict", "autogen_serializes",
    "credential_kind", "decide", "search_definition_key",
]  # fmt: skip


def decide(
    migration: HookView, spec: ClientSpec, call: cst.Call, present: dict[str, cst.Arg]
) -> str | Aside | Verdict | None:
    return spec.decide(migration, spec, call, present) if spec.decide is not None else None


def autogen_serializes(migration: HookView) -> bool:
    """Whether the module serializes components (asked for specs with a ``serializes`` hook)."""
    from codemods.sdks.autogen import serializes

    return serializes(migration)
