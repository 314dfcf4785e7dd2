"""An alert's compared values in the reader's language.

The values an alert compared are stored as ``[label, value]`` pairs in Chinese (the record of the
comparison as it was made, jingzhun/crosscheck/rules.py and alerting.py). Every label and fixed
word there is a msgid, and every composite value is built from one of the patterns of
:data:`~jingzhun.crosscheck.rules.SHAPES` (an amount in yuan, a threshold with its unit and
parameter version …): :func:`stored_value` rebuilds those from the translated pattern
(jingzhun.core.shapes); anything else goes through gettext (a msgid is translated, a data value
— a date, a company's name — comes back unchanged).
"""

from __future__ import annotations

from typing import Any

from jingzhun.core.shapes import rebuild, translated
from jingzhun.crosscheck.rules import SHAPES


def stored_value(value: Any) -> str:
    """One stored value in the active language."""
    return rebuild(value, SHAPES)


def compared_values(values: Any) -> list[list[str]]:
    """An alert's ``values`` as ``[label, value]`` pairs in the active language (anything that
    is not a pair is shown as stored, without a label)."""
    out = []
    for pair in values or []:
        if isinstance(pair, list | tuple) and len(pair) == 2:
            out.append([translated(pair[0]), stored_value(pair[1])])
        else:
            out.append(["", str(pair)])
    return out
