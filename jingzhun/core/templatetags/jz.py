"""Template helpers: masking by role, labels of stored codes, audit values."""

from __future__ import annotations

from typing import Any

from django import template

from jingzhun.core import masking

register = template.Library()

PERSONAL_FIELDS = {
    "id_number": masking.mask_id_number,
    "phone": masking.mask_phone,
    "bank_account": masking.mask_bank_account,
}


def _sees(context: template.Context) -> bool:
    user = context.get("request").user if context.get("request") else None
    return bool(user and getattr(user, "sees_personal_numbers", False))


@register.simple_tag(takes_context=True)
def personal(context: template.Context, value: str | None, kind: str) -> str:
    """``{% personal member.id_number "id_number" %}``: full for roles that need it, else masked."""
    if not value:
        return ""
    return value if _sees(context) else PERSONAL_FIELDS[kind](value)


@register.simple_tag(takes_context=True)
def audit_value(context: template.Context, field: str, value: Any) -> str:
    """One old/new value of an audit entry, masked when the field is personal."""
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    text = str(value) if not isinstance(value, list) else "；".join(str(v) for v in value)
    if field in PERSONAL_FIELDS and not _sees(context):
        return PERSONAL_FIELDS[field](text)
    return text


@register.filter
def get_item(mapping: dict, key: str) -> Any:
    return mapping.get(key) if mapping else None
