"""Quality runs on a scratch site, queued the way the quality page queues them."""

from __future__ import annotations

from typing import Any

from tests.faults.scratch import Site, wait_for

USER = "admin"  # the demo's administrator, of 忻州市: a run over the whole demo


def queue_quality_run(site: Site) -> int:
    """Queue a run of the administrator's area and its task, as the quality page does; the
    task is enqueued once the run is committed. Returns the run's id."""
    return int(
        site.shell(
            f"""
            from django.db import transaction
            from jingzhun.accounts.models import User
            from jingzhun.core.actions import Actor
            from jingzhun.quality.actions import do_queue_quality_run
            from jingzhun.quality.context import default_year
            from jingzhun.quality.tasks import run_quality

            user = User.objects.get(username={USER!r})
            with transaction.atomic():
                run = do_queue_quality_run(
                    actor=Actor(user=user, source="form"),
                    area_code=user.area.code,
                    year=default_year(),
                    backend="duckdb",
                )
                transaction.on_commit(lambda: run_quality.enqueue(run.pk))
            result(run.pk)
            """
        )
    )


def run_state(site: Site, run: int) -> tuple[str, str, str]:
    """(status, worker lease, error) of quality run ``run``."""
    rows = site.query("SELECT status, worker, error FROM quality_qualityrun WHERE id = ?", run)
    return rows[0]


def task_states(site: Site, run: int) -> dict[str, Any]:
    """The task-queue rows of quality run ``run``: their statuses and the workers that took
    them."""
    return site.shell(
        f"""
        from django_tasks_db.models import DBTaskResult

        rows = [
            row for row in DBTaskResult.objects.filter(
                task_path="jingzhun.quality.tasks.run_quality"
            ) if row.args_kwargs["args"] == [{run}]
        ]
        result(dict(
            statuses=[row.status for row in rows],
            workers=[row.worker_ids for row in rows],
            exceptions=[row.exception_class_path for row in rows],
        ))
        """
    )


def wait_until_done(site: Site, run: int, log: str) -> None:
    def finished() -> bool:
        status, _, error = run_state(site, run)
        assert status != "failed", f"quality run {run} failed: {error}\n{site.log(log)}"
        return status == "done"

    wait_for(f"quality run {run} to complete", finished)
