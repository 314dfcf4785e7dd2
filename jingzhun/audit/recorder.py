"""Writing audit entries. Called only from action functions, inside their transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from jingzhun.audit import chain
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import Actor
from jingzhun.core.bulk_insert import insert_rows


def entry(
    *,
    actor: Actor,
    action: str,
    obj: Any,
    area_code: str,
    changes: dict[str, Any],
    household: Any = None,
    reason: str = "",
    at: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    label: str | None = None,
) -> dict[str, Any]:
    """One audit entry's values (``record`` saves one; ``record_many`` saves a batch). Bulk
    actions that hold no model instance give ``object_type``, ``object_id`` and ``label``."""
    return {
        "at": at or timezone.now(),
        "actor": actor.user,
        "actor_name": actor.name,
        "ip": actor.ip,
        "source": actor.source,
        "source_ref": actor.source_ref,
        "action": action,
        "object_type": object_type or obj._meta.model_name,
        "object_id": str(obj.pk if object_id is None else object_id),
        "object_label": (str(obj) if label is None else label)[:200],
        "household": household,
        "area_code": area_code,
        "changes": changes,
        "reason": reason,
    }


def _in_transaction() -> None:
    assert transaction.get_connection().in_atomic_block, "audit must share the change's transaction"


def record(**kwargs: Any) -> AuditEntry:
    """Append one entry to the audit trail (and its hash chain), in the caller's transaction."""
    _in_transaction()
    (row,) = chain.chain([entry(**kwargs)])
    return AuditEntry.objects.create(**row)


def record_many(entries: Iterable[dict[str, Any]]) -> int:
    """Insert prepared entries (bulk actions: an import of thousands of records)."""
    _in_transaction()
    return insert_rows(AuditEntry, chain.chain(entries))


# Actions that record a read of personal data start with this (read_household …): pages that
# show a record's change history leave them out.
READ_PREFIX = "read_"


def record_read(*, actor: Actor, action: str, obj: Any, area_code: str, **kwargs: Any) -> None:
    """Record that ``actor`` read personal data (a household page, full numbers, a download):
    inspectors ask who looked at whom. Its own small transaction; the read itself changes
    nothing. ``action`` names what was read and starts with :data:`READ_PREFIX`."""
    assert action.startswith(READ_PREFIX), action
    with transaction.atomic():
        record(actor=actor, action=action, obj=obj, area_code=area_code, changes={}, **kwargs)
