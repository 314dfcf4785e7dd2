"""Background quality runs (django-tasks; worked by ``jingzhun worker``)."""

from __future__ import annotations

from django_tasks import task

from jingzhun.core.actions import Actor
from jingzhun.quality.models import QualityRun
from jingzhun.quality.runner import execute_run


@task()
def run_quality(run_id: int) -> int:
    """Run the queued QualityRun ``run_id``; returns how many findings were stored."""
    run = QualityRun.objects.select_related("started_by").get(pk=run_id)
    actor = Actor(user=run.started_by, source="system", source_ref=f"quality_run:{run_id}")
    stored, _ = execute_run(run, actor=actor)
    return stored.findings
