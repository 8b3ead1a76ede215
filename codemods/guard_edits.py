"""Statements that insist on a key the migration made unused, and what becomes of them.

``plan`` looks at one statement (an original node) and, when it checks the key in a shape it
knows, returns an ``Edit``: remove the statement, give it a test without the key, or (a
condition that only required the key around the code building the client) put its body in its
place. The endpoint checks stay. Shapes:

* ``if not KEY: raise``, ``if len(key) == 0: sys.exit()``, ``if not KEY or not ENDPOINT:``,
  ``if not all([KEY, ENDPOINT]):``, ``if "K" not in os.environ:``, ``if any(not os.getenv(v)
  for v in ("K", "E")):``;
* ``if Config.KEY and Config.ENDPOINT: client = ...`` (the body builds a migrated client);
* ``assert KEY``, ``assert "K" in os.environ, "..."``;
* ``os.environ["K"]`` as a statement of its own;
* ``for var in ["K", "E"]: if var not in os.environ: raise``;
* ``missing = [v for v in ("K", "E") if not os.getenv(v)]``;
* ``REQUIRED = ("K", "E")`` at module level, read only by checks of the shapes above that go
  through its names (``codemods.key_plan`` edits the assignment).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from codemods.key_conditions import EMPTY, KeyTerms

REMOVE, REPLACE = "remove", "replace"
UNWRAPPED = "a condition that tested only the key around the client"
_EXITS = frozenset({"sys.exit", "os._exit", "builtins.exit", "builtins.quit"})

Make = Callable[[cst.BaseStatement], list[cst.BaseStatement] | None]


@dataclass
class Edit:
    statement: cst.BaseStatement  # the original statement
    action: str  # REMOVE, or REPLACE with what ``make`` gives for the updated statement
    make: Make | None
    operands: list[cst.CSTNode] = field(default_factory=list)  # the key expressions removed
    what: str = ""  # for the report


def plan(
    statement: cst.BaseStatement, terms: KeyTerms, builds_client: Callable[[cst.CSTNode], bool]
) -> Edit | None:
    terms.operands = []
    edit = _plan(statement, terms, builds_client)
    if edit is not None:
        edit.operands = list(terms.operands)
    return edit


def _plan(
    statement: cst.BaseStatement, terms: KeyTerms, builds_client: Callable[[cst.CSTNode], bool]
) -> Edit | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        return _small(statement, statement.body[0], terms)
    if isinstance(statement, cst.If):
        return _if(statement, terms, builds_client)
    if isinstance(statement, cst.For):
        return _for(statement, terms)
    return None


def _small(
    statement: cst.SimpleStatementLine, small: cst.BaseSmallStatement, terms: KeyTerms
) -> Edit | None:
    if isinstance(small, cst.Assert):
        new = terms.present(small.test)
        if new is EMPTY:
            return Edit(statement, REMOVE, None, what="an assert that the key is set")
        if new is not None:
            line = statement.with_changes(body=[small.with_changes(test=new)])
            return Edit(statement, REPLACE, unchanged(statement, line), what="the assert")
        return None
    if isinstance(small, cst.Expr) and terms.env_name(small.value) in terms.env:
        terms.operands.append(small.value)
        return Edit(statement, REMOVE, None, what="a read of the key's variable as a check")
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        seq = terms.names_checked(small.value, terms._absent, element=True)
        if seq is None:
            return None
        new = terms.drop(seq, terms.is_key_literal)
        if new is None:
            return None
        if new is EMPTY:
            new = seq.with_changes(elements=[])
        line = statement.deep_replace(seq, new)
        return Edit(
            statement,
            REPLACE,
            unchanged(statement, line),  # type: ignore[arg-type]
            what="the list of variables checked",
        )
    return None


def _if(
    statement: cst.If, terms: KeyTerms, builds_client: Callable[[cst.CSTNode], bool]
) -> Edit | None:
    qualified = terms.qualified
    if _stops(statement.body, qualified):
        new = terms.missing(statement.test)
        if new is EMPTY and statement.orelse is None:
            return Edit(statement, REMOVE, None, what="a check that the key is set")
        if new is not None and new is not EMPTY:
            return Edit(statement, REPLACE, _new_test(statement, new), what="the check")
        return None
    if not builds_client(statement.body):
        return None
    new = terms.present(statement.test)
    if new is None:
        return None
    if new is not EMPTY:
        return Edit(
            statement, REPLACE, _new_test(statement, new), what="the condition around the client"
        )
    orelse = statement.orelse
    if orelse is None or (isinstance(orelse, cst.Else) and _stops(orelse.body, qualified)):
        return Edit(
            statement,
            REPLACE,
            _unwrap(statement),
            what="the condition around the client (it tested only the key; its body stays)",
        )
    return None


def _for(statement: cst.For, terms: KeyTerms) -> Edit | None:
    """``for v in ("K", "E"): if v not in os.environ: raise``."""
    if statement.orelse is not None or not isinstance(statement.target, cst.Name):
        return None
    seq = statement.iter
    if not isinstance(seq, (cst.List, cst.Tuple, cst.Set, cst.Name)):
        return None
    variable = statement.target.value
    body = statement.body.body if isinstance(statement.body, cst.IndentedBlock) else ()
    if not body:
        return None

    def reads(node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name) and node.value == variable:
            return True
        return terms.env_name(node, variable) is not None

    for inner in body:
        if not (
            isinstance(inner, cst.If)
            and inner.orelse is None
            and _stops(inner.body, terms.qualified)
            and terms._absent(inner.test, reads)
        ):
            return None
    if isinstance(seq, cst.Name):
        terms.named.append(seq)  # ``for v in REQUIRED``: the assignment of REQUIRED is edited
        return None
    new = terms.drop(seq, terms.is_key_literal)
    if new is None:
        return None
    if new is EMPTY:
        return Edit(statement, REMOVE, None, what="a loop checking only the key's variable")

    def make(updated: cst.BaseStatement) -> list[cst.BaseStatement] | None:
        if not isinstance(updated, cst.For) or not updated.iter.deep_equals(seq):
            return None
        return [updated.with_changes(iter=new)]

    return Edit(statement, REPLACE, make, what="the list of variables checked")


# -- making the new statement from the updated one ------------------------------------------------
def unchanged(original: cst.BaseStatement, new: cst.BaseStatement) -> Make:
    def make(updated: cst.BaseStatement) -> list[cst.BaseStatement] | None:
        return [new] if updated.deep_equals(original) else None

    return make


def _new_test(original: cst.If, test: cst.BaseExpression) -> Make:
    def make(updated: cst.BaseStatement) -> list[cst.BaseStatement] | None:
        if not isinstance(updated, cst.If) or not updated.test.deep_equals(original.test):
            return None
        return [updated.with_changes(test=test)]

    return make


def _unwrap(original: cst.If) -> Make:
    def make(updated: cst.BaseStatement) -> list[cst.BaseStatement] | None:
        if not isinstance(updated, cst.If) or not updated.test.deep_equals(original.test):
            return None
        body = updated.body
        if isinstance(body, cst.IndentedBlock):
            statements: list[cst.BaseStatement] = list(body.body)
        else:
            statements = [cst.SimpleStatementLine(body=list(body.body))]
        if not statements:
            return None
        first = statements[0]
        statements[0] = first.with_changes(
            leading_lines=[*updated.leading_lines, *first.leading_lines]
        )
        return statements

    return make


def _stops(body: cst.BaseSuite, qualified: Callable[[cst.CSTNode], set[str]]) -> bool:
    """Whether a block ends in a raise or an exit of the program (and does nothing else that
    would be lost with it but printing or logging)."""
    lines: list[cst.BaseSmallStatement] = []
    if isinstance(body, cst.SimpleStatementSuite):
        lines = list(body.body)
    else:
        for stmt in body.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                return False
            lines.extend(stmt.body)
    if not lines:
        return False
    last = lines[-1]
    for small in lines[:-1]:
        if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
            return False  # an assignment, a return: more than a check
    if isinstance(last, cst.Raise):
        return True
    if isinstance(last, cst.Expr) and isinstance(last.value, cst.Call):
        func = last.value.func
        return bool(qualified(func) & _EXITS) or (
            isinstance(func, cst.Name) and func.value in ("exit", "quit")
        )
    return False
