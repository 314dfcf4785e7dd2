"""An alert's compared values and a link's reasons in the reader's language.

The values an alert compared are stored as ``[label, value]`` pairs in Chinese (the record of the
comparison as it was made, jingzhun/crosscheck/rules.py and alerting.py). Every label and fixed
word there is a msgid, and every composite value is built from one of the patterns of
:data:`~jingzhun.crosscheck.rules.SHAPES` (an amount in yuan, a threshold with its unit and
parameter version …). :func:`stored_value` recognises those shapes and rebuilds the value from
the translated pattern; anything else goes through gettext (a msgid is translated, a data value
— a date, a company's name — comes back unchanged).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from django.utils.translation import gettext

from jingzhun.crosscheck.rules import SHAPES

# What each placeholder of a shape may hold (the others: any text).
ARGUMENTS = {
    "amount": r"-?[\d,]+(?:\.\d+)?",
    "age": r"\d+",
    "low": r"\d+",
    "high": r"\d+",
    "date": r"\d{4}-\d{2}-\d{2}",
    "grade": r"[A-Z]",
    "probability": r"\d+(?:\.\d+)?%",
}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@cache
def _pattern(shape: str) -> re.Pattern[str]:
    """``shape`` (a stored pattern such as ``%(amount)s元``) as an anchored regular expression
    with a named group per placeholder."""
    parts = _PLACEHOLDER.split(shape)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>{ARGUMENTS.get(part, '.+?')})"
        for i, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$", re.DOTALL)


def translated(text: Any) -> str:
    """``text`` through gettext (the empty text stays empty: gettext("") is the header)."""
    text = str(text)
    return gettext(text) if text else text


def stored_value(value: Any) -> str:
    """A stored value in the active language: rebuilt from its shape's translated pattern, its
    arguments translated where they are msgids (a unit, 低保); else translated if it is a
    msgid; else unchanged."""
    text = "" if value is None else str(value)
    for shape in SHAPES:
        match = _pattern(shape).match(text)
        if match:
            return gettext(shape) % {k: translated(v) for k, v in match.groupdict().items()}
    return translated(text)


def compared_values(values: Any) -> list[list[str]]:
    """An alert's ``values`` as ``[label, value]`` pairs in the active language (a malformed
    pair is shown as stored)."""
    out = []
    for pair in values or []:
        if isinstance(pair, list | tuple) and len(pair) == 2:
            out.append([translated(pair[0]), stored_value(pair[1])])
        else:
            out.append(["", str(pair)])
    return out
