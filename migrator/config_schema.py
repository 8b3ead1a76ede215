"""JSON schemas that require the key a rewritten client read from a JSON config file.

``cfg = json.load(open("config.json"))``, ``jsonschema.validate(cfg, SCHEMA)``,
``AzureOpenAI(api_key=cfg["api_key"], ...)``: once the key is gone from ``config.json``, the
validation stops the program at start-up. Each migrated module says which dict entries its
removed key arguments read (``ModuleFacts.key_entries``); here, in the parent process before
anything is written, each one read from a dict loaded from JSON is followed to the schema that
validates it:

* a dict literal ``SCHEMA = {...}`` passed to a ``validate`` call or a ``*Validator`` of the
  module, or imported into it from another module of the run: the property leaves the
  ``required`` list at the nesting of the read (its definition stays: a config file that still
  has the key keeps validating);
* a ``*.schema.json`` / ``schema.json`` file the module names: the same, as a byte edit of that
  array element only, written like the run's other project files.

A schema that cannot be found, or that is not of a shape edited safely (a computed list,
``$ref`` or ``allOf``), is reported at the read (``config-schema-key``) and left as it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from codemods.findings import Notice
from migrator import json_spans
from migrator.engine import CHANGED, MODE_DIFF, UNCHANGED, FileResult, unified_diff
from migrator.linking import RunIndex
from migrator.project_files import PROJECT, _display
from migrator.second_pass import module_bytes, with_text

RULE = "config-schema-key"
COMPOSED = ("$ref", "allOf", "anyOf", "oneOf", "if", "dependentRequired", "dependencies")
NOT_REQUIRED = "not-required"


class _Unsafe(Exception):
    """The schema is not of a shape the tool edits safely; the message says why."""


@dataclass
class _Module:
    result: FileResult
    read: bytes
    module: cst.Module
    notices: list[Notice] = field(default_factory=list)
    changed: bool = False


@dataclass
class _JsonFile:
    path: Path
    read: bytes
    text: str
    notices: list[Notice] = field(default_factory=list)


def settle_config_schemas(
    results: list[FileResult], roots: Sequence[str], mode: str
) -> list[FileResult]:
    """``results`` with the schemas behind rewritten key reads relaxed, and the JSON schema
    files edited as project files (appended)."""
    reads = [
        (i, read)
        for i, r in enumerate(results)
        if r.facts is not None and r.status == CHANGED and _loads_json(r)
        for read in r.facts.key_entries
    ]
    if not reads:
        return results
    run = _Run(results, roots)
    extra: dict[int, list[Notice]] = {}
    for file, (name, keys, line) in reads:
        try:
            notice = run.settle(file, name, keys, line)
        except Exception:  # noqa: BLE001 - a shape nobody foresaw: the schema is left as it is
            notice = None
        if notice is not None:
            extra.setdefault(file, []).append(notice)
    out = list(results)
    for file, target in run.modules.items():
        if target is not None and (target.changed or target.notices):
            out[file] = _updated(target, mode)
    for file, notices in extra.items():
        out[file] = replace(out[file], notices=(*out[file].notices, *notices))
    shown = [(raw, Path(raw).absolute()) for raw in roots]
    known = {Path(r.path).absolute() for r in out}
    for path, edited in sorted(run.files.items()):
        if edited.notices and path not in known:
            out.append(_json_result(_display(path, shown), edited, mode))
    return out


class _Run:
    def __init__(self, results: list[FileResult], roots: Sequence[str]) -> None:
        self.results = results
        self.roots = roots
        self.index = RunIndex([r.path for r in results], roots)
        self.modules: dict[int, _Module | None] = {}
        self.files: dict[Path, _JsonFile] = {}

    def module(self, file: int) -> _Module | None:
        if file not in self.modules:
            self.modules[file] = _load(self.results[file])
        return self.modules[file]

    def settle(self, file: int, name: str, keys: tuple[str, ...], line: int) -> Notice | None:
        reader = self.module(file)
        if reader is None or not _json_loaded(reader.module, name):
            return None
        read = name + "".join(f'["{k}"]' for k in keys)
        where = f"{os.path.basename(self.results[file].path)}:{line}"
        why = f"the client at {where} no longer reads {read}"
        validated, literals, in_sight = _schema_uses(reader.module)
        reasons: list[str] = []
        outcomes: list[str] = []
        for schema in validated:
            found = self._dict_schema(file, schema)
            if isinstance(found, str):
                if found:
                    reasons.append(found)
                continue
            holder, node = found
            try:
                outcomes.append(_edit_dict(holder, schema, node, keys, why))
            except _Unsafe as exc:
                reasons.append(f"{schema}: {exc}")
        directory = Path(self.results[file].path).absolute().parent
        for literal in literals:
            places = {
                (base / literal).resolve()
                for base in (directory, *(Path(r).absolute() for r in self.roots), Path.cwd())
            }
            existing = sorted(p for p in places if p.is_file())
            if len(existing) != 1:
                reasons.append(f"{literal}: " + ("not found" if not existing else "ambiguous"))
                continue
            try:
                outcomes.append(self._edit_file(existing[0], keys, why))
            except _Unsafe as exc:
                reasons.append(f"{literal}: {exc}")
        if outcomes and not reasons:
            return None  # edited, or the schema does not require it: nothing to say
        if not in_sight:
            return None  # no schema validates this config, as far as the module shows
        told = "; ".join(reasons) if reasons else "no schema found"
        return Notice(
            line,
            0,
            RULE,
            f"the key came from {read} (a JSON config): the schema that validates it could not "
            f'be edited safely ({told}): drop "{keys[-1]}" from its "required" list, or the '
            "program stops at start-up once the key is removed from the config file",
        )

    def _dict_schema(self, file: int, name: str) -> tuple[_Module, cst.Dict] | str:
        """The module and dict literal ``name`` stands for; else why not ("" when it is loaded
        from a file, which the file names cover)."""
        here = self.module(file)
        assert here is not None
        if _json_loaded(here.module, name):
            return ""
        for statement in _module_assignments(here.module, name):
            if isinstance(statement, cst.Dict):
                return here, statement
            if _is_json_load(statement):
                return ""
            return f"{name} is not a dict literal"
        for level, module in _imported(here.module, name):
            files = [
                f
                for base in self.index.absolute(file, level, module)
                for f in self.index.files_for(base, file)
            ]
            target = self.module(files[0]) if len(files) == 1 else None
            if target is None:
                return f"{name} is imported from {'.' * level}{module}, not a module of this run"
            values = list(_module_assignments(target.module, name))
            if len(values) == 1 and isinstance(values[0], cst.Dict):
                return target, values[0]
            return f"{name} in {os.path.basename(target.result.path)} is not a dict literal"
        return f"{name} is not defined at the top of the module"

    def _edit_file(self, path: Path, keys: tuple[str, ...], why: str) -> str:
        if path not in self.files:
            read = path.read_bytes()
            try:
                text = read.decode("utf-8")
            except UnicodeDecodeError:
                raise _Unsafe("not UTF-8") from None
            self.files[path] = _JsonFile(path, read, text)
        edited = self.files[path]
        try:
            top = json_spans.parse(edited.text)
        except ValueError as exc:
            raise _Unsafe(f"not plain JSON ({exc})") from None
        array = _required(top, keys, lambda n, k: _json_entry(n, k))
        if array is None:
            return NOT_REQUIRED
        if not isinstance(array.value, list) or not all(
            isinstance(e.value, str) for e in array.value
        ):
            raise _Unsafe('its "required" is not a list of names')
        at = [i for i, e in enumerate(array.value) if e.value == keys[-1]]
        if len(at) != 1:
            return NOT_REQUIRED
        line = edited.text.count("\n", 0, array.value[at[0]].start) + 1
        edited.text = json_spans.without_element(edited.text, array, at[0])
        edited.notices.append(Notice(line, 0, RULE, _told(keys, path.name, why), severity="info"))
        return CHANGED


def _told(keys: tuple[str, ...], schema: str, why: str) -> str:
    return (
        f'"{keys[-1]}" dropped from {schema}\'s "required" list ({why}); its property stays, '
        "so a config file that still has the key keeps validating"
    )


def _required(top, keys, entry):  # type: ignore[no-untyped-def]
    """The ``required`` array at the nesting of ``keys`` (through ``properties``), None when
    the schema does not require it there; ``_Unsafe`` when composition may require it."""
    node = top
    for key in (*keys[:-1], None):
        required = entry(node, "required")
        if any(entry(node, c) is not None for c in COMPOSED):
            raise _Unsafe("it composes other schemas ($ref, allOf ...)")
        if key is None:
            return required
        properties = entry(node, "properties")
        node = entry(properties, key) if properties is not None else None
        if node is None:
            return None
    return None


def _json_entry(node, key):  # type: ignore[no-untyped-def]
    if not isinstance(node.value, dict):
        raise _Unsafe("a schema that is not an object")
    return node.value.get(key)


def _dict_entry(node, key):  # type: ignore[no-untyped-def]
    if not isinstance(node, cst.Dict):
        raise _Unsafe("a part of it is not a dict literal")
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            raise _Unsafe("it unpacks another dict (**)")
        if isinstance(element.key, cst.SimpleString) and element.key.evaluated_value == key:
            return element.value
    return None


def _edit_dict(holder: _Module, name: str, node: cst.Dict, keys, why) -> str:  # type: ignore[no-untyped-def]
    array = _required(node, keys, _dict_entry)
    if array is None:
        return NOT_REQUIRED
    if not isinstance(array, cst.List) or not all(
        isinstance(e, cst.Element) and isinstance(e.value, cst.SimpleString) for e in array.elements
    ):
        raise _Unsafe('its "required" is not a list of string literals')
    at = [i for i, e in enumerate(array.elements) if e.value.evaluated_value == keys[-1]]
    if len(at) != 1:
        return NOT_REQUIRED
    elements = list(array.elements)
    gone = elements.pop(at[0])
    if elements and at[0] == len(elements):  # the last one: the one before takes its comma
        elements[-1] = elements[-1].with_changes(comma=gone.comma)
    line = _original_line(holder, name, keys)
    holder.module = holder.module.deep_replace(array, array.with_changes(elements=elements))
    holder.changed = True
    holder.notices.append(Notice(line, 0, RULE, _told(keys, name, why), severity="info"))
    return CHANGED


def _original_line(holder: _Module, name: str, keys: tuple[str, ...]) -> int:
    """The line of the property in ``required`` in the module as read (the report's lines are
    those of the file as it was); 1 when it cannot be told."""
    try:
        module = cst.parse_module(holder.read)
        schema = next(_module_assignments(module, name))
        array = _required(schema, keys, _dict_entry)
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        for element in array.elements:
            if element.value.evaluated_value == keys[-1]:
                return positions[element].start.line
    except Exception:  # noqa: BLE001 - the first line, rather than a wrong one
        pass
    return 1


def _schema_uses(module: cst.Module) -> tuple[list[str], list[str], bool]:
    """Names passed to a ``validate`` call or a ``*Validator``; string literals naming a schema
    file; whether a schema is in sight at all (those, or an import of a JSON-schema library)."""
    names: list[str] = []
    literals: list[str] = []
    in_sight = False
    for node in _walk(module):
        if isinstance(node, cst.Call):
            func = node.func
            tail = (
                func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
            )
            if isinstance(tail, str) and (tail == "validate" or tail.endswith("Validator")):
                # ``form.validate()`` with no schema passed is not a schema in sight.
                schema = _schema_argument(node.args, 1 if tail == "validate" else 0)
                in_sight = in_sight or schema is not None
                if isinstance(schema, cst.Name):
                    names.append(schema.value)
        elif isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            if isinstance(value, str) and os.path.basename(value).endswith("schema.json"):
                literals.append(value)
                in_sight = True
        elif isinstance(node, cst.Import | cst.ImportFrom) and "jsonschema" in module.code_for_node(
            node
        ):
            in_sight = True
    return list(dict.fromkeys(names)), list(dict.fromkeys(literals)), in_sight


def _schema_argument(args: Sequence[cst.Arg], position: int) -> cst.BaseExpression | None:
    """``schema=`` of a call, else its positional argument at ``position``."""
    for arg in args:
        if arg.keyword is not None and arg.keyword.value == "schema":
            return arg.value
    positional = [a for a in args if a.keyword is None and not a.star]
    return positional[position].value if len(positional) > position else None


def _walk(node: cst.CSTNode):  # type: ignore[no-untyped-def]
    yield node
    for child in node.children:
        yield from _walk(child)


def _module_assignments(module: cst.Module, name: str):  # type: ignore[no-untyped-def]
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and any(
                    isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets
                ):
                    yield small.value
                elif (
                    isinstance(small, cst.AnnAssign)
                    and isinstance(small.target, cst.Name)
                    and small.target.value == name
                    and small.value is not None
                ):
                    yield small.value


def _imported(module: cst.Module, name: str):  # type: ignore[no-untyped-def]
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                    continue
                for alias in small.names:
                    if alias.asname is None and getattr(alias.name, "value", None) == name:
                        source = small.module
                        dotted = module.code_for_node(source) if source is not None else ""
                        yield len(small.relative), dotted


def _is_json_load(value: cst.BaseExpression) -> bool:
    if not isinstance(value, cst.Call):
        return False
    func = value.func
    if isinstance(func, cst.Attribute):
        return func.attr.value in ("load", "loads") and module_name(func.value) == "json"
    return False


def module_name(node: cst.BaseExpression) -> str:
    return node.value if isinstance(node, cst.Name) else ""


_BLOCKS = (
    cst.BaseStatement,
    cst.BaseSuite,
    cst.Else,
    cst.Finally,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.MatchCase,
)


def _assignments(node: cst.CSTNode):  # type: ignore[no-untyped-def]
    """The assignment statements under ``node``, going only through statements and their
    blocks (an assignment is never inside an expression): a fraction of the nodes."""
    for child in node.children:
        if isinstance(child, cst.Assign):
            yield child
        elif isinstance(child, _BLOCKS):
            yield from _assignments(child)


def _json_loaded(module: cst.Module, name: str) -> bool:
    """``name`` is assigned the result of ``json.load``/``json.loads`` somewhere in the module."""
    for node in _assignments(module):
        if _is_json_load(node.value):
            if any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets):
                return True
    return False


# What the step needs to find, spelled as source text: a name assigned from ``json.load`` /
# ``json.loads`` (``_is_json_load``), and a schema in sight (a ``validate`` call, a ``*Validator``,
# a schema file name, a JSON-schema library). A module without both is not parsed again.
_JSON_LOAD = re.compile(rb"\bjson[\s\\]*\.[\s\\]*loads?\b")
_SCHEMA = re.compile(rb"\bvalidate\b|Validator\b|schema\.json|jsonschema")


def _loads_json(result: FileResult) -> bool:
    source = result.data if result.data is not None else result.new
    if source is None:
        return True
    return _JSON_LOAD.search(source) is not None and _SCHEMA.search(source) is not None


def _load(result: FileResult) -> _Module | None:
    try:
        found = module_bytes(result)
        return None if found is None else _Module(result, found[0], cst.parse_module(found[1]))
    except Exception:  # noqa: BLE001 - a module that cannot be read or parsed is left alone
        return None


def _updated(target: _Module, mode: str) -> FileResult:
    result = target.result
    notices = (*result.notices, *target.notices)
    if not target.changed:
        return replace(result, notices=notices)
    return with_text(result, target.read, target.module.bytes, notices, mode)


def _json_result(path: str, edited: _JsonFile, mode: str) -> FileResult:
    new = edited.text.encode("utf-8")
    notices = tuple(sorted(edited.notices, key=lambda n: (n.line, n.column)))
    if new == edited.read:
        return FileResult(path, UNCHANGED, notices=notices, kind=PROJECT)
    diff = unified_diff(path, edited.read, new) if mode == MODE_DIFF else None
    return FileResult(
        path, CHANGED, notices=notices, diff=diff, kind=PROJECT, data=edited.read, new=new
    )
