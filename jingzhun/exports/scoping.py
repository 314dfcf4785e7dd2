"""The one scoping function for export logs.

Inspectors, approvers and administrators (the roles that read the audit trail) see every export
of a scope under their area; everyone else sees only their own exports (to fetch a file that was
written in the background). Out of scope and absent both raise :class:`NotFound`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from jingzhun.areas.models import code_range
from jingzhun.core.actions import NotFound
from jingzhun.exports.models import ExportLog

if TYPE_CHECKING:
    from jingzhun.accounts.models import User


def export_logs_for(user: User) -> QuerySet[ExportLog]:
    if user.can_read_audit:
        low, high = code_range(user.scope_prefix)
        return ExportLog.objects.filter(area_code__gte=low, area_code__lt=high)
    return ExportLog.objects.filter(user=user)


def access_export_log_by_id(user: User, log_id: int | str) -> ExportLog:
    try:
        return export_logs_for(user).get(pk=int(log_id))
    except (ExportLog.DoesNotExist, ValueError, TypeError):
        raise NotFound(log_id) from None
