"""Running an export: build the table, log it, write it (to a file, a stream or a task).

Pages, the ``export`` command and the background task all come through here, so every export
is scoped the same way and leaves one :class:`~jingzhun.exports.models.ExportLog`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from jingzhun.exports.actions import (
    do_fail_export,
    do_finish_export,
    do_mark_export_running,
    do_start_export,
)
from jingzhun.exports.layouts import (
    ExportSpec,
    ExportTable,
    build_table,
    drill_restrict,
    narrowing,
    today_stamp,
)
from jingzhun.exports.models import ExportLog
from jingzhun.exports.writers import EXTENSIONS, WRITERS, Progress, iter_csv
from jingzhun.registry.queries import HouseholdFilters, filter_households

if TYPE_CHECKING:
    from jingzhun.core.actions import Actor

# Above this many households, xlsx and Parquet exports from a page run in the background
# worker (CSV always streams directly). Overridable with settings.EXPORT_SYNC_MAX_HOUSEHOLDS.
DEFAULT_SYNC_MAX_HOUSEHOLDS = 20_000


def _noop(_rows: int) -> None:
    return None


def sync_limit() -> int:
    return int(getattr(settings, "EXPORT_SYNC_MAX_HOUSEHOLDS", DEFAULT_SYNC_MAX_HOUSEHOLDS))


def export_dir() -> Path:
    path = Path(settings.EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_name_for(spec: ExportSpec, log: ExportLog | None = None) -> str:
    what = spec.what if spec.layout == "project" else "national"
    ref = f"-{log.pk}" if log is not None else ""
    return f"jingzhun-{what}{ref}-{today_stamp()}.{EXTENSIONS[spec.format]}"


def household_count(actor: Actor, spec: ExportSpec) -> int:
    """How many households the export covers (decides whether a page export goes background)."""
    assert actor.user is not None
    filters = spec.filters
    if spec.what == "quality":
        # The report's year chooses the quality run, not households with an income that year.
        filters = HouseholdFilters(**{**filters.__dict__, "year": None})
    return filter_households(actor.user, filters, restrict=drill_restrict(actor.user, spec)).count()


def export_to_file(
    spec: ExportSpec, *, actor: Actor, path: Path, progress: Progress = _noop
) -> ExportLog:
    """Write the export to ``path``, logged; returns the finished log (row count set)."""
    assert actor.user is not None
    table = build_table(actor.user, spec)
    log = do_start_export(spec, actor=actor, masked=table.masked)
    return _write_logged(table, log, path, progress)


def _write_logged(table: ExportTable, log: ExportLog, path: Path, progress: Progress) -> ExportLog:
    try:
        rows = WRITERS[log.format](table, path, progress)
    except Exception as error:
        # Logged as failed, then raised on: the caller reports it (never swallowed).
        do_fail_export(log, error=f"{type(error).__name__}: {error}")
        raise
    do_finish_export(log, rows=rows, file_name=path.name)
    log.refresh_from_db()
    return log


def stream_csv(spec: ExportSpec, *, actor: Actor) -> tuple[ExportLog, Iterator[bytes]]:
    """The log (started) and the CSV chunks; the log is finished after the last chunk."""
    assert actor.user is not None
    table = build_table(actor.user, spec)
    log = do_start_export(spec, actor=actor, masked=table.masked)

    def finish(rows: int) -> None:
        do_finish_export(log, rows=rows)

    return log, iter_csv(table, on_done=finish)


def queue_export(spec: ExportSpec, *, actor: Actor) -> ExportLog:
    """Log the export as queued and hand it to the background worker."""
    from jingzhun.exports.tasks import run_export

    assert actor.user is not None
    masked = not actor.user.sees_personal_numbers
    log = do_start_export(spec, actor=actor, masked=masked, queued=True)
    run_export.enqueue(log.pk)
    return log


def spec_of(log: ExportLog) -> ExportSpec:
    """The export a log asked for (the worker's copy): the list's filters and its drill-down,
    read as its user sees them."""
    filters = HouseholdFilters.from_params(log.filters)
    drill = narrowing(log.user, log.filters).params if log.user is not None else {}
    return ExportSpec(
        what=log.what, format=log.format, layout=log.layout, filters=filters, drill=drill
    )


def run_queued_export(log_id: int) -> dict[str, Any]:
    """The worker's half of :func:`queue_export`: write the file into settings.EXPORT_DIR."""
    log = ExportLog.objects.select_related("user", "user__area").get(pk=log_id)
    if not do_mark_export_running(log):
        return {"log": log_id, "skipped": True}
    spec = spec_of(log)
    table = build_table(log.user, spec)  # type: ignore[arg-type]
    path = export_dir() / file_name_for(spec, log)
    done = _write_logged(table, log, path, _noop)
    return {"log": log_id, "rows": done.row_count, "file": done.file_name}
