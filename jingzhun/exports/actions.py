"""Every write of the exports app: starting and finishing an export's log entry.

An export changes no registry data, but exporting personal data is an act inspectors ask about:
:func:`do_start_export` writes the :class:`ExportLog` row and an audit entry in one transaction;
:func:`do_finish_export` / :func:`do_fail_export` move it on with a conditional update (a log is
finished once).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from jingzhun.audit.recorder import record
from jingzhun.core import jobs
from jingzhun.core.actions import Actor, PermissionDenied
from jingzhun.exports.layouts import ExportSpec
from jingzhun.exports.models import ExportLog, ExportStatus


def do_start_export(
    spec: ExportSpec, *, actor: Actor, masked: bool, queued: bool = False
) -> ExportLog:
    """Log the start of an export by ``actor`` (whose scope the rows come from)."""
    user = actor.user
    if user is None:
        raise PermissionDenied("导出必须以具体用户身份进行。")
    # The logged scope is the chosen area when it lies under the user's own (an out-of-scope
    # area exports nothing and is logged under the user's area, where their inspectors look).
    area = spec.filters.area
    scope = area if area and area.startswith(user.scope_prefix) else user.area.code
    with transaction.atomic():
        log = ExportLog.objects.create(
            started_at=timezone.now(),
            user=user,
            user_name=actor.name,
            role=user.role,
            source=actor.source,
            ip=actor.ip,
            area_code=scope,
            what=spec.what if spec.layout == "project" else "members",
            format=spec.format,
            layout=spec.layout,
            filters=spec.describe()["filters"],
            masked=masked,
            status=ExportStatus.QUEUED if queued else ExportStatus.RUNNING,
            worker="" if queued else jobs.this_lease(),
        )
        record(
            actor=actor,
            action="export_data",
            obj=log,
            area_code=log.area_code,
            changes={"export": [None, {**spec.describe(), "masked": masked}]},
        )
    return log


def do_mark_export_running(log: ExportLog) -> bool:
    """Queued → running (the worker picked it up). False if it was not queued."""
    return bool(
        ExportLog.objects.filter(pk=log.pk, status=ExportStatus.QUEUED).update(
            status=ExportStatus.RUNNING, worker=jobs.this_lease()
        )
    )


def do_finish_export(log: ExportLog, *, rows: int, file_name: str = "") -> bool:
    """Running → done with the row count. False if the log was not running."""
    changed = ExportLog.objects.filter(pk=log.pk, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE, row_count=rows, file_name=file_name, finished_at=timezone.now()
    )
    return bool(changed)


def fail_interrupted_exports(logs: QuerySet[ExportLog], reason: str) -> int:
    """Exports whose process died (jingzhun.core.jobs): failed with the reason."""
    return logs.update(
        status=ExportStatus.FAILED,
        error=f"导出中断：{reason}。请重新导出。",
        finished_at=timezone.now(),
    )


def do_fail_export(log: ExportLog, *, error: str) -> bool:
    changed = ExportLog.objects.filter(
        pk=log.pk, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).update(status=ExportStatus.FAILED, error=error[:2000], finished_at=timezone.now())
    return bool(changed)


def do_log_download(
    *,
    actor: Actor,
    what: str,
    area_code: str,
    file_format: str,
    masked: bool,
    rows: int,
    file_name: str,
    details: dict | None = None,
) -> ExportLog:
    """Log a file of personal data handed out whole in one request (an upload's failed rows):
    a finished :class:`ExportLog` row and its audit entry, in one transaction."""
    user = actor.user
    if user is None:
        raise PermissionDenied("下载必须以具体用户身份进行。")
    now = timezone.now()
    with transaction.atomic():
        log = ExportLog.objects.create(
            started_at=now,
            finished_at=now,
            user=user,
            user_name=actor.name,
            role=user.role,
            source=actor.source,
            ip=actor.ip,
            area_code=area_code,
            what=what,
            format=file_format,
            layout="project",
            filters=details or {},
            masked=masked,
            status=ExportStatus.DONE,
            row_count=rows,
            file_name=file_name[:200],
        )
        record(
            actor=actor,
            action="export_data",
            obj=log,
            area_code=area_code,
            changes={
                "export": [None, {"what": what, "format": file_format, "masked": masked}],
                **({"details": [None, details]} if details else {}),
            },
        )
    return log
