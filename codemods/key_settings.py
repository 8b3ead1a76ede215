"""Key settings litellm reads besides its arguments, written in a module that calls it.

litellm takes the key for an ``azure/`` model from ``api_key=``, else ``litellm.api_key``, else
``litellm.azure_key``, else the environment (``AZURE_OPENAI_API_KEY``, ``AZURE_API_KEY``), and
passes it next to ``azure_ad_token_provider`` (openai 3.x rejects the two together; earlier
ones send the key). So once the module's litellm calls take the token provider, these writes
keep the key in use::

    os.environ["AZURE_API_KEY"] = subscription_key
    litellm.azure_key = os.getenv("AZURE_OPENAI_API_KEY")

A write goes (and what fed it, through the key clean-up) only when every litellm call of the
module takes the token provider now, every other client of the module too (the environment
variables are read by openai's and other SDKs' clients as well), and its value reads nothing but
variables, literals, the environment or configuration. Otherwise it stays and is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from codemods.findings import KEYLESS, MIGRATED, ModuleOutcome
from codemods.key_plan import REMOVABLE, kind_of
from codemods.module_state import ModuleState
from codemods.resolve import qualified_names
from codemods.sdks.litellm import SDK as LITELLM

RULE_REMOVED = "litellm-key-setting-removed"
RULE_KEPT = "litellm-key-setting-kept"
ATTRIBUTES = frozenset({"litellm.api_key", "litellm.azure_key"})
ENV_NAMES = frozenset({"AZURE_API_KEY", "AZURE_OPENAI_API_KEY"})


@dataclass
class Setting:
    statement: cst.SimpleStatementLine
    value: cst.BaseExpression
    what: str  # how the report names it (never the value)
    function: cst.FunctionDef | None


@dataclass
class Settings:
    """The key writes of a module that calls litellm, and which of them can go."""

    removable: list[Setting] = field(default_factory=list)
    kept: list[tuple[Setting, str]] = field(default_factory=list)  # and why


class _Finder(cst.CSTVisitor):
    def __init__(self, state: ModuleState, functions: frozenset[str]) -> None:
        self.state = state
        self.functions = functions
        self.stack: list[cst.FunctionDef] = []
        self.settings: list[Setting] = []
        self.calls = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stack.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()

    def visit_Call(self, node: cst.Call) -> None:
        if qualified_names(self.state, node.func) & self.functions:
            self.calls += 1

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if len(node.body) != 1 or not isinstance(node.body[0], cst.Assign):
            return
        assign = node.body[0]
        if len(assign.targets) != 1:
            return
        what = self._target(assign.targets[0].target)
        if what is not None:
            function = self.stack[-1] if self.stack else None
            self.settings.append(Setting(node, assign.value, what, function))

    def _target(self, target: cst.BaseAssignTargetExpression) -> str | None:
        if isinstance(target, cst.Attribute):
            hit = qualified_names(self.state, target) & ATTRIBUTES
            return min(hit) if hit else None
        if (
            isinstance(target, cst.Subscript)
            and len(target.slice) == 1
            and isinstance(target.slice[0].slice, cst.Index)
            and isinstance(target.slice[0].slice.value, cst.SimpleString)
            and "os.environ" in qualified_names(self.state, target.value)
        ):
            name = target.slice[0].slice.value.evaluated_value
            return f'os.environ["{name}"]' if name in ENV_NAMES else None
        return None


def find(state: ModuleState, outcome: ModuleOutcome, module: cst.Module) -> Settings:
    found = Settings()
    litellm = [c for c in outcome.clients if c.sdk == LITELLM.name]
    if not any(c.outcome in (MIGRATED, KEYLESS) for c in litellm):
        return found  # no litellm call here takes a token: nothing makes these writes wrong
    # One more pass over the module, only in modules whose litellm calls take a token.
    functions = frozenset(n for spec in LITELLM.specs for n in spec.names)
    finder = _Finder(state, functions)
    module.visit(finder)
    left = [c for c in outcome.clients if c.outcome not in (MIGRATED, KEYLESS)]
    for setting in finder.settings:
        why = None
        if left:
            why = f"the client on line {left[0].line} still uses a key"
        elif finder.calls != len(litellm):
            why = "a litellm call of this module does not show an azure/ model"
        elif not _plain(state, setting.value):
            why = "its value is computed (removing it could remove other work)"
        if why is None:
            found.removable.append(setting)
        else:
            found.kept.append((setting, why))
    return found


def _plain(state: ModuleState, value: cst.BaseExpression) -> bool:
    if isinstance(value, (cst.Name, cst.Attribute)):
        return True
    return kind_of(state, value) in REMOVABLE - {"credential"}


def removed_message(setting: Setting) -> str:
    return (
        f"`{setting.what} = ...` was removed: litellm would read that key and pass it next to "
        "the token provider the module's litellm calls now take"
    )


def kept_message(setting: Setting, why: str) -> str:
    return (
        f"`{setting.what} = ...` keeps the key in use: litellm reads it and passes it next to "
        f"the token provider; it was kept because {why}. Remove it once no call needs the key"
    )
