"""The values of ``[tool.aoai-migrate]`` checked as TOML values, before the parser reads them.

The command-line parser reads every value as text, so a file saying ``jobs = "4"`` would be taken
as if it said ``jobs = 4``; and a misspelt choice (``credential = "chaind"``) would only be caught
later, by a message that names neither the file nor the key. Here a number must be a TOML number
and a choice one of its values, with the closest one suggested; the message names the file, the
table and the key.
"""

from __future__ import annotations

import difflib
from typing import Any

from codemods.options import CLOUDS, CREDENTIAL_KINDS

# Options typed as text whose values are a closed list all the same.
CHOICES: dict[str, tuple[str, ...]] = {"credential": CREDENTIAL_KINDS, "cloud": CLOUDS}


def check_value(where: str, key: str, param: Any, value: Any) -> None:
    """Raise ``ValueError`` (its message begins with ``where``) for a value of the wrong kind."""
    if _is_integer(param) and (isinstance(value, bool) or not isinstance(value, int)):
        kind = "a string" if isinstance(value, str) else type(value).__name__
        raise ValueError(f"{where}: expected an integer, got {value!r} ({kind})")
    choices = CHOICES.get(key) or _choices(param)
    if choices and isinstance(value, str) and value not in choices:
        close = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(
            f"{where}: unknown value {value!r}{hint}; choose one of {', '.join(choices)}"
        )


def _is_integer(param: Any) -> bool:
    described = getattr(param, "type_descriptor", None)
    annotation = getattr(described, "annotation", None)
    return annotation is int or (getattr(param, "type", None) is not None and _click_int(param))


def _click_int(param: Any) -> bool:
    return getattr(param.type, "name", "") in ("integer", "integer range")


def _choices(param: Any) -> tuple[str, ...]:
    from migrator.cli_help import choices_of

    return choices_of(param)
