"""Where the imports a migration adds go: the one place that decides it.

The caller says before the transform runs what it knows (``ImportLayout``): how the project
sorts its imports (``codemods.import_style``) and, for a notebook's cells joined into one
module, where each cell begins. ``add_imports`` then writes each import once, where it is
needed:

* an import the module already makes above the setup is not added again;
* the imports go into the module's top import block (a notebook: the first cell's imports that
  run before the setup, else just before the setup, in its cell);
* when that block is sorted as isort and ruff's ``I001`` sort it, each import goes into its
  section in sorted position, a name into an existing ``from`` import of its module; when it is
  not, after the block as before (``import`` lines, then ``from`` lines);
* an import longer than the line is laid out one name a line, as black and ruff format do.

Statements the migration adds nothing to keep their bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from codemods.credential_setup import ImportNeed
from codemods.import_style import ImportStyle, member_key, natural

Lines = Sequence[tuple[int, int]]  # (first line, last line) of each top-level statement


@dataclass(frozen=True)
class ImportLayout:
    """What is known before the transform about where added imports may go.

    ``style``: the project's import settings, or a function that reads them (called only when a
    module needs an import). ``cells``: for notebook cells joined into one module, each cell's
    (first line, last line of its header): the header is the marker statement the notebook code
    puts first, and a cell magic's placeholder line."""

    style: ImportStyle | Callable[[], ImportStyle] = field(default_factory=ImportStyle)
    cells: tuple[tuple[int, int], ...] = ()

    def resolved_style(self) -> ImportStyle:
        style = self.style
        return style if isinstance(style, ImportStyle) else style()

    def cell_of(self, line: int) -> int | None:
        found = None
        for index, (first, _) in enumerate(self.cells):
            if first <= line:
                found = index
        return found

    def at_cell_top(self, lines: Lines, index: int) -> bool:
        """Whether statement ``index`` is the first of its cell's own code."""
        if not self.cells or index == 0:
            return False
        cell = self.cell_of(lines[index][0])
        return cell is not None and lines[index - 1][1] <= self.cells[cell][1]

    def under_cell_magic(self, lines: Lines, index: int) -> bool:
        """Whether statement ``index`` is in a cell whose header has a cell magic (``%%time``):
        ruff formats that line as a statement, so a def after it wants two blank lines."""
        if not self.cells:
            return False
        cell = self.cell_of(lines[index][0])
        return cell is not None and self.cells[cell][1] > self.cells[cell][0]


def add_imports(
    body: list[cst.BaseStatement],
    needs: Sequence[ImportNeed],
    before: int,
    layout: ImportLayout,
    lines: Lines,
) -> int:
    """Add to ``body`` (in place) the ``needs`` that statement ``before`` (the setup's place)
    does not have yet; returns how many statements were inserted above ``before``.
    ``lines``: where each statement of ``body`` was in the original module."""
    wanted = [n for n in dict.fromkeys(needs) if not _available(body[:before], n)]
    if not wanted:
        return 0
    style = layout.resolved_style()
    start, end = _block(body, before, layout, lines)
    block = body[start:end]
    is_sorted = _is_sorted(block, style)
    new = _statements(_merge(block, wanted, style, is_sorted), style, not is_sorted)
    if is_sorted:
        for stmt in sorted(new, key=lambda s: _key(s, style)):
            _insert_sorted(block, stmt, style)
    else:
        block.extend(new)
    if start == end and block:
        # A new block: a blank line above it, unless it opens the module or a notebook cell.
        top = start == 0 or (start < len(lines) and layout.at_cell_top(lines, start))
        block[0] = block[0].with_changes(leading_lines=[] if top else [cst.EmptyLine()])
    body[start:end] = block
    added = len(block) - (end - start)
    after = start + len(block)
    # A new block gets a blank line below it; an existing one keeps the spacing it had.
    if start == end and after < len(body) and _stays_in_cell(layout, lines, start, after - added):
        following = body[after]
        leading = following.leading_lines
        if not leading or leading[0].comment is not None:
            body[after] = following.with_changes(leading_lines=[cst.EmptyLine(), *leading])
    return added


def _stays_in_cell(layout: ImportLayout, lines: Lines, start: int, following: int) -> bool:
    """Whether the statement after the block is in the block's cell (a module: always)."""
    if not layout.cells:
        return True
    if following >= len(lines):
        return False
    where = lines[start][0] if start < len(lines) else lines[following][0]
    return layout.cell_of(lines[following][0]) == layout.cell_of(where)


# -- what the module has -------------------------------------------------------------------------


def _single_import(stmt: cst.CSTNode) -> cst.Import | cst.ImportFrom | None:
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        node = stmt.body[0]
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            return node
    return None


def _dotted(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _available(statements: Sequence[cst.BaseStatement], need: ImportNeed) -> bool:
    """Whether a module-level import among ``statements`` already binds what ``need`` binds."""
    for stmt in statements:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for node in stmt.body:
            if isinstance(node, cst.Import) and need.obj is None:
                for alias in node.names:
                    dotted = _dotted(alias.name)
                    asname = alias.evaluated_alias
                    if need.asname is None and asname is None:
                        if dotted == need.module or (
                            dotted.startswith(need.module + ".") and "." not in need.module
                        ):
                            return True
                    elif asname == need.asname and dotted == need.module:
                        return True
            elif isinstance(node, cst.ImportFrom) and need.obj is not None:
                if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
                    continue
                if _dotted(node.module) != need.module:
                    continue
                for alias in node.names:
                    if _dotted(alias.name) == need.obj and alias.evaluated_alias == need.asname:
                        return True
    return False


def _block(
    body: list[cst.BaseStatement], before: int, layout: ImportLayout, lines: Lines
) -> tuple[int, int]:
    """The run of import statements the new imports join (empty: where they start one)."""
    if layout.cells:
        for index in range(min(before, len(lines))):
            if _single_import(body[index]) is None:
                continue
            cell = layout.cell_of(lines[index][0])
            end = index
            while (
                end < before
                and end < len(lines)
                and _single_import(body[end]) is not None
                and layout.cell_of(lines[end][0]) == cell
            ):
                end += 1
            return index, end
        return before, before
    start = 1 if body and _is_docstring(body[0]) else 0
    end = start
    while end < before and _single_import(body[end]) is not None:
        end += 1
    return start, end


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    first = stmt.body[0]
    return isinstance(first, cst.Expr) and isinstance(first.value, (cst.SimpleString,))


# -- sorting ---------------------------------------------------------------------------------------


def _key(stmt: cst.BaseStatement, style: ImportStyle) -> tuple[object, ...]:
    node = _single_import(stmt)
    assert node is not None
    if isinstance(node, cst.Import):
        module = _dotted(node.names[0].name)
        return (
            style.section(module),
            0 if not style.force_sort_within_sections else 1,
            (0, natural(module)),  # the shape of a ``from`` import's (-level, module)
            (),
        )
    level = len(node.relative)
    module = _dotted(node.module) if node.module is not None else ""
    first = (
        () if isinstance(node.names, cst.ImportStar) else member_key(_dotted(node.names[0].name))
    )
    return (style.section(module, level), 1, (-level, natural(module)), first)


def _names_sorted(node: cst.ImportFrom) -> bool:
    if isinstance(node.names, cst.ImportStar):
        return True
    keys = [member_key(_dotted(a.name)) for a in node.names]
    return keys == sorted(keys)


def _blank(stmt: cst.BaseStatement) -> bool:
    return any(line.comment is None for line in stmt.leading_lines)


def _is_sorted(block: list[cst.BaseStatement], style: ImportStyle) -> bool:
    """Whether ``I001`` would leave the block as it is (as far as where an import goes)."""
    previous = None
    for stmt in block:
        node = _single_import(stmt)
        if isinstance(node, cst.Import) and len(node.names) > 1:
            return False
        key = _key(stmt, style)
        if previous is not None:
            if key < previous:
                return False
            if (key[0] != previous[0]) != _blank(stmt):
                return False
        previous = key
    return True


def _split_leading(
    leading: Sequence[cst.EmptyLine],
) -> tuple[list[cst.EmptyLine], list[cst.EmptyLine]]:
    """Leading lines of a statement: those above its last blank line, and the comments that sit
    right on top of it (they belong to it)."""
    last_blank = max((i for i, line in enumerate(leading) if line.comment is None), default=-1)
    return list(leading[: last_blank + 1]), list(leading[last_blank + 1 :])


def _insert_sorted(
    block: list[cst.BaseStatement], stmt: cst.BaseStatement, style: ImportStyle
) -> None:
    key = _key(stmt, style)
    at = next((i for i, s in enumerate(block) if _key(s, style) > key), len(block))
    section = key[0]
    before = _key(block[at - 1], style)[0] if at > 0 else None
    leading: list[cst.EmptyLine] = [cst.EmptyLine()] if before not in (None, section) else []
    if at < len(block):
        after = block[at]
        after_section = _key(after, style)[0]
        if at == 0 or (after_section == section and before != section):
            # The new import takes what stood above the next one: the lines above the block, or
            # the blank line that opens the section; comments on top of an import stay with it.
            leading, own = _split_leading(after.leading_lines)
            if after_section != section:
                own = [cst.EmptyLine(), *own]
            block[at] = after.with_changes(leading_lines=own)
    block.insert(at, stmt.with_changes(leading_lines=leading))


# -- the statements --------------------------------------------------------------------------------


def _merge(
    block: list[cst.BaseStatement], needs: list[ImportNeed], style: ImportStyle, is_sorted: bool
) -> list[ImportNeed]:
    """Add names to the block's ``from`` imports of their module where isort would combine them;
    the needs left over."""
    if style.force_single_line:
        return needs
    left: list[ImportNeed] = []
    by_module: dict[str, list[str]] = {}
    for need in needs:
        if need.obj is not None and need.asname is None:
            by_module.setdefault(need.module, []).append(need.obj)
        else:
            left.append(need)
    for module, names in by_module.items():
        for index, stmt in enumerate(block):
            node = _single_import(stmt)
            if not (
                isinstance(node, cst.ImportFrom)
                and not node.relative
                and node.module is not None
                and _dotted(node.module) == module
                and not isinstance(node.names, cst.ImportStar)
            ):
                continue
            merged = _with_names(stmt, node, names, style, keep_order=not is_sorted)
            if merged is not None:
                block[index] = merged
                break
        else:
            left.extend(ImportNeed(module, name) for name in names)
    return left


def _with_names(
    stmt: cst.SimpleStatementLine,
    node: cst.ImportFrom,
    names: list[str],
    style: ImportStyle,
    keep_order: bool,
) -> cst.SimpleStatementLine | None:
    """``stmt`` importing ``names`` too, laid out as it was (one line, or one name a line when
    it was so or no longer fits); None when its comments leave no safe place for them."""
    assert not isinstance(node.names, cst.ImportStar)
    if "#" in cst.Module([]).code_for_node(node):
        return None  # a comment inside the statement
    vertical = node.lpar is not None and isinstance(
        node.lpar.whitespace_after, cst.ParenthesizedWhitespace
    )
    old = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in node.names]
    new = [cst.ImportAlias(name=cst.Name(n)) for n in names]
    aliases = old + new
    if not keep_order and _names_sorted(node):
        aliases.sort(key=lambda a: member_key(_dotted(a.name)))
    comment = stmt.trailing_whitespace.comment
    one_line = "from {} import {}".format(
        _dotted(node.module), ", ".join(cst.Module([]).code_for_node(a) for a in aliases)
    )
    width = len(one_line) + (len(comment.value) + 2 if comment is not None else 0)
    if not vertical and width <= style.line_length:
        commas = [
            a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            for a in aliases[:-1]
        ]
        updated = node.with_changes(names=[*commas, aliases[-1]])
        return stmt.with_changes(body=[updated])
    if comment is None:
        return stmt.with_changes(body=[_vertical(node, aliases)])
    # Where ruff puts the line's comment: on the name of a one-name import, else after the "(".
    plain = stmt.trailing_whitespace.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)
    if len(node.names) == 1:
        owner = _dotted(node.names[0].name)
        wrapped = _vertical(node, aliases, comments={owner: comment})
    else:
        wrapped = _vertical(node, aliases, paren_comment=comment)
    return stmt.with_changes(body=[wrapped], trailing_whitespace=plain)


def _vertical(
    node: cst.ImportFrom,
    aliases: list[cst.ImportAlias],
    comments: dict[str, cst.Comment] | None = None,
    paren_comment: cst.Comment | None = None,
) -> cst.ImportFrom:
    """``from m import (\n    a,\n    b,\n)``: one name a line, a comma after each."""

    def line_break(indent: str, comment: cst.Comment | None = None) -> cst.ParenthesizedWhitespace:
        first = cst.TrailingWhitespace()
        if comment is not None:
            first = cst.TrailingWhitespace(whitespace=cst.SimpleWhitespace("  "), comment=comment)
        return cst.ParenthesizedWhitespace(
            first_line=first,
            empty_lines=[],
            indent=True,
            last_line=cst.SimpleWhitespace(indent),
        )

    comments = comments or {}
    names = [
        alias.with_changes(
            comma=cst.Comma(
                whitespace_after=line_break(
                    "    " if i < len(aliases) - 1 else "", comments.get(_dotted(alias.name))
                )
            )
        )
        for i, alias in enumerate(aliases)
    ]
    return node.with_changes(
        names=names,
        lpar=cst.LeftParen(whitespace_after=line_break("    ", paren_comment)),
        rpar=cst.RightParen(),
        whitespace_after_import=cst.SimpleWhitespace(" "),
    )


def _statements(
    needs: list[ImportNeed], style: ImportStyle, combine_aliases: bool
) -> list[cst.SimpleStatementLine]:
    """The import statements for ``needs``: ``import`` lines first, then ``from`` lines, one per
    module (one per name with ``force-single-line``; an aliased name on a line of its own, as
    isort writes it, unless ``combine_aliases``)."""
    plain = sorted({n for n in needs if n.obj is None}, key=lambda n: natural(n.module))
    out = [
        cst.parse_statement(f"import {n.module}" + (f" as {n.asname}" if n.asname else ""))
        for n in plain
    ]
    grouped: dict[str, list[ImportNeed]] = {}
    for need in needs:
        if need.obj is not None:
            grouped.setdefault(need.module, []).append(need)
    for module in sorted(grouped, key=natural):
        members = sorted(dict.fromkeys(grouped[module]), key=lambda n: member_key(n.obj or ""))
        together = [n for n in members if n.asname is None]
        if style.force_single_line:
            groups = [[n] for n in members]
        elif combine_aliases:
            groups = [members]
        else:
            groups = ([together] if together else []) + [
                [n] for n in members if n.asname is not None
            ]
        for group in groups:
            out.append(_from_statement(module, group, style))
    return out  # type: ignore[return-value]


def _from_statement(
    module: str, group: list[ImportNeed], style: ImportStyle
) -> cst.SimpleStatementLine:
    spelled = [n.obj + (f" as {n.asname}" if n.asname else "") for n in group]  # type: ignore[operator]
    stmt = cst.parse_statement(f"from {module} import {', '.join(spelled)}")
    assert isinstance(stmt, cst.SimpleStatementLine)
    if len(cst.Module([]).code_for_node(stmt).rstrip("\n")) <= style.line_length:
        return stmt
    node = stmt.body[0]
    assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
    aliases = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in node.names]
    return stmt.with_changes(body=[_vertical(node, aliases)])
