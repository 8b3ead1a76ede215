"""Every SDK the tool knows: one module each in this package, found when it is imported.

A module whose name does not start with ``_`` is an SDK module and must define ``SDK`` (a
``codemods.sdks._model.Sdk``). Everything that depends on the set of SDKs (``codemods.targets``,
the byte prefilter, slicing seeds, key names, the role tables, the rule registry and its README
table, dependency needs, the contract and example tests) is derived from ``REGISTRY`` below;
adding an SDK is adding a module here.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from codemods.sdks._model import (
    CREDENTIAL,
    PROVIDER,
    SKIP,
    Aside,
    ClientSpec,
    Dependency,
    Invalid,
    RoleRule,
    Rule,
    Sdk,
    Valid,
    Verdict,
)

__all__ = [
    "CREDENTIAL", "PROVIDER", "SKIP", "Aside", "ClientSpec", "Dependency", "Invalid", "RoleRule",
    "Rule", "Sdk", "Valid", "Verdict", "REGISTRY",
]  # fmt: skip


def _discover() -> tuple[Sdk, ...]:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        sdk = getattr(module, "SDK", None)
        if not isinstance(sdk, Sdk):
            raise TypeError(f"{module.__name__} defines no SDK = Sdk(...)")
        found.append(sdk)
    return tuple(found)


REGISTRY: tuple[Sdk, ...] = _discover()

# -- derived tables ------------------------------------------------------------------------------

SPECS: tuple[ClientSpec, ...] = tuple(spec for sdk in REGISTRY for spec in sdk.specs)

# Most client classes have one of these in their name, or their package does: four scans of a
# file's bytes rule out nearly every file before the trigger words are looked for.
COMMON_ANCHORS = (b"zure", b"penAI", b"penai")


def anchors_for(spec: ClientSpec) -> set[bytes]:
    """Bytes one of which every file that builds ``spec``'s client holds: a common anchor in the
    class name or its package, else the package's own name."""
    out = set()
    for name in spec.names:
        root, cls = name.split(".", 1)[0].encode(), name.rsplit(".", 1)[-1].encode()
        out.add(next((a for a in COMMON_ANCHORS if a in cls or a in root), root))
    return out


def _trigger(sdk: Sdk, name: str) -> str:
    # Function targets (litellm.completion) are found by their module's name.
    return name.split(".", 1)[0] if sdk.function_targets else name.rsplit(".", 1)[-1]


EXTRA_TRIGGER_WORDS: tuple[str, ...] = tuple(w for sdk in REGISTRY for w in sdk.trigger_words)
TRIGGER_WORDS: tuple[bytes, ...] = tuple(
    sorted(
        {_trigger(sdk, n).encode() for sdk in REGISTRY for spec in sdk.specs for n in spec.names}
        | {w.encode() for w in EXTRA_TRIGGER_WORDS}
    )
)
ANCHORS: tuple[bytes, ...] = tuple(
    sorted(
        {a for sdk in REGISTRY for a in sdk.anchors}
        | {a for sdk in REGISTRY if not sdk.anchors for s in sdk.specs for a in anchors_for(s)}
    )
)
SEED_NAMES: frozenset[str] = frozenset(n for sdk in REGISTRY for n in sdk.seed_names)
CALL_LEAVES: frozenset[str] = frozenset(n for sdk in REGISTRY for n in sdk.call_leaves)

KEY_ENV_NAMES: frozenset[str] = frozenset(n for sdk in REGISTRY for n in sdk.key_env_names)
KEY_ENV_PATTERN = re.compile("|".join(f"(?:{p})" for sdk in REGISTRY for p in sdk.key_env_patterns))

# service -> its call-to-role rules, in the order declared (the first match wins).
ROLE_RULES: dict[str, tuple[RoleRule, ...]] = {}
for _sdk in REGISTRY:
    for _rule in _sdk.roles:
        ROLE_RULES[_rule.service] = (*ROLE_RULES.get(_rule.service, ()), _rule)

RULES: dict[str, tuple[Rule, str]] = {}  # rule id -> (rule, the SDK that declares it)
for _sdk in REGISTRY:
    for _r in _sdk.rules:
        if _r.id in RULES:
            raise ValueError(f"rule {_r.id} is declared by {RULES[_r.id][1]} and {_sdk.name}")
        RULES[_r.id] = (_r, _sdk.name)


def rules_table() -> str:
    """The README table of the rules the SDK modules declare."""
    lines = ["| rule | level | SDK | meaning |", "| --- | --- | --- | --- |"]
    for rule_id, (rule, sdk) in sorted(RULES.items()):
        lines.append(f"| `{rule_id}` | {rule.level} | {sdk} | {rule.description} |")
    return "\n".join(lines) + "\n"
