"""Does a declared constraint allow only a given minimum or later? ``packaging`` decides.

A constraint is read in one of three spellings: PEP 508 (requirements files, ``[project]``,
setup.cfg, the pip part of environment.yml), Poetry (``^1.2``, ``~1.2``, ``1.2``, ``>=1 <2``)
and conda (``=1.2``, ``1.2``: a prefix match). Poetry's and conda's clauses are translated to
PEP 440 specifiers first (Poetry's documented meaning: ``^1.2.3`` is ``>=1.2.3,<2.0.0``, the
first non-zero part may not change; ``~1.2.3`` is ``>=1.2.3,<1.3.0``, ``~1`` is ``>=1,<2``), then
``packaging.specifiers.Specifier`` parses every clause and ``packaging.version.Version`` orders
the bounds, so ``!=1.106.*`` is an exclusion (never a lower bound) and ``1.106.0rc1`` comes
before ``1.106.0``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, Specifier
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version


def normalize(name: str) -> str:
    return canonicalize_name(name)


@dataclass(frozen=True)
class Verdict:
    # "ok", "raise" (new_spec set), "excluded" (a pin or ceiling rules the minimum out),
    # "pinned", "unknown"
    kind: str
    new_spec: str | None = None


@dataclass(frozen=True)
class _Clause:
    op: str  # as written, for the rewrite: >=, >, ^, ~=, ... ("" for a bare version)
    text: str  # as written
    specifiers: tuple[Specifier, ...]  # what it means in PEP 440


def _bump(release: tuple[int, ...], index: int) -> Version:
    """The first release past ``release`` when its part ``index`` goes up by one."""
    release = release + (0,) * (index + 1 - len(release))
    return Version(".".join(str(p) for p in release[:index] + (release[index] + 1,)))


def _pep440(op: str, version: str, flavor: str, first: bool) -> list[str]:
    """A Poetry or conda clause as PEP 440 specifiers."""
    if version.endswith("*") and op in ("", "=", "=="):
        return [f"=={version}"]
    if flavor == "conda" and op in ("", "=") and first:
        return [f"=={version}.*"]  # conda: "=1.2" and "1.2" match 1.2.*
    if op in ("", "="):
        return [f"=={version}"]  # poetry: a bare version is an exact pin
    if op in ("^", "~"):
        release = Version(version).release
        if op == "^":
            index = next((i for i, p in enumerate(release) if p), len(release) - 1)
        else:
            index = 1 if len(release) > 1 else 0
        return [f">={version}", f"<{_bump(release, index)}"]
    return [f"{op}{version}"]


_POETRY_CLAUSE = re.compile(r"(\^|~=|~|===|==|!=|<=|>=|<|>|=)?\s*([A-Za-z0-9.*+!_-]+)")


def _clauses(spec: str, flavor: str) -> list[_Clause] | None:
    """The constraint's clauses (all must hold); None when it is not understood (or has an OR)."""
    spec = spec.strip().strip("()").strip()
    if not spec or spec == "*":
        return []
    if "||" in spec or "|" in spec:
        return None
    separator = r"\s*,\s*" if flavor == "pep508" else r"\s*,\s*|\s+(?=[<>=!~^])"
    out: list[_Clause] = []
    try:
        for index, part in enumerate(p for p in re.split(separator, spec) if p):
            if flavor == "pep508":
                specifier = Specifier(part)
                out.append(_Clause(specifier.operator, part, (specifier,)))
                continue
            match = _POETRY_CLAUSE.fullmatch(part)
            if not match:
                return None
            op, version = match.group(1) or "", match.group(2)
            texts = _pep440(op, version, flavor, index == 0)
            out.append(_Clause(op, part, tuple(Specifier(t) for t in texts)))
    except (InvalidSpecifier, InvalidVersion):
        return None
    return out


def _bounds(specifier: Specifier) -> list[tuple[str, Version, bool]] | None:
    """The (side, version, inclusive) bounds one PEP 440 specifier puts on a version."""
    op, text = specifier.operator, specifier.version
    if op == "!=":
        return []  # an exclusion bounds nothing, wildcard or not
    if op == "===":
        try:
            version = Version(text)
        except InvalidVersion:
            return None
        return [("low", version, True), ("high", version, True)]
    if op == "==" and text.endswith(".*"):
        release = Version(text[:-2]).release
        prefix = Version(text[:-2])
        return [("low", prefix, True), ("high", _bump(release, len(release) - 1), False)]
    version = Version(text)
    if op in (">=", ">"):
        return [("low", version, True)]
    if op in ("<", "<="):
        return [("high", version, op == "<=")]
    if op == "==":
        return [("low", version, True), ("high", version, True)]
    if op == "~=":
        ceiling = _bump(version.release, len(version.release) - 2)
        return [("low", version, True), ("high", ceiling, False)]
    return None


def decide(spec: str, flavor: str, minimum: str) -> Verdict:
    """What to do with a declared constraint so that it allows only ``minimum`` or later."""
    clauses = _clauses(spec, flavor)
    if clauses is None:
        return Verdict("unknown")
    need = Version(minimum)
    low: Version | None = None
    low_clause: _Clause | None = None
    high: Version | None = None
    high_inclusive = False
    for clause in clauses:
        for specifier in clause.specifiers:
            bounds = _bounds(specifier)
            if bounds is None:
                return Verdict("unknown")
            for side, value, inclusive in bounds:
                if side == "low" and (low is None or value > low):
                    low, low_clause = value, clause
                if side == "high" and (high is None or value < high):
                    high, high_inclusive = value, inclusive
    if low is not None and low >= need:
        return Verdict("ok")
    if high is not None and (high < need or (high == need and not high_inclusive)):
        return Verdict("excluded")
    if low_clause is None:
        if flavor == "poetry" and spec.strip() in ("", "*"):
            return Verdict("raise", f">={minimum}")
        rest = spec.strip()
        return Verdict("raise", f">={minimum}" + (f",{rest}" if rest else ""))
    if low_clause.op in (">=", ">"):
        return Verdict("raise", spec.replace(low_clause.text, f">={minimum}", 1))
    if low_clause.op == "^":
        return Verdict("raise", spec.replace(low_clause.text, f"^{minimum}", 1))
    if low_clause.op == "~=" and len(Version(low_clause.specifiers[0].version).release) == 2:
        major_minor = ".".join(str(p) for p in need.release[:2])
        return Verdict("raise", spec.replace(low_clause.text, f"~={major_minor}", 1))
    return Verdict("pinned")
