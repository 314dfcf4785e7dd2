"""What a reader may see of personal data: the masking rules, in one place.

``1409221985030410X9`` → ``1409**********10X9``-style: keep the 4-digit prefix and last 4.

:class:`Disclosure` is the one policy every page, API response, export, download and audit view
applies: full ID, phone and bank numbers only for the roles that handle households' paperwork
(``User.sees_personal_numbers``), health status only for the roles that decide on assistance
(``User.sees_health``), and for everyone else the same numbers masked wherever they appear —
in their own fields and inside free text (a remark, a reason, a case record) — and health shown
as "已隐藏". Logs are masked for everyone (:mod:`jingzhun.core.logging`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

HEALTH_HIDDEN = _("已隐藏")


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_bank_account(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


# Numbers as people type them in free text. ``\d`` matches full-width digits (０-９) too. A
# number is: a plain run of 10 to 22 digits (an ID may end in X), or the usual groupings —
# mobile 3-4-4, bank card 4-4-4-4(-3), ID 6-8-4 — with a space or a dash between the groups,
# optionally after +86. Dates (2023-03-15), amounts and 12-digit village codes are left alone
# by the length and shape rules of :func:`_mask_number`.
_SEP = r"[ \-－‐]"
_NUMBER = re.compile(
    r"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ.])(?:(?:\+|＋)?(?:86|８６)" + _SEP + r"?)?"
    r"(?:\d{6}" + _SEP + r"\d{8}" + _SEP + r"\d{3}[\dXxＸｘ]"
    r"|\d{4}(?:" + _SEP + r"\d{4}){3,4}(?:" + _SEP + r"\d{1,3})?"
    r"|1\d{2}" + _SEP + r"\d{4}" + _SEP + r"\d{4}"
    r"|0\d{2,3}" + _SEP + r"\d{7,8}"
    r"|\d{10,22}[XxＸｘ]?)"
    r"(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ]|\.\d)"
)


def _mask_number(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"[^0-9X]", "", unicodedata.normalize("NFKC", text).upper())
    if digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        digits = digits[2:]  # +86 and a mobile number
    if len(digits) >= 15:  # an ID number (15 or 18) or a bank card (16 to 19)
        return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]
    if len(digits) == 11 and digits[0] == "1":  # a mobile number
        return mask_phone(digits)
    if 10 <= len(digits) <= 12 and digits[0] == "0":  # a landline with its area code
        return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]
    return text


def mask_free_text(text: str) -> str:
    """Mask anything in ``text`` that looks like an ID, bank card or phone number."""
    if not text:
        return text
    return _NUMBER.sub(_mask_number, text)


# Fields whose value is a personal number, and how each is masked.
NUMBER_FIELDS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "bank_account": mask_bank_account,
}
HEALTH_FIELDS = frozenset({"health"})
# Fields people write sentences into: numbers inside them are masked for roles that see masked
# numbers (a cadre types "户主电话13912345678" into a remark).
FREE_TEXT_FIELDS = frozenset(
    {
        "address",
        "cause_remark",
        "remark",
        "reason",
        "deleted_reason",
        "work_place",
        "note",
        "notes",
        "content",
        "comment",
        "opinion",
        "details",
        "industry_aid",
        "employment_aid",
        "finance_aid",
        "public_job_aid",
        "health_aid",
        "education_aid",
        "housing_aid",
        "basic_guarantee",
        "social_aid",
        "infrastructure_aid",
        "living_conditions_aid",
    }
)


@dataclass(frozen=True)
class Disclosure:
    """What one reader may see. Build it with :meth:`of` from the reading user (None, the
    anonymous public or a role-less account see the least)."""

    numbers: bool = False
    health: bool = False

    @classmethod
    def of(cls, user: Any) -> Disclosure:
        return cls(
            numbers=bool(getattr(user, "sees_personal_numbers", False)),
            health=bool(getattr(user, "sees_health", False)),
        )

    @property
    def full(self) -> bool:
        return self.numbers and self.health

    def number(self, field: str, value: str | None) -> str:
        """A personal number field (``id_number``, ``phone``, ``bank_account``)."""
        if not value:
            return ""
        return value if self.numbers else NUMBER_FIELDS[field](value)

    def text(self, value: Any) -> Any:
        """Free text (remarks, reasons, case records, addresses): numbers inside it masked."""
        if self.numbers or not isinstance(value, str):
            return value
        return mask_free_text(value)

    def health_value(self, value: Any) -> Any:
        """Health status, or "已隐藏" for a role that may not see it (blank stays blank)."""
        if self.health or value in (None, ""):
            return value
        return str(HEALTH_HIDDEN)

    def field(self, name: str, value: Any) -> Any:
        """Any field of a household or member record, by its name: numbers masked, health
        hidden, text scanned for numbers; other values as they are."""
        if name in NUMBER_FIELDS:
            return self.number(name, value) if isinstance(value, str) or value is None else value
        if name in HEALTH_FIELDS:
            return self.health_value(value)
        return self.text(value)

    def all_text(self, value: Any) -> Any:
        """Every string in nested data scanned for numbers (a case step's record, whose keys
        are the step form's own)."""
        if isinstance(value, dict):
            return {k: self.all_text(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.all_text(v) for v in value]
        return self.text(value)

    def value(self, value: Any, field: str = "") -> Any:
        """A value anywhere in nested data (a JSON preview, audit changes): dicts and lists
        walked, keys taken as field names."""
        if isinstance(value, dict):
            return {k: self.value(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v, field) for v in value]
        return self.field(field, value)
