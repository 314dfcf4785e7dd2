"""Run a queued quality run end to end: snapshot (DuckDB) or live DB (PostgreSQL), checks,
counts. Called by the background task and by ``jingzhun quality``."""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow as pa
from django.conf import settings

from jingzhun.analytics.backend import DuckDBBackend, PostgresBackend
from jingzhun.analytics.snapshot import write_snapshot
from jingzhun.areas.models import Area
from jingzhun.core.actions import Actor
from jingzhun.quality import actions
from jingzhun.quality.batch import run_checks
from jingzhun.quality.context import CheckContext
from jingzhun.quality.models import QualityRun


def execute_run(
    run: QualityRun, *, actor: Actor, snapshot_dir: Path | None = None, fresh: bool = True
) -> tuple[QualityRun, pa.Table]:
    """Run ``run`` (which must be queued). With ``fresh`` the DuckDB backend first writes a new
    snapshot of the run's area. Returns the stored run and every finding (exempted included)."""
    if not actions.mark_run_started(run):
        raise RuntimeError(f"检查任务 #{run.pk} 已在运行或已完成。")
    try:
        area = Area.objects.get(code=run.area_code)
        prefix = area.scope_prefix
        started = time.perf_counter()
        if run.backend == "postgres":
            backend = PostgresBackend(year=run.year, area_prefix=prefix)
        else:
            directory = Path(snapshot_dir or settings.SNAPSHOT_DIR) / f"quality-{run.area_code}"
            if fresh or not (directory / "manifest.json").exists():
                write_snapshot(year=run.year, out=directory, area_code=run.area_code)
            backend = DuckDBBackend(directory)
        findings = run_checks(backend, CheckContext(year=run.year))
        seconds = time.perf_counter() - started
        stored = actions.do_record_quality_run(
            run,
            actor=actor,
            findings=findings,
            households_per_village=actions.households_per_village(prefix),
            area_prefix=prefix,
            seconds=seconds,
        )
    except Exception as error:
        actions.mark_run_failed(run, f"{type(error).__name__}: {error}")
        raise
    return stored, findings
