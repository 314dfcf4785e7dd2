"""Background what-if simulations (django-tasks; worked by ``jingzhun worker``)."""

from __future__ import annotations

from django_tasks import task

from jingzhun.areas.models import Area
from jingzhun.policy import runs
from jingzhun.policy.models import EvaluationJob, WhatIfRun
from jingzhun.policy.whatif import Override, WhatIf, simulate_area

# How many affected households a stored result lists (the page shows them; the counts by area
# cover every one, and the run's file holds them all for the household list).
STORED_AFFECTED = 500


@task()
def run_whatif(run_id: int) -> int:
    """Work the queued WhatIfRun ``run_id``, reporting each step as its progress; returns how
    many households were affected."""
    if not runs.start_whatif(run_id):
        return 0
    run = WhatIfRun.objects.get(pk=run_id)
    try:
        area = Area.objects.get(code=run.area_code)
        result = runs_simulate(run, area)
    except Exception as error:
        runs.finish_whatif(run_id, result=None, error=f"{type(error).__name__}: {error}")
        raise
    runs.finish_whatif(run_id, result=result.summary(STORED_AFFECTED), affected=result.affected)
    return result.affected.num_rows


def runs_simulate(run: WhatIfRun, area: Area) -> WhatIf:
    return simulate_area(
        run.year,
        [Override.from_dict(o) for o in run.overrides],
        area_code=area.code,
        area_prefix=area.scope_prefix,
        progress=lambda step: runs.mark_whatif(run.pk, progress=step),
    )


@task()
def run_evaluation(job_id: int) -> int:
    """Work the queued EvaluationJob ``job_id``: a fresh snapshot of its area, the set-based
    evaluation on DuckDB, the stored run; returns the households evaluated."""
    import tempfile
    import time
    from pathlib import Path

    from django.conf import settings
    from django.utils import timezone

    from jingzhun.analytics.backend import open_backend
    from jingzhun.analytics.snapshot import write_snapshot
    from jingzhun.core.actions import Actor
    from jingzhun.policy.decisions import evaluate_batch

    if not runs.start_evaluation_job(job_id):
        return 0
    job = EvaluationJob.objects.select_related("started_by").get(pk=job_id)
    started_at, started = timezone.now(), time.perf_counter()
    try:
        area = Area.objects.get(code=job.area_code)
        root = Path(settings.SNAPSHOT_DIR)
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="evaluate-", dir=root) as tmp:
            runs.mark_evaluation_job(job_id, progress="生成快照")
            directory = Path(tmp) / "snapshot"
            write_snapshot(year=job.year, out=directory, area_code=area.code)
            backend = open_backend("duckdb", year=job.year, area_code=area.code, snapshot=directory)
            try:
                runs.mark_evaluation_job(job_id, progress="逐户判定")
                table = evaluate_batch(backend, job.year, area)
            finally:
                backend.con.disconnect()
        runs.mark_evaluation_job(job_id, progress="保存结果")
        actor = Actor(user=job.started_by, source="system", source_ref=f"evaluation job {job_id}")
        run = runs.do_store_evaluation_run(
            actor,
            table=table,
            year=job.year,
            area=area,
            backend="duckdb",
            started_at=started_at,
            seconds=time.perf_counter() - started,
        )
    except Exception as error:
        runs.finish_evaluation_job(job_id, run=None, error=f"{type(error).__name__}: {error}")
        raise
    runs.finish_evaluation_job(job_id, run=run)
    return table.num_rows
