"""Background exports (large xlsx and Parquet files from a page), run by `jingzhun worker`."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_export(log_id: int) -> dict[str, Any]:
    from jingzhun.exports.service import run_queued_export

    return run_queued_export(log_id)
