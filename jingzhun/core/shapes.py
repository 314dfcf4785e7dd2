"""Stored text rebuilt in the reader's language from the pattern it was made with.

Some text is stored in Chinese because it records what was shown or compared at the time (an
alert's compared values, an audit entry's object label). Where such text is made from a pattern
— ``%(amount)s元``, ``%(year)s年收入`` — the pattern is a msgid (``gettext_noop`` where it is
defined). :func:`rebuild` recognises which of the given patterns a stored text follows and
rebuilds it from the translated pattern, its arguments translated where they are msgids (a
unit, a rule title, a value-list label); text that follows none of them is translated if it is
a msgid itself, else returned unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.utils.translation import gettext

# What a placeholder of that name may hold (any other: any text, as little as possible).
ARGUMENTS = {
    "amount": r"-?[\d,]+(?:\.\d+)?",
    "age": r"\d+",
    "low": r"\d+",
    "high": r"\d+",
    "year": r"\d{4}",
    "date": r"\d{4}-\d{2}-\d{2}",
    "grade": r"[A-Z]",
    "probability": r"\d+(?:\.\d+)?%",
    "number": r"\S+",
}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@cache
def pattern(shape: str) -> re.Pattern[str]:
    """``shape`` (``%(amount)s元``) as an anchored regular expression, a named group for each
    placeholder."""
    parts = _PLACEHOLDER.split(shape)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>{ARGUMENTS.get(part, '.+?')})"
        for i, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$", re.DOTALL)


def translated(text: Any) -> str:
    """``text`` through gettext; the empty text stays empty (gettext("") is the header)."""
    text = "" if text is None else str(text)
    return gettext(text) if text else text


def rebuild(text: Any, shapes: Iterable[str]) -> str:
    """``text`` in the active language: rebuilt from the first of ``shapes`` it follows, else
    translated if it is a msgid, else unchanged."""
    text = "" if text is None else str(text)
    for shape in shapes:
        match = pattern(shape).match(text)
        if match:
            return gettext(shape) % {k: translated(v) for k, v in match.groupdict().items()}
    return translated(text)
