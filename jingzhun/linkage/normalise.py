"""Normalising the values two tables are linked on, so that equal things compare equal.

Every function is pure and total: it takes whatever a CSV, Parquet or Excel reader produced
(str, int, float, date, None) and returns the comparable form, or the empty value ("" or None)
when there is nothing usable. Nothing raises on bad data: a record with an unreadable date is
still linked on its other fields.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from functools import lru_cache
from typing import Any

from pypinyin import lazy_pinyin

from jingzhun.core.idnumber import (
    IdNumberError,
    normalize_id_text,
    parse_id_number,
    upgrade_15_to_18,
)
from jingzhun.core.names import _t2s, normalize_name, pinyin_initials
from jingzhun.imports.cells import CellError, read_date

_SPACES = re.compile(r"\s+")
# A parse date far enough in the future that any birth date an ID number encodes is accepted:
# linking must not depend on today's date (the check against "born in the future" is the
# registry's job, not the linker's).
_NO_FUTURE_CHECK = dt.date(9999, 12, 31)
_SEXES = {
    "1": "1",
    "男": "1",
    "m": "1",
    "male": "1",
    "男性": "1",
    "2": "2",
    "女": "2",
    "f": "2",
    "female": "2",
    "女性": "2",
}


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas' NA and NaT answer True to ``!=`` with themselves, or raise on bool().
    try:
        return bool(value != value)
    except TypeError:
        return True


def _text(value: Any) -> str:
    """``value`` as text: "" when missing, integral floats without ".0" (CSV readers and Excel
    turn 19750308 into 19750308.0)."""
    if _is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@lru_cache(maxsize=65536)
def _name(text: str) -> str:
    return normalize_name(text)


def normalise_name(text: Any) -> str:
    """The comparable form of a personal name: width-folded (NFKC), every space removed
    (U+3000 included), the middle-dot variants of transliterated names written as "·",
    traditional characters simplified (OpenCC t2s), Latin letters lower-cased. "" when blank."""
    return _name(_text(text))


@lru_cache(maxsize=65536)
def _pinyin(name: str) -> str:
    return "".join(lazy_pinyin(name)).lower()


def name_pinyin(text: Any) -> str:
    """The toneless pinyin of the normalised name, joined without spaces: 王建国 and 汪建国 both
    give "wangjianguo". Latin text passes through (lower-cased). "" when blank."""
    return _pinyin(normalise_name(text))


def name_initials(text: Any) -> str:
    """The first letter of each syllable's pinyin: 王建国 → "wjg". "" when blank."""
    return pinyin_initials(normalise_name(text))


@lru_cache(maxsize=65536)
def _id(text: str) -> str:
    normalised = normalize_id_text(text)
    if len(normalised) == 15 and normalised.isdigit():
        return upgrade_15_to_18(normalised)
    return normalised


def normalise_id(text: Any) -> str:
    """An ID number's comparable form: full-width folded, spaces and dashes removed, x upper-
    cased, a 15-digit number upgraded to 18 digits with its check character. The result is
    returned even when the number is invalid (a mistyped number still agrees in part with the
    right one). "" when blank."""
    return _id(_text(text))


@lru_cache(maxsize=65536)
def _valid(normalised: str) -> bool:
    try:
        parse_id_number(normalised, today=_NO_FUTURE_CHECK)
    except IdNumberError:
        return False
    return True


def valid_id(text: Any) -> bool:
    """Whether ``text`` is a valid resident ID number (GB 11643: length, date, check character)."""
    normalised = normalise_id(text)
    return bool(normalised) and _valid(normalised)


def normalise_date(value: Any) -> dt.date | None:
    """A date written in any common form: date or datetime objects, 19750308 (number or text),
    "1975-03-08", "1975/3/8", "1975.3.8", "1975年3月8日", Excel serial numbers. ``None`` when
    blank or unreadable."""
    if _is_missing(value) or (isinstance(value, str) and not value.strip()):
        return None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    try:
        return read_date(value).value
    except (CellError, ValueError, OverflowError):
        return None


def birth_from_id(text: Any) -> dt.date | None:
    """The birth date a valid ID number encodes; ``None`` when the number is not valid."""
    if not valid_id(text):
        return None
    digits = normalise_id(text)
    return dt.date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))


def sex_from_id(text: Any) -> str:
    """ "1" (male, odd sequence digit) or "2" (female) from a valid ID number; "" otherwise."""
    if not valid_id(text):
        return ""
    return "1" if int(normalise_id(text)[16]) % 2 == 1 else "2"


def normalise_sex(value: Any) -> str:
    """ "1" for 男/M/male/1, "2" for 女/F/female/2 (any case or width), "" for anything else."""
    key = unicodedata.normalize("NFKC", _text(value)).strip().lower()
    return _SEXES.get(key, "")


@lru_cache(maxsize=65536)
def _plain(text: str) -> str:
    folded = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()
    return _t2s().convert(folded)


def normalise_text(value: Any) -> str:
    """Free text (addresses, places, other names): width-folded, runs of spaces collapsed to one
    and trimmed, lower-cased, traditional characters simplified. "" when blank."""
    return _plain(_text(value))


def normalise_code(value: Any) -> str:
    """A code (postcode, area code, category): the text with surrounding spaces stripped and
    width folded; integral numbers without ".0". "" when blank."""
    return unicodedata.normalize("NFKC", _text(value)).strip()
