"""Masking of personal numbers for roles that do not need them (and always in logs).

``1409221985030410X9`` → ``1409**********10X9``-style: keep the 4-digit prefix and last 4.
"""

from __future__ import annotations

import re


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


# A run of 15–19 digits (ID numbers, bank cards) or an 11-digit mobile number in free text.
_LONG_NUMBER = re.compile(r"(?<!\d)(\d{6})(\d{8,11})(\d{3}[\dXx])(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_free_text(text: str) -> str:
    """Mask anything in ``text`` that looks like an ID, bank or mobile number."""
    text = _LONG_NUMBER.sub(
        lambda m: m.group(1)[:4] + "*" * (len(m.group(0)) - 8) + m.group(3), text
    )
    return _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
