"""How a project sorts its imports, as isort and ruff's ``I001`` see it: sections and sort keys.

``ImportStyle`` holds the settings that decide where an import goes (known first- and
third-party modules, ``force-single-line``, ``force-sort-within-sections``, the line length)
and the modules the project itself holds. ``codemods.import_placement`` puts the imports a
migration adds where these say; ``migrator.import_config`` reads them from the project's files.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from fnmatch import fnmatchcase

FUTURE, STDLIB, THIRD_PARTY, FIRST_PARTY, LOCAL_FOLDER = range(5)
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class ImportStyle:
    known_first_party: tuple[str, ...] = ()  # module names or glob patterns
    known_third_party: tuple[str, ...] = ()
    local_modules: frozenset[str] = frozenset()  # top-level modules and packages of the project
    force_single_line: bool = False
    force_sort_within_sections: bool = False
    line_length: int = 88

    def section(self, module: str, level: int = 0) -> int:
        """The section isort (and ruff) would put an import of ``module`` in."""
        if level:
            return LOCAL_FOLDER
        if module == "__future__":
            return FUTURE
        if _known(module, self.known_first_party):
            return FIRST_PARTY
        if _known(module, self.known_third_party):
            return THIRD_PARTY
        top = module.split(".", 1)[0]
        if top in _STDLIB:
            return STDLIB
        if top in self.local_modules:
            return FIRST_PARTY
        return THIRD_PARTY


def _known(module: str, patterns: tuple[str, ...]) -> bool:
    parts = module.split(".")
    prefixes = [".".join(parts[: n + 1]) for n in range(len(parts))]
    return any(fnmatchcase(prefix, pattern) for pattern in patterns for prefix in prefixes)


def natural(text: str) -> tuple[object, ...]:
    """Case-insensitive natural order (``x2`` before ``x10``), ties broken by the spelling."""

    def split(value: str) -> tuple[object, ...]:
        return tuple(
            (0, int(p), "") if p.isdigit() else (1, 0, p) for p in _DIGITS.split(value) if p
        )

    return (split(text.lower()), split(text))


def member_key(name: str) -> tuple[object, ...]:
    """isort's ``order-by-type``: CONSTANTS, then Classes, then everything else."""
    if len(name) > 1 and name.isupper():
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return (kind, natural(name))
