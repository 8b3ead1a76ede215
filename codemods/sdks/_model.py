"""The data an SDK module declares (plain data and callables; no LibCST work happens here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PROVIDER = "provider"  # the token argument takes a bearer-token provider (a callable)
CREDENTIAL = "credential"  # the token argument takes an azure-core TokenCredential

# What a hook answers (see codemods/sdk_hooks.py): leave the call alone and record nothing...
SKIP = "skip"


@dataclass(frozen=True)
class Verdict:
    """...or record the call with this outcome and reason, and leave it as it is."""

    outcome: str
    reason: str


@dataclass(frozen=True)
class Aside:
    """...or leave the call alone, record no client, and give this notice: a look-alike the
    report should still name (GitHub Models: its key is a GitHub token, not an Azure key)."""

    rule: str
    message: str
    severity: str = "info"


# decide(migration, spec, call, present) -> SKIP | Aside | Verdict | None (None: migrate as usual).
Decide = Callable[[Any, "ClientSpec", Any, dict], "str | Aside | Verdict | None"]


@dataclass(frozen=True)
class Dependency:
    """A distribution the migrated code needs, at least at ``minimum``."""

    name: str  # normalized distribution name
    minimum: str
    why: str
    add_if_missing: bool = True  # False: only a lower bound already declared is raised


@dataclass(frozen=True)
class ClientSpec:
    sdk: str
    label: str  # the public name shown in reports
    names: tuple[str, ...]  # every qualified name the class is importable under
    is_async: bool = False
    service: str = "openai"
    key_args: tuple[str, ...] = ("api_key",)
    keyless_args: tuple[str, ...] = ("azure_ad_token_provider",)
    static_token_args: tuple[str, ...] = ("azure_ad_token",)
    token_arg: str = "azure_ad_token_provider"
    supplies: str = PROVIDER
    # Extra keyword arguments written with the token argument: (name, source template).
    # Templates may use {scope}.
    extra_args: tuple[tuple[str, str], ...] = ()
    # With none of its credential arguments, the class reads a key from the environment.
    reads_env_key: bool = True
    endpoint_args: tuple[str, ...] = ("azure_endpoint", "base_url", "endpoint")
    # openai.OpenAI / AsyncOpenAI: only an Azure client when its base_url says so.
    needs_azure_base_url: bool = False
    # The token argument of the key-style parameter itself (v1: api_key=<provider>).
    token_replaces_key_in_place: bool = False
    # Names of the leading positional parameters, so a key passed positionally is found
    # (SearchClient's credential is its third).
    positional: tuple[str, ...] = ()
    # Arguments written with the token argument whose existing value is replaced, not kept
    # (llama-index's use_azure_ad=False must become True).
    set_args: tuple[tuple[str, str], ...] = ()
    # Arguments added only for a sovereign cloud; templates may use {audience}.
    cloud_args: tuple[tuple[str, str], ...] = ()
    # Methods that, called on the object, show it is used from async code; and the argument
    # that then takes an async provider as well (langchain). Without that argument the one
    # token argument gets an async provider instead of a sync one (haystack's Responses).
    async_use_methods: tuple[str, ...] = ()
    async_token_arg: str | None = None
    # ``api_key=None`` switches off the class's own environment lookup (haystack's Secret).
    none_key_means_no_key: bool = False
    # Behaviour that data cannot express, as callables (never looked up by name).
    decide: Decide | None = field(default=None, compare=False)
    # autogen: whether the module serializes components (then the provider must be one that can).
    serializes: Callable[[Any], bool] | None = field(default=None, compare=False)
    # Notices every migration of this class carries: (rule, message, severity).
    notes: tuple[tuple[str, str, str], ...] = ()
    # Notes for a client that already passes a token, when they differ from ``notes``.
    keyless_notes: tuple[tuple[str, str, str], ...] | None = None
    # The role (a key of migrator.roles.ROLES) a client gets when its calls are not visible;
    # None: its service's base role.
    default_role: str | None = None
    # The variable the class reads its endpoint from when none is passed (groups role evidence).
    endpoint_env: str | None = None
    # Dependencies the migrated code needs when a client of this class is migrated.
    needs: tuple[Dependency, ...] = ()
    # Set from the callables: the SDK's name when it has any, else None. Kept for the callers
    # that ask whether a spec has behaviour beyond its data.
    hook: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.decide is not None or self.serializes is not None:
            object.__setattr__(self, "hook", self.sdk)


@dataclass(frozen=True)
class RoleRule:
    """A call chain pattern (``re.match``) and the role it needs; the first match wins."""

    service: str
    pattern: str
    role: str  # a key of migrator.roles.ROLES
    basis: str  # "documented" or "unverified"


@dataclass(frozen=True)
class Rule:
    """A notice the SDK's migrations can give: its id, a one-line description and its level."""

    id: str
    description: str
    level: str = "warning"  # error | warning | note


@dataclass(frozen=True)
class Valid:
    """Code the migration leaves byte for byte as it is."""

    code: str
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Invalid:
    """Code the migration rewrites, and the whole expected result."""

    code: str
    expected: str
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sdk:
    """Everything the tool knows about one SDK. Each module of ``codemods.sdks`` defines one, as
    ``SDK``; nothing else lists SDKs."""

    name: str
    specs: tuple[ClientSpec, ...]
    # Environment variables the SDK reads a key from, by exact name, and as patterns
    # (``re.fullmatch``).
    key_env_names: tuple[str, ...] = ()
    key_env_patterns: tuple[str, ...] = ()
    # Words (besides the class names) whose presence in a file's bytes may mean work, each with
    # the words one of which such a file also holds (the prefilter's anchors).
    trigger_words: tuple[str, ...] = ()
    # A file building one of these clients holds one of these bytes; empty: derived from the
    # class names (see codemods.sdks.anchors_for).
    anchors: tuple[bytes, ...] = ()
    # Names whose mention makes a top-level statement worth keeping in a slice.
    seed_names: tuple[str, ...] = ()
    # Call-to-role table, per service.
    roles: tuple[RoleRule, ...] = ()
    # Method names: a bound method of a client passed away counts as a call when its chain ends
    # in one of these.
    call_leaves: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    examples: tuple[Valid | Invalid, ...] = ()
    # Functions, not classes (litellm.completion): found by the module's name in the bytes.
    function_targets: bool = False
    # False: the SDK has no way to take the tool's credential, so its clients are only reported
    # (its examples are all Valid).
    rewrites: bool = True
