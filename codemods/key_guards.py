"""Code that insists on the API key: reported as a follow-up, never changed here.

(The checks on a key the migration made unused in the module are removed or rewritten by the key
clean-up, ``codemods.key_cleanup``, which reports them itself; this visitor's reports of those
are dropped.)

Once the clients use a token provider the key is not needed, but a check for it still stops
the program as soon as the key is removed from the environment:

* ``if not api_key: raise ...`` / ``if "AZURE_OPENAI_API_KEY" not in os.environ: sys.exit(...)``
* ``assert os.environ["AZURE_OPENAI_API_KEY"]`` / ``assert api_key is not None``
* ``os.environ["AZURE_OPENAI_API_KEY"]`` read outside a key argument (``KeyError`` once unset)

What counts as "the key": an environment variable with a key's name (``codemods.key_names``),
an attribute named like one (``settings.AZURE_OPENAI_API_KEY``), or a name this module passes as
a client's key argument (only when one of its clients was migrated).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.codemod import ContextAwareVisitor
from libcst.metadata import CodeRange, PositionProvider, QualifiedNameProvider

from codemods.findings import Notice
from codemods.key_conditions import is_empty_value, literal
from codemods.key_names import is_key_env_name
from codemods.resolve import client_spec, dotted, qualified_names

RULE_GUARD = "key-guard"
RULE_READ = "key-read"

_GETENV = frozenset({"os.getenv", "os.environ.get"})
_EXITS = frozenset({"sys.exit", "os._exit", "builtins.exit", "builtins.quit"})


@dataclass(frozen=True)
class _Subject:
    text: str  # the variable or expression checked
    env: bool  # an environment variable name

    @property
    def shown(self) -> str:
        return self.text if not self.env else f"the environment variable {self.text}"


@dataclass(frozen=True)
class _Finding:
    line: int
    column: int
    rule: str
    subjects: tuple[_Subject, ...]  # what the code checks; one of them must be the key
    message: str  # with ``{subject}`` where the key goes


class KeyGuardVisitor(ContextAwareVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._findings: list[_Finding] = []
        self._key_args: set[str] = set()
        self._key_ranges: list[CodeRange] = []
        self._skip: set[int] = set()  # environ subscripts already covered, or assigned to

    # -- what this module passes as a key ----------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        spec = client_spec(self, node)
        if spec is None:
            return
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in spec.key_args:
                text = dotted(arg.value)
                if text is not None:
                    self._key_args.add(text)
                self._key_ranges.append(self.get_metadata(PositionProvider, arg.value))

    # -- the three patterns ------------------------------------------------------------------
    def visit_If(self, node: cst.If) -> None:
        subjects = self._missing(node.test)
        if subjects and self._stops(node.body):
            test = cst.Module([]).code_for_node(node.test).replace("{", "{{").replace("}", "}}")
            self._add(
                node,
                RULE_GUARD,
                subjects,
                f"`if {_short(test)}:` stops the program when {{subject}} is not set; "
                "keyless clients do not use the key: remove this check before removing the key",
            )
            self._cover(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        subjects = self._present(node.test)
        if subjects:
            self._add(
                node,
                RULE_GUARD,
                subjects,
                "this assert requires {subject} to be set; keyless clients do not use the key: "
                "remove it before removing the key",
            )
            self._cover(node.test)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._skip.add(id(node.target))

    def visit_Del(self, node: cst.Del) -> None:
        self._skip.add(id(node.target))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if id(node) in self._skip:
            return
        name = self._environ_item(node)
        if name is None or not is_key_env_name(name) or self._in_key_argument(node):
            return
        self._add(
            node,
            RULE_READ,
            (_Subject(name, True),),
            f'os.environ["{name}"] raises KeyError once {name} is removed from the environment: '
            "remove this read (or use os.getenv) when the key goes",
        )

    # -- results -----------------------------------------------------------------------------
    def notices(self, migrated: bool) -> list[Notice]:
        """The follow-ups; guards on a key argument's name only when a client was migrated."""
        out: list[Notice] = []
        for f in self._findings:
            key = next((s for s in f.subjects if self._about_a_key(s)), None)
            if key is None and migrated:
                key = next((s for s in f.subjects if s.text in self._key_args), None)
            if key is not None:
                out.append(Notice(f.line, f.column, f.rule, f.message.format(subject=key.shown)))
        return out

    # -- helpers -----------------------------------------------------------------------------
    def _add(
        self, node: cst.CSTNode, rule: str, subjects: tuple[_Subject, ...], message: str
    ) -> None:
        pos = self.get_metadata(PositionProvider, node).start
        self._findings.append(_Finding(pos.line, pos.column, rule, subjects, message))

    @staticmethod
    def _about_a_key(subject: _Subject) -> bool:
        last = subject.text.rsplit(".", 1)[-1]
        return is_key_env_name(last)

    def _cover(self, test: cst.BaseExpression) -> None:
        """Environment reads inside a reported test are part of that report."""
        skip = self._skip

        class _Mark(cst.CSTVisitor):
            def visit_Subscript(self, node: cst.Subscript) -> None:
                skip.add(id(node))

        test.visit(_Mark())

    def _in_key_argument(self, node: cst.CSTNode) -> bool:
        start = self.get_metadata(PositionProvider, node).start
        here = (start.line, start.column)
        return any(
            (r.start.line, r.start.column) <= here < (r.end.line, r.end.column)
            for r in self._key_ranges
        )

    def _is(self, node: cst.BaseExpression, names: frozenset[str]) -> bool:
        return bool(qualified_names(self, node) & names)

    def _environ_item(self, node: cst.BaseExpression) -> str | None:
        """``K`` of ``os.environ["K"]``."""
        if not isinstance(node, cst.Subscript) or not self._is(
            node.value, frozenset({"os.environ"})
        ):
            return None
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            return literal(node.slice[0].slice.value)
        return None

    def _subject(self, node: cst.BaseExpression) -> _Subject | None:
        name = self._environ_item(node)
        if (
            name is None
            and isinstance(node, cst.Call)
            and node.args
            and self._is(node.func, _GETENV)
        ):
            name = literal(node.args[0].value)
        if name is not None:
            return _Subject(name, True)
        text = dotted(node)
        return _Subject(text, False) if text is not None and "(" not in text else None

    def _missing(self, test: cst.BaseExpression) -> tuple[_Subject, ...]:
        """What a test is true for when it is missing: ``not k``, ``k is None``,
        ``"K" not in os.environ``."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return _one(self._subject(test.expression))
        if isinstance(test, cst.BooleanOperation):
            return self._missing(test.left) + self._missing(test.right)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            op, right = test.comparisons[0].operator, test.comparisons[0].comparator
            if isinstance(op, (cst.Is, cst.Equal)) and is_empty_value(right):
                return _one(self._subject(test.left))
            if isinstance(op, cst.NotIn) and self._is(right, frozenset({"os.environ"})):
                name = literal(test.left)
                return _one(_Subject(name, True) if name is not None else None)
        return ()

    def _present(self, test: cst.BaseExpression) -> tuple[_Subject, ...]:
        """What a test requires: ``k``, ``k is not None``, ``"K" in os.environ``."""
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
            return self._present(test.left) + self._present(test.right)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            op, right = test.comparisons[0].operator, test.comparisons[0].comparator
            if isinstance(op, (cst.IsNot, cst.NotEqual)) and is_empty_value(right):
                return _one(self._subject(test.left))
            if isinstance(op, cst.In) and self._is(right, frozenset({"os.environ"})):
                name = literal(test.left)
                return _one(_Subject(name, True) if name is not None else None)
            return ()
        return _one(self._subject(test))

    def _stops(self, body: cst.BaseSuite) -> bool:
        """Whether a block raises or exits the program."""
        lines: list[cst.BaseSmallStatement] = []
        if isinstance(body, cst.SimpleStatementSuite):
            lines = list(body.body)
        else:
            for stmt in body.body:
                if isinstance(stmt, cst.SimpleStatementLine):
                    lines.extend(stmt.body)
        for small in lines:
            if isinstance(small, cst.Raise):
                return True
            if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                func = small.value.func
                if self._is(func, _EXITS) or (
                    isinstance(func, cst.Name) and func.value in ("exit", "quit")
                ):
                    return True
        return False


def _one(subject: _Subject | None) -> tuple[_Subject, ...]:
    return () if subject is None else (subject,)


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."
