"""Writing audit entries. Called only from action functions, inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import Actor


def record(
    *,
    actor: Actor,
    action: str,
    obj: Any,
    area_code: str,
    changes: dict[str, Any],
    household: Any = None,
    reason: str = "",
) -> AuditEntry:
    assert transaction.get_connection().in_atomic_block, "audit must share the change's transaction"
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=actor.user,
        actor_name=actor.name,
        ip=actor.ip,
        source=actor.source,
        source_ref=actor.source_ref,
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        object_label=str(obj)[:200],
        household=household,
        area_code=area_code,
        changes=changes,
        reason=reason,
    )
