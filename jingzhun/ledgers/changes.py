"""What changed in a record between two reads, by field label, for a ledger's preview."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from jingzhun.core.actions import jsonable


def shown(instance: Model, name: str) -> Any:
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if getattr(field, "choices", None) and value not in (None, ""):
        return str(dict(field.choices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Model):
        return str(value)
    return jsonable(value)


def snapshot(instance: Model, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: shown(instance, name) for name in names}


def changes(instance: Model, before: dict[str, Any], names: tuple[str, ...]) -> dict[str, list]:
    """{verbose name: [old, new]} of the fields of ``names`` whose shown value changed."""
    after = snapshot(instance, names)
    return {
        str(instance._meta.get_field(name).verbose_name): [before[name], after[name]]
        for name in names
        if before[name] != after[name]
    }
