"""Shapes of settings classes and their constructions that ``codemods.settings_fields`` reads:
the calls a function returns, the argument of a construction that gives a field, a pydantic
class's ``env_prefix``."""

from __future__ import annotations

import libcst as cst


def returned_calls(function: cst.FunctionDef) -> list[str]:
    """Names called in the function body's own ``return Name(...)`` statements."""
    out = []
    for statement in function.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                value = small.value if isinstance(small, cst.Return) else None
                if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
                    out.append(value.func.value)
    return out


def field_arg(call: cst.Call, attr: str, cls: cst.ClassDef | None) -> cst.Arg | None:
    """The argument of ``call`` (a construction of ``cls``) that gives the field ``attr``: by
    keyword, or by position when ``cls`` declares all its fields itself (no base class)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == attr:
            return arg
    if cls is None or any(not isinstance(b.value, cst.Name) for b in cls.bases):
        return None
    if any(b.value.value not in ("NamedTuple", "object") for b in cls.bases):  # type: ignore
        return None
    fields = [
        small.target.value
        for statement in cls.body.body
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
        if isinstance(small, cst.AnnAssign)
        and isinstance(small.target, cst.Name)
        and "ClassVar" not in cst.Module([]).code_for_node(small.annotation.annotation)
    ]
    if attr not in fields:
        return None
    position = fields.index(attr)
    positional = []
    for arg in call.args:
        if arg.star:
            return None  # *args: the positions are not known
        if arg.keyword is None:
            positional.append(arg)
    return positional[position] if position < len(positional) else None


def env_prefix(cls: cst.ClassDef) -> str:
    """``env_prefix`` from ``model_config = SettingsConfigDict(...)`` or ``class Config``."""
    for statement in cls.body.body:
        found = None
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                    for arg in small.value.args:
                        if arg.keyword is not None and arg.keyword.value == "env_prefix":
                            found = arg.value
        elif isinstance(statement, cst.ClassDef) and statement.name.value == "Config":
            for inner in statement.body.body:
                if isinstance(inner, cst.SimpleStatementLine):
                    for small in inner.body:
                        targets = (
                            [t.target for t in small.targets]
                            if isinstance(small, cst.Assign)
                            else [small.target]
                            if isinstance(small, cst.AnnAssign)
                            else []
                        )
                        if any(
                            isinstance(t, cst.Name) and t.value == "env_prefix" for t in targets
                        ):
                            found = small.value
        if isinstance(found, cst.SimpleString):
            return str(found.evaluated_value)
    return ""
