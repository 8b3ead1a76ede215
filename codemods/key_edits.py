"""Apply the key clean-up's statement edits to the migrated tree.

Edits are keyed by the identity of statements of the migrated tree (what the migration's
traversal returned for each original statement). A removed statement's comment lines (the lines
above it) move to the statement after it; a block left empty gets ``pass``. An edit whose
statement is no longer in the tree, or whose ``make`` refuses the statement it finds, is not
applied, and ``applied`` says which were.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from codemods.guard_edits import REMOVE

Make = Callable[[cst.BaseStatement], list[cst.BaseStatement] | None]


class ApplyEdits(cst.CSTTransformer):
    def __init__(
        self, edits: dict[int, tuple[str, Make | None]], bodies: dict[int, int] | None = None
    ) -> None:
        super().__init__()
        self.edits = edits
        # A statement the credential setup gave new blank lines above (``with_changes``) is a new
        # object that shares its ``body`` with the one the edit was planned on.
        self.bodies = bodies or {}
        self.applied: set[int] = set()

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body, carry = self._body(original_node.body, updated_node.body)
        if not any(line.comment for line in carry):
            carry = []  # the blank line above a removed last statement would end the file
        return updated_node.with_changes(body=body, footer=[*carry, *updated_node.footer])

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body, carry = self._body(original_node.body, updated_node.body)
        if not body:
            body = [cst.SimpleStatementLine([cst.Pass()], leading_lines=carry)]
            carry = []
        return updated_node.with_changes(body=body, footer=[*carry, *updated_node.footer])

    def _body(
        self, before: Sequence[cst.BaseStatement], after: Sequence[cst.BaseStatement]
    ) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        out: list[cst.BaseStatement] = []
        carry: list[cst.EmptyLine] = []
        if len(before) != len(after):
            return list(after), carry
        for old, new in zip(before, after, strict=True):
            key = id(old)
            if key not in self.edits:
                key = self.bodies.get(id(getattr(old, "body", None)), key)
            edit = self.edits.get(key)
            statements = [new]
            if edit is not None:
                action, make = edit
                made = [] if action == REMOVE else (make(new) if make is not None else None)
                if made is not None:
                    self.applied.add(key)
                    if not made and (
                        any(line.comment for line in new.leading_lines)
                        or not any(line.comment is None for line in carry)
                    ):
                        # Comments above a removed statement stay; so does the blank line that
                        # separated it from the code above, once.
                        carry.extend(new.leading_lines)
                    statements = made
            if statements and carry:
                first = statements[0]
                lines = carry
                if not any(line.comment for line in carry) and any(
                    line.comment is None for line in first.leading_lines
                ):
                    lines = []  # the statement has a blank line of its own
                statements[0] = first.with_changes(leading_lines=[*lines, *first.leading_lines])
                carry = []
            out.extend(statements)
        return out, carry
