"""Client calls a ``# aoai-migrate: ignore`` comment leaves as they are.

The run finds the comments (``migrator.suppressions``) and passes their lines in
``MigrationOptions.suppressed_lines``. A call is left byte-identical when a comment is on the line
its finding points at (the line the call starts on, where ruff expects a ``noqa``) or on the line
of one of its key arguments. It is recorded as left, with a marker notice naming the comment's
line, which the run consumes: the comment was used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the run imports this module before it knows it needs LibCST
    import libcst as cst

    from codemods.module_state import ModuleState
    from codemods.targets import ClientSpec

REASON = "left as it is: an aoai-migrate suppression comment is on its line"
# The marker notice's rule: never reported (``migrator.suppressions`` removes it).
USED = "suppression-used"


def suppressed_line(state: ModuleState, spec: ClientSpec, call: cst.Call) -> int | None:
    """The line of the comment that leaves ``call`` as it is, or None."""
    from codemods import call_args

    lines = set(state.options.suppressed_lines)
    if not lines:
        return None
    start = state.position(call).line
    if start in lines:
        return start
    present = call_args.present(spec, call.args)
    for name in spec.key_args:
        if name in present:
            line = state.position(call.args[present[name]]).line
            if line in lines:
                return line
    return None
