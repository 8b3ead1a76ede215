"""Key variables a migrated module assigns and never reads, handed to the key clean-up.

``subscription_key = os.environ["AZURE_OPENAI_API_KEY"]`` left over from an earlier version of a
module whose client reads the environment itself (or is built another way) is read by nothing,
yet it raises ``KeyError`` at import once the key is gone from the environment. In a module the
run migrated, such a variable is a dropped key like the ones the rewritten arguments read: the
clean-up removes it (its checks, its imports) unless another module of the run imports it
(``migrator.key_importers`` keeps it then) or the module exports it.
"""

from __future__ import annotations

import libcst as cst

from codemods.findings import MIGRATED, ModuleOutcome
from codemods.key_conditions import literal
from codemods.key_facts import KeyFacts
from codemods.key_names import is_key_env_name
from codemods.key_plan import Dropped, kind_of
from codemods.key_reads import assigned
from codemods.module_state import ModuleState


def unread_key_targets(
    state: ModuleState, facts: KeyFacts, outcome: ModuleOutcome
) -> list[Dropped]:
    """The target of each single assignment, in a migrated module, of an Azure OpenAI key read
    from the environment to a name nothing in the module reads."""
    if not any(c.outcome == MIGRATED for c in outcome.clients):
        return []
    found: list[Dropped] = []
    for (scope_id, name), statement in facts.single.items():
        if facts.counts.get((scope_id, name)) != 1:
            continue
        target = assigned(statement)
        if target is None or not _reads_a_key(state, target[1]):
            continue
        if any(node is not target[0] for node, _ in facts.reads.get(name, ())):
            continue  # read somewhere in the module (any scope: a conservative test)
        scope = facts.scope_of.get(id(statement))
        function = scope if isinstance(scope, cst.FunctionDef) else None
        if scope is not None and function is None:
            continue  # a class attribute: read as ``self.NAME`` or ``Cls.NAME`` elsewhere
        found.append(Dropped(target[0], function))
    return found


def _reads_a_key(state: ModuleState, value: cst.BaseExpression) -> bool:
    if kind_of(state, value) != "env":
        return False
    if isinstance(value, cst.Call):
        first = value.args[0].value if value.args else None
    else:
        assert isinstance(value, cst.Subscript)
        index = value.slice[0].slice
        first = index.value if isinstance(index, cst.Index) else None
    name = literal(first) if first is not None else None
    return name is not None and is_key_env_name(name)
