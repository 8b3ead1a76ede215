"""How the code reads a 0.x response, rewritten for the 1.x objects (``codemods.openai_v0``).

An openai 0.x response is an ``OpenAIObject``: a dict that also answers attribute reads. A 1.x
response is a pydantic model: attributes only. Starting from each rewritten call, every place the
response (or a part of it) visibly goes is followed, through names it is bound to and loops over
it, and each read is rewritten:

* ``resp["choices"]`` → ``resp.choices`` (a field of a response or of one of its parts; lists
  stay lists, so ``[0]`` stays);
* ``delta.get("content")`` → ``delta.content`` (``.get("content", "")`` → ``(delta.content or
  "")``: a missing field is ``None`` in 1.x);
* ``"content" in delta`` → ``delta.content is not None``;
* ``resp.to_dict()`` / ``to_dict_recursive()`` → ``resp.model_dump(exclude_unset=True)``;
* a response or a part of one that flows on (returned, passed to a call, stored) becomes
  ``.model_dump(exclude_unset=True)``: the plain dict of exactly the fields the service sent,
  which is what the 0.x object held.

Anything else (a stream that flows on, an unknown field, a list of parts passed on, a response
iterated as a dict) is a reason the module is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
from libcst.metadata import Assignment, Scope

# What a field of a response (or of a part of it) holds.
PRIMITIVE, MODEL, LIST, STREAM = "primitive", "model", "list", "stream"
_FIELDS = {
    **dict.fromkeys(
        (
            "content", "role", "text", "finish_reason", "index", "id", "object", "created",
            "model", "total_tokens", "prompt_tokens", "completion_tokens", "name", "arguments",
            "embedding", "system_fingerprint", "refusal", "type",
        ),
        PRIMITIVE,
    ),
    **dict.fromkeys(("choices", "data", "tool_calls"), LIST),
    **dict.fromkeys(("message", "delta", "usage", "function_call", "function"), MODEL),
}  # fmt: skip
_DUMP_METHODS = ("to_dict", "to_dict_recursive")

Edit = Callable[[cst.CSTNode], cst.CSTNode]


def dumped(node: cst.BaseExpression) -> cst.Call:
    """``node.model_dump(exclude_unset=True)``: the fields the service sent, as a dict."""
    return cst.Call(
        cst.Attribute(node, cst.Name("model_dump")),
        [
            cst.Arg(
                cst.Name("True"),
                keyword=cst.Name("exclude_unset"),
                equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
            )
        ],
    )


class ResponseReads:
    """Follows responses from their calls; ``edits`` and ``wraps`` are keyed by ``id`` of
    original nodes, ``blockers`` say why the module cannot be rewritten."""

    def __init__(
        self,
        parents: dict[cst.CSTNode, cst.CSTNode],
        scopes: dict[cst.CSTNode, Scope | None],
        line_of: Callable[[cst.CSTNode], int],
    ) -> None:
        self.parents = parents
        self.scopes = scopes
        self.line_of = line_of
        self.edits: dict[int, Edit] = {}
        self.wraps: set[int] = set()
        self.blockers: list[str] = []
        self._bound: dict[int, str] = {}  # id(assignment name node) -> kind
        self._seen: set[int] = set()
        self._accesses: list = []

    def _block(self, node: cst.CSTNode, why: str) -> None:
        self.blockers.append(f"{why} (line {self.line_of(node)})")

    def follow(self, node: cst.BaseExpression, kind: str) -> None:
        """Where the value of ``node`` (an original expression holding ``kind``) goes."""
        if kind == PRIMITIVE or id(node) in self._seen:
            return
        self._seen.add(id(node))
        parent = self.parents.get(node)
        if isinstance(parent, cst.Subscript) and parent.value is node:
            self._subscript(parent, kind)
        elif isinstance(parent, cst.Attribute) and parent.value is node:
            self._attribute(parent, kind)
        elif isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
            self._loop(parent, kind)
        elif isinstance(parent, cst.ComparisonTarget) and parent.comparator is node:
            self._membership(node, parent, kind)
        elif isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
            self._assigned(parent, node, kind)
        elif isinstance(parent, cst.Expr):
            return  # the value is dropped
        elif kind == LIST and self._truth_test(node, parent):
            return  # a list is true when it has items, in 0.x and 1.x alike
        elif isinstance(parent, (cst.Arg, cst.Return, cst.Yield, cst.Element, cst.DictElement)):
            self._flows(node, parent, kind)
        else:
            self._block(node, f"a response is used in a {type(parent).__name__}")

    @staticmethod
    def _truth_test(node: cst.CSTNode, parent: cst.CSTNode | None) -> bool:
        if isinstance(parent, (cst.If, cst.While, cst.IfExp)):
            return parent.test is node
        if isinstance(parent, cst.UnaryOperation):
            return isinstance(parent.operator, cst.Not)
        return isinstance(parent, cst.BooleanOperation)

    # -- steps -------------------------------------------------------------------------------
    def _subscript(self, sub: cst.Subscript, kind: str) -> None:
        if len(sub.slice) != 1 or not isinstance(sub.slice[0].slice, cst.Index):
            self._block(sub, "a response is sliced")
            return
        key = sub.slice[0].slice.value
        if kind == LIST:
            if isinstance(key, (cst.SimpleString, cst.ConcatenatedString)):
                self._block(sub, "a list of a response is read with a string key")
                return
            self.follow(sub, MODEL)
            return
        if kind == STREAM or not isinstance(key, cst.SimpleString):
            self._block(sub, "a response is read with a key that is not a literal field name")
            return
        field = key.evaluated_value
        if not isinstance(field, str) or field not in _FIELDS:
            self._block(sub, f"a response field this tool does not know is read ({field!r})")
            return
        self.edits[id(sub)] = lambda new, field=field: cst.Attribute(new.value, cst.Name(field))
        self.follow(sub, _FIELDS[field])

    def _attribute(self, attr: cst.Attribute, kind: str) -> None:
        name = attr.attr.value
        call = self.parents.get(attr)
        called = isinstance(call, cst.Call) and call.func is attr
        if called and name == "get" and kind == MODEL:
            self._get(call, kind)
        elif called and name in _DUMP_METHODS and not call.args and kind == MODEL:
            self.edits[id(call)] = lambda new: dumped(new.func.value)
        elif kind == MODEL and not called and name in _FIELDS:
            self.follow(attr, _FIELDS[name])
        else:
            self._block(attr, f"a response's .{name} is used")

    def _get(self, call: cst.Call, kind: str) -> None:
        args = call.args
        if not args or len(args) > 2 or any(a.keyword or a.star for a in args):
            self._block(call, "a response's .get() takes other arguments")
            return
        key = args[0].value
        field = key.evaluated_value if isinstance(key, cst.SimpleString) else None
        if not isinstance(field, str) or field not in _FIELDS:
            self._block(call, f"a response field this tool does not know is read ({field!r})")
            return
        default = args[1].value if len(args) == 2 else None
        if isinstance(default, cst.Name) and default.value == "None":
            default = None
        if default is not None and not (
            isinstance(default, cst.SimpleString) and default.evaluated_value == ""
        ):
            self._block(call, "a response's .get() has a default other than '' or None")
            return

        def edit(new: cst.CSTNode, field: str = field, empty: bool = default is not None):
            read = cst.Attribute(new.func.value, cst.Name(field))
            if not empty:
                return read
            return cst.BinaryOperation(
                read,
                cst.Or(),
                cst.SimpleString('""'),
                lpar=[cst.LeftParen()],
                rpar=[cst.RightParen()],
            )

        self.edits[id(call)] = edit
        self.follow(call, PRIMITIVE if default is not None else _FIELDS[field])

    def _loop(self, loop: cst.For | cst.CompFor, kind: str) -> None:
        if kind not in (STREAM, LIST):
            self._block(loop, "a response is iterated over as a dict")
            return
        if not isinstance(loop.target, cst.Name):
            self._block(loop, "the parts of a response are unpacked in a loop")
            return
        self._bind(loop.target, MODEL)

    def _membership(self, node: cst.CSTNode, target: cst.ComparisonTarget, kind: str) -> None:
        comparison = self.parents.get(target)
        assert isinstance(comparison, cst.Comparison)
        left = comparison.left
        field = left.evaluated_value if isinstance(left, cst.SimpleString) else None
        if (
            kind != MODEL
            or len(comparison.comparisons) != 1
            or not isinstance(target.operator, (cst.In, cst.NotIn))
            or not isinstance(field, str)
            or field not in _FIELDS
        ):
            self._block(comparison, "a response is compared")
            return
        negated = isinstance(target.operator, cst.NotIn)

        def edit(new: cst.CSTNode, field: str = field, negated: bool = negated) -> cst.CSTNode:
            assert isinstance(new, cst.Comparison)
            read = cst.Attribute(new.comparisons[0].comparator, cst.Name(field))
            operator = cst.Is() if negated else cst.IsNot()
            return new.with_changes(
                left=read, comparisons=[cst.ComparisonTarget(operator, cst.Name("None"))]
            )

        self.edits[id(comparison)] = edit

    def _assigned(self, assign: cst.Assign | cst.AnnAssign, node: cst.CSTNode, kind: str) -> None:
        targets = (
            [t.target for t in assign.targets]
            if isinstance(assign, cst.Assign)
            else [assign.target]
        )
        if len(targets) != 1 or not isinstance(targets[0], cst.Name):
            if kind == STREAM or kind == LIST:
                self._block(assign, "a response is stored where this tool cannot follow it")
            else:
                self.wraps.add(id(node))  # stored in an attribute or a container: a dict
            return
        self._bind(targets[0], kind)

    def _flows(self, node: cst.CSTNode, parent: cst.CSTNode, kind: str) -> None:
        if isinstance(parent, cst.Arg):
            call = self.parents.get(parent)
            if (
                kind == LIST
                and isinstance(call, cst.Call)
                and isinstance(call.func, cst.Name)
                and call.func.value == "len"
            ):
                return
        if kind == MODEL:
            self.wraps.add(id(node))
        else:
            what = "stream" if kind == STREAM else "list of response parts"
            self._block(node, f"a {what} flows on where this tool cannot follow it")

    # -- names -------------------------------------------------------------------------------
    def _bind(self, name: cst.Name, kind: str) -> None:
        scope = self.scopes.get(name)
        if scope is None:
            self._block(name, "a response is bound to a name in an unknown scope")
            return
        assignments = [
            a for a in scope.assignments[name.value] if isinstance(a, Assignment) and a.node is name
        ]
        if not assignments:
            self._block(name, f"{name.value} cannot be followed")
            return
        self._bound[id(name)] = kind
        for access in assignments[0].references:
            self._accesses.append(access)
            if isinstance(access.node, cst.Name):
                self.follow(access.node, kind)

    def finish(self) -> None:
        """A name read as a response must hold one wherever it is read (checked once every
        binding is known)."""
        for access in self._accesses:
            kinds = {
                self._bound.get(id(r.node)) if isinstance(r, Assignment) else None
                for r in access.referents
            }
            if None in kinds or len(kinds) > 1:
                name = getattr(access.node, "value", "a name")
                self._block(access.node, f"{name} also holds values other than a response")
