"""Arguments of a call: which ones a client spec names, and adding or removing one in the
call's own layout (its commas, line breaks and comments stay where they were)."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from codemods.targets import ClientSpec


def present(spec: ClientSpec, args: Sequence[cst.Arg]) -> dict[str, int]:
    """Argument name -> index, keywords and the leading positionals the spec names."""
    found: dict[str, int] = {}
    for i, arg in enumerate(args):
        if arg.keyword is not None:
            found[arg.keyword.value] = i
        elif i < len(spec.positional) and not arg.star:
            found[spec.positional[i]] = i
    return found


def _separator(call: cst.Call, args: list[cst.Arg]) -> cst.Comma:
    """The comma that goes between arguments, in the call's own layout, without comments."""
    for arg in args[:-1]:
        if isinstance(arg.comma, cst.Comma):
            return arg.comma.with_changes(
                whitespace_after=_without_comment(arg.comma.whitespace_after)
            )
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        # One argument on its own line: the next one goes on a line of its own too.
        return cst.Comma(whitespace_after=_without_comment(call.whitespace_before_args))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _without_comment(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return ws


def append_arg(
    call: cst.Call, args: list[cst.Arg], name: str, value: cst.BaseExpression
) -> list[cst.Arg]:
    """``args`` with ``name=value`` added last, laid out like the arguments before it.

    A comment after the old last argument stays on that argument's line; the new argument takes
    over what followed it (the line break before ``)`` and the trailing comma, if there was one).
    """
    new = cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    if not args:
        return [new]
    last = args[-1]
    separator = _separator(call, args)
    had_comma = isinstance(last.comma, cst.Comma)
    tail = (
        last.comma.whitespace_after
        if isinstance(last.comma, cst.Comma)
        else last.whitespace_after_arg
    )
    if isinstance(tail, cst.ParenthesizedWhitespace):
        sep_ws = separator.whitespace_after
        if isinstance(sep_ws, cst.ParenthesizedWhitespace):
            separator = separator.with_changes(
                whitespace_after=sep_ws.with_changes(
                    first_line=tail.first_line, empty_lines=tail.empty_lines
                )
            )
        tail = _without_comment(tail)
    if had_comma:
        new = new.with_changes(comma=last.comma.with_changes(whitespace_after=tail))  # type: ignore[union-attr]
    else:
        new = new.with_changes(whitespace_after_arg=tail)
    last = last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace(""))
    return [*args[:-1], last, new]


def remove_args(args: list[cst.Arg], drop: set[int]) -> list[cst.Arg]:
    kept: list[cst.Arg] = []
    for i, arg in enumerate(args):
        if i in drop:
            if i == len(args) - 1 and kept:
                # The last argument goes: the one before it takes its comma and trailing space.
                kept[-1] = kept[-1].with_changes(
                    comma=arg.comma, whitespace_after_arg=arg.whitespace_after_arg
                )
            continue
        kept.append(arg)
    return kept


def is_none(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"
