"""Code that the running Python cannot parse but a newer Python can: read it with LibCST.

The tool runs on Python 3.10 and later, and the code it reads may be written for a newer one:
PEP 701 f-strings (``f"{x.replace(" ", "")}"``, backslashes and comments inside the braces),
``type X = ...`` aliases and PEP 695/696 type parameters. Python's own parser refuses them before
3.12 (or 3.13); LibCST's parser takes the grammar up to 3.13 whatever Python runs it. Such a file
goes through LibCST alone, whole (no slice: that needs Python's syntax tree), with two guards
Python's parser gave before: a nesting depth counted from the tokens (LibCST's native parser
overflows the C stack on deep enough nesting), and no Python 2 ``except E, e:`` (LibCST reads it).
"""

from __future__ import annotations

import io
import re
import tokenize

_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")
# A string token with an f prefix: before 3.12 the tokenizer reads a PEP 701 f-string as several
# string tokens, so the brackets of its expressions are inside the tokens' text.
_F_PREFIX = re.compile(r"^[a-zA-Z]*[fF][a-zA-Z]*['\"]")


def nesting_depth(data: bytes) -> int:
    """The deepest nesting of ``data``: indentation levels plus open brackets, from the tokens
    (whatever version of Python the tokenizer is from). Brackets inside f-string tokens count:
    an over-count refuses a file, it never lets a deep one through. Code the tokenizer cannot read
    is counted bracket by bracket over its bytes, strings and comments included."""
    try:
        tokens = list(tokenize.tokenize(io.BytesIO(data).readline))
    except (SyntaxError, tokenize.TokenError, UnicodeDecodeError, LookupError):
        return _byte_depth(data)
    deepest = indent = brackets = 0
    for token in tokens:
        kind, text = token.type, token.string
        if kind == tokenize.INDENT:
            indent += 1
        elif kind == tokenize.DEDENT:
            indent -= 1
        elif kind == tokenize.NEWLINE:
            brackets = 0  # a statement ended: what an f-string token left open ends with it
        elif kind == tokenize.OP and text in _OPEN:
            brackets += 1
        elif kind == tokenize.OP and text in _CLOSE:
            brackets = max(brackets - 1, 0)
        elif kind == tokenize.STRING and _F_PREFIX.match(text):
            for char in text:
                if char in _OPEN:
                    brackets += 1
                    deepest = max(deepest, indent + brackets)
                elif char in _CLOSE:
                    brackets = max(brackets - 1, 0)
        deepest = max(deepest, indent + brackets)
    return deepest


def _byte_depth(data: bytes) -> int:
    deepest = depth = 0
    for byte in data:
        if byte in b"([{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b")]}":
            depth = max(depth - 1, 0)
    return deepest


def python2_except(module: object) -> int | None:
    """The line of an ``except E, e:`` clause (Python 2; LibCST reads it as a bare tuple), or
    None."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    class Finder(cst.CSTVisitor):
        METADATA_DEPENDENCIES = (PositionProvider,)

        def __init__(self) -> None:
            super().__init__()
            self.line: int | None = None

        def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
            kind = node.type
            if self.line is None and isinstance(kind, cst.Tuple) and not kind.lpar:
                self.line = self.get_metadata(PositionProvider, node).start.line

    finder = Finder()
    MetadataWrapper(module, unsafe_skip_copy=True).visit(finder)  # type: ignore[arg-type]
    return finder.line


def readable_by_libcst(data: bytes) -> bool:
    """Whether ``data``, which the running Python refused, is valid code for a newer Python that
    LibCST reads. Check ``nesting_depth`` first: this parses."""
    import libcst as cst

    try:
        module = cst.parse_module(data)
    except Exception:  # noqa: BLE001 - LibCST refuses it too: Python's error is the one to give
        return False
    return python2_except(module) is None
