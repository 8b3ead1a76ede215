"""A project's own helper that reads a setting from the environment and stops when it is missing.

Real code often reads its settings through a small function of its own::

    def _get_env(name, *, default=None, required=True):
        value = os.environ.get(name, default)
        if required and not value:
            raise RuntimeError(f"Missing required environment variable: {name}")
        return value

    KEY = _get_env("AZURE_OPENAI_API_KEY")

Once the client no longer reads the key, such a read still stops the program when the variable
is gone. ``analyse`` says what a function is: a ``Helper`` when its first parameter names the
variable, its body reads the environment with it and raises when it is missing, and it does
nothing else (a docstring, the read, ``if ...: raise``, ``return`` of what it read); ``Unsure``
when it reads the environment with its first parameter but does more (logging, a Key Vault
lookup, decoding, ...): then nothing is changed and the read is reported (``RULE``).

``relax`` rewrites one call of a ``Helper`` so that it no longer raises: the keyword that turns
the requirement off (``required=False``; found from the body: a parameter every raise is
conditioned on), or else ``os.environ.get("NAME")`` (the value while the key is still set, None
once it is gone).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

RULE = "key-read-helper"
GET = frozenset({"os.getenv", "os.environ.get"})
ENVIRON = "os.environ"
# What names a call that may be a settings helper (``require_env``, ``get_required``,
# ``must_get_env``, ``env``); what is outside the run is then reported, never changed.
HELPER_NAME = re.compile(r"(?i)env|requir|must|mandatory")
NOT_HELPERS = ("haystack.",)  # ``Secret.from_env_var``: a deferred read, not a helper
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")

Qualified = Callable[[cst.CSTNode], set[str]]


@dataclass(frozen=True)
class Helper:
    name: str
    param: str  # its first parameter: the variable's name
    flag: str | None = None  # the keyword that turns the requirement off
    off: bool = False  # the value of ``flag`` that does
    default_off: bool = False  # the flag's default already turns it off
    plain: bool = True  # it returns what it read, unchanged (``os.environ.get`` can stand in)


@dataclass(frozen=True)
class Unsure:
    name: str
    why: str


class _Shape(Exception):
    """The body does something a helper does not."""


def env_name(call: cst.Call) -> str | None:
    """The variable a helper call reads: its first argument, a literal ``UPPER_CASE`` name."""
    if not call.args or call.args[0].keyword is not None or call.args[0].star:
        return None
    value = call.args[0].value
    if isinstance(value, cst.SimpleString):
        text = value.evaluated_value
        if isinstance(text, str) and ENV_NAME.match(text):
            return text
    return None


def looks_like_helper(call: cst.Call, qualified: set[str]) -> bool:
    """A call that reads a named variable through a function named like a settings helper."""
    last = last_name(call.func)
    return (
        env_name(call) is not None
        and bool(HELPER_NAME.search(last))
        and not any(q.startswith(NOT_HELPERS) for q in qualified)
    )


def last_name(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def defined(module: cst.Module, name: str, qualified: Qualified) -> Helper | Unsure | None:
    """What the module-level function ``name`` of ``module`` is (None: not defined here)."""
    found: list[cst.CSTNode] = []
    for statement in module.body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            if statement.name.value == name:
                found.append(statement)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets = small.targets if isinstance(small, cst.Assign) else ()
                if any(isinstance(t.target, cst.Name) and t.target.value == name for t in targets):
                    found.append(small)
        elif _binds(statement, name):  # bound in a block: if/try
            found.append(statement)
    if not found:
        return None
    if len(found) > 1:
        return Unsure(name, f"`{name}` is defined more than once in its module")
    if not isinstance(found[0], cst.FunctionDef):
        return Unsure(name, f"`{name}` is not a plain function")
    return analyse(found[0], qualified)


def _binds(statement: cst.CSTNode, name: str) -> bool:
    found = False

    class _V(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            nonlocal found
            found = found or node.name.value == name
            return False

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            nonlocal found
            found = found or (isinstance(node.target, cst.Name) and node.target.value == name)

    statement.visit(_V())
    return found


def analyse(fn: cst.FunctionDef, qualified: Qualified) -> Helper | Unsure | None:
    """A ``Helper``, ``Unsure`` (it reads the environment with its first parameter and does
    more), or None (it does not read the environment with its first parameter)."""
    name = fn.name.value
    params = [*fn.params.posonly_params, *fn.params.params]
    if not params:
        return None
    param = params[0].name.value
    if not _reads_env(fn.body, param, qualified):
        return None
    if fn.asynchronous is not None or fn.decorators:
        what = "async" if fn.asynchronous is not None else "decorated"
        return Unsure(
            name, f"`{name}` is {what}: the tool does not change what it cannot be sure of"
        )
    bools = {
        p.name.value: p.default.value == "True"
        for p in (*params[1:], *fn.params.kwonly_params)
        if isinstance(p.default, cst.Name) and p.default.value in ("True", "False")
    }
    try:
        guards, plain = _body(fn, param, qualified)
    except _Shape as shape:
        why = str(shape) or "it does more than read the environment"
        return Unsure(name, f"`{name}` {why}: the tool does not change what it cannot be sure of")
    if not guards:
        return None  # reads with ``.get`` and never raises: the variable is not required
    for flag, default in bools.items():
        signs = [_sign(test, flag) for test in guards]
        if all(s is not None for s in signs) and len(set(signs)) == 1:
            off = not signs[0]
            return Helper(name, param, flag, off, default == off, plain)
    return Helper(name, param, plain=plain)


def why_not(helper: Helper) -> str:
    """Why a call of ``helper`` was not rewritten (``relax`` gave None)."""
    if not helper.plain and helper.flag is None:
        return (
            f"`{helper.name}` changes the value it returns and has no parameter that turns the "
            "requirement off"
        )
    return f"the call of `{helper.name}` passes more than the variable's name"


def relax(call: cst.Call, helper: Helper, environ: cst.BaseExpression) -> cst.BaseExpression | None:
    """``call`` (of ``helper``) rewritten so that it does not raise once the variable is gone;
    the call itself when it does not raise anyway; None when the call's arguments say too
    little (a computed flag, more positional arguments than the name)."""
    name = env_name(call)
    if name is None:
        return None
    positional = [a for a in call.args if a.keyword is None]
    if len(positional) != 1 or any(a.star for a in call.args):
        return None
    if helper.flag is not None:
        given = [a for a in call.args if a.keyword is not None and a.keyword.value == helper.flag]
        if not given:
            if helper.default_off:
                return call
            last = call.args[-1].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
            flag = cst.Arg(
                cst.Name(str(helper.off)),
                keyword=cst.Name(helper.flag),
                equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
            )
            return call.with_changes(args=[*call.args[:-1], last, flag])
        value = given[0].value
        if not (isinstance(value, cst.Name) and value.value in ("True", "False")):
            return None
        args = [
            a.with_changes(value=cst.Name(str(helper.off))) if a is given[0] else a
            for a in call.args
        ]
        return call.with_changes(args=args)
    if len(call.args) != 1 or not helper.plain:
        return None
    return cst.Call(cst.Attribute(environ, cst.Name("get")), [cst.Arg(call.args[0].value)])


# -- the body -------------------------------------------------------------------------------------
def _is_read(node: cst.CSTNode, param: str, qualified: Qualified) -> str | None:
    """ "get" for ``os.getenv(param[, d])`` / ``os.environ.get(param[, d])``, "index" for
    ``os.environ[param]``, else None."""
    if isinstance(node, cst.Call) and qualified(node.func) & GET:
        first = node.args[0].value if node.args else None
        if isinstance(first, cst.Name) and first.value == param and len(node.args) <= 2:
            return "get"
    if isinstance(node, cst.Subscript) and ENVIRON in qualified(node.value):
        index = node.slice[0].slice if len(node.slice) == 1 else None
        if isinstance(index, cst.Index) and isinstance(index.value, cst.Name):
            return "index" if index.value.value == param else None
    return None


def _reads_env(body: cst.CSTNode, param: str, qualified: Qualified) -> bool:
    found = False

    class _V(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            nonlocal found
            found = found or _is_read(node, param, qualified) is not None
            return not found

    body.visit(_V())
    return found


def _body(
    fn: cst.FunctionDef, param: str, qualified: Qualified
) -> tuple[list[cst.BaseExpression | None], bool]:
    """The tests the raises are conditioned on (None: raises unconditionally, as
    ``os.environ[name]`` does), and whether it returns what it read unchanged."""
    statements = list(fn.body.body)
    if statements and _docstring(statements[0]):
        statements = statements[1:]
    holders: set[str] = set()
    guards: list[cst.BaseExpression | None] = []
    plain = True
    returned = False
    for statement in statements:
        if returned:
            raise _Shape("has code after its return")
        if isinstance(statement, cst.If) and statement.orelse is None:
            if not _raises(statement.body):
                raise _Shape("does more than read the environment")
            _check_names(statement.test, holders | {param, *_params(fn)})
            guards.append(statement.test)
            continue
        if isinstance(statement, cst.Try) and not statement.orelse and not statement.finalbody:
            inner = list(statement.body.body)
            if len(inner) != 1 or not all(
                _catches_key_error(h) and _raises(h.body) for h in statement.handlers
            ):
                raise _Shape("does more than read the environment")
            statement = inner[0]
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            raise _Shape("does more than read the environment")
        small = statement.body[0]
        if isinstance(small, (cst.Assign, cst.AnnAssign)):
            target = small.targets[0].target if isinstance(small, cst.Assign) else small.target
            if isinstance(small, cst.Assign) and len(small.targets) != 1:
                raise _Shape("does more than read the environment")
            value = small.value
            while (
                isinstance(value, cst.Call)
                and isinstance(value.func, cst.Attribute)
                and value.func.attr.value in _STRING_METHODS
                and not value.args
            ):
                value, plain = value.func.value, False  # ``.strip()``: a changed value
            kind = _is_read(value, param, qualified) if value is not None else None
            if not isinstance(target, cst.Name) or kind is None:
                raise _Shape("does more than read the environment")
            if kind == "index":
                guards.append(None)
            holders.add(target.value)
            continue
        if isinstance(small, cst.Return) and small.value is not None:
            value = small.value
            if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or):
                if not isinstance(value.right, (cst.SimpleString, cst.Name)):
                    raise _Shape("changes the value it returns")
                value = value.left  # ``value or ""``: the same while the variable is set
            kind = _is_read(value, param, qualified)
            if kind == "index":
                guards.append(None)
            elif not (isinstance(value, cst.Name) and value.value in holders) and kind is None:
                plain = False
                _check_names(value, holders | {param})
            returned = True
            continue
        raise _Shape("does more than read the environment")
    if not returned:
        raise _Shape("does not return what it read")
    return guards, plain


def _docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _raises(block: cst.BaseSuite) -> bool:
    body = block.body if isinstance(block, cst.IndentedBlock) else [block]
    return (
        len(body) == 1
        and isinstance(body[0], (cst.SimpleStatementLine, cst.SimpleStatementSuite))
        and len(body[0].body) == 1
        and isinstance(body[0].body[0], cst.Raise)
    )


def _catches_key_error(handler: cst.ExceptHandler) -> bool:
    return isinstance(handler.type, cst.Name) and handler.type.value == "KeyError"


def _params(fn: cst.FunctionDef) -> set[str]:
    p = fn.params
    return {x.name.value for x in (*p.posonly_params, *p.params, *p.kwonly_params)}


_STRING_METHODS = frozenset({"strip", "lstrip", "rstrip", "lower", "upper"})
_SAFE_CALLS = frozenset({"len", "isinstance", "str", "strip", "lower"})


def _check_names(test: cst.CSTNode, allowed: set[str]) -> None:
    """A test or returned value that reads only the function's own values (no other calls)."""

    class _V(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            last = (
                func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
            )
            if last not in _SAFE_CALLS:
                raise _Shape("does more than read the environment")

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Name(self, node: cst.Name) -> None:
            if node.value not in allowed | _SAFE_CALLS | {"None", "True", "False", "str"}:
                raise _Shape("does more than read the environment")

    test.visit(_V())


def _sign(test: cst.BaseExpression | None, flag: str) -> bool | None:
    """True when ``test`` is ``flag and ...`` (raises only when the flag is set), False when it
    is ``not flag and ...``, None when the flag does not condition it so."""
    if test is None:
        return None
    terms = _conjuncts(test)
    for term in terms:
        if isinstance(term, cst.Name) and term.value == flag:
            return True
        if (
            isinstance(term, cst.UnaryOperation)
            and isinstance(term.operator, cst.Not)
            and isinstance(term.expression, cst.Name)
            and term.expression.value == flag
        ):
            return False
    return None


def _conjuncts(test: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return [*_conjuncts(test.left), *_conjuncts(test.right)]
    return [test]
