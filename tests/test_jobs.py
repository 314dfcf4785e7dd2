"""No job sticks: a job whose process died is failed with a reason and can be run again.

Here the dead process is a real one (a child started and killed), its lease recorded the way a
worker records it; tests/faults/ kills real workers, imports and quality runs with SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jingzhun.core import jobs
from jingzhun.core.actions import Actor
from jingzhun.core.models import WorkerLease
from jingzhun.exports.models import ExportLog, ExportStatus
from jingzhun.imports import actions
from jingzhun.imports.models import Status, Upload
from jingzhun.policy.models import WhatIfRun
from jingzhun.quality.models import QualityRun, RunStatus
from jingzhun.registry.models import Household
from tests.imports.builders import apply, family, stage, write_national


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"


@pytest.fixture
def dead_lease(db) -> str:
    """The lease of a process that ran and was killed (SIGKILL), as a worker records one."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    start = jobs._process_start(child.pid)
    child.send_signal(signal.SIGKILL)
    child.wait()
    host = socket.gethostname()[:100]
    lease = f"{host[:36]}:{child.pid}:{start}"
    now = timezone.now()
    WorkerLease.objects.create(
        id=lease,
        host=host,
        pid=child.pid,
        process_start=start,
        kind="worker",
        started_at=now,
        heartbeat_at=now,
    )
    return lease


def test_a_live_process_is_alive_and_a_killed_one_is_dead(dead_lease):
    alive = jobs.this_lease()
    assert jobs.dead_leases({alive, dead_lease}) == {dead_lease}


def test_a_reused_pid_does_not_keep_a_dead_lease_alive(db):
    # Our own pid, but a different start time: the process that held the lease is gone.
    host = socket.gethostname()[:100]
    now = timezone.now()
    start = jobs._process_start(os.getpid())
    lease = WorkerLease.objects.create(
        id=f"{host[:36]}:{os.getpid()}:{start + 1}",
        host=host,
        pid=os.getpid(),
        process_start=start + 1,
        kind="worker",
        started_at=now,
        heartbeat_at=now,
    )
    assert jobs.dead_leases({lease.id}) == {lease.id}


def test_a_remote_process_is_dead_once_its_heartbeat_is_older_than_the_lease(db, settings):
    settings.JINGZHUN_JOB_LEASE_SECONDS = 60
    now = timezone.now()
    for name, age in (("fresh", 10), ("stale", 300)):
        WorkerLease.objects.create(
            id=f"elsewhere:{name}",
            host="another-host",
            pid=1,
            kind="worker",
            started_at=now,
            heartbeat_at=now - timezone.timedelta(seconds=age),
        )
    assert jobs.dead_leases({"elsewhere:fresh", "elsewhere:stale"}) == {"elsewhere:stale"}


def test_an_interrupted_validation_fails_with_a_reason_and_validates_again(
    tmp_path, world, dead_lease
):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    with path.open("rb") as stream:
        upload = actions.do_create_upload(
            actor=Actor(user=world.approver, source="import"),
            stream=stream,
            original_name=path.name,
            kind="national",
            year=2023,
        )
    # The worker took the validation and was killed half-way.
    Upload.objects.filter(pk=upload.pk).update(
        status=Status.VALIDATED, worker=dead_lease, progress=48
    )
    assert jobs.reap() == 1
    upload.refresh_from_db()
    assert upload.status == Status.FAILED
    assert upload.interrupted
    assert "后台任务进程已退出" in upload.error
    assert not WorkerLease.objects.filter(id=dead_lease).exists()
    retried = actions.do_retry_upload(upload, actor=Actor(user=world.approver, source="import"))
    assert retried.status == Status.UPLOADED
    assert actions.do_validate_upload(retried).status == Status.WAITING


def test_an_interrupted_apply_goes_back_to_waiting_and_applies_on_retry(
    tmp_path, world, dead_lease
):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    upload = stage(world.approver, path)
    actions.do_request_apply(upload, actor=Actor(user=world.approver, source="import"))
    Upload.objects.filter(pk=upload.pk).update(worker=dead_lease, progress=48, phase="写入")
    jobs.reap()
    upload.refresh_from_db()
    assert upload.status == Status.WAITING
    assert "已全部撤销" in upload.error
    assert not Household.objects.filter(number="140922100009001").exists()
    assert apply(upload, world.approver).status == Status.APPLIED
    assert Household.objects.filter(number="140922100009001").exists()


def test_a_queued_apply_waiting_for_a_worker_is_not_reaped(tmp_path, world, dead_lease):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    upload = stage(world.approver, path)
    actions.do_request_apply(upload, actor=Actor(user=world.approver, source="import"))
    assert jobs.reap() == 0
    upload.refresh_from_db()
    assert upload.status == Status.APPLYING


def test_interrupted_quality_runs_exports_and_simulations_fail_with_the_reason(world, dead_lease):
    run = QualityRun.objects.create(
        area_code=world.county.code, year=2023, status=RunStatus.RUNNING, worker=dead_lease
    )
    log = ExportLog.objects.create(
        started_at=timezone.now(),
        user=world.approver,
        user_name="approver",
        source="form",
        area_code=world.county.code,
        what="members",
        format="xlsx",
        layout="project",
        masked=False,
        status=ExportStatus.RUNNING,
        worker=dead_lease,
    )
    whatif = WhatIfRun.objects.create(
        year=2023,
        area_code=world.county.code,
        overrides=[],
        status=WhatIfRun.Status.RUNNING,
        worker=dead_lease,
    )
    alive = QualityRun.objects.create(
        area_code=world.county.code, year=2024, status=RunStatus.RUNNING, worker=jobs.this_lease()
    )
    assert jobs.reap() == 3
    for row in (run, log, whatif, alive):
        row.refresh_from_db()
    assert run.status == RunStatus.FAILED and "可重新运行" in run.error
    assert log.status == ExportStatus.FAILED and "后台任务进程已退出" in log.error
    assert whatif.status == WhatIfRun.Status.FAILED
    assert alive.status == RunStatus.RUNNING


def test_the_task_queue_row_of_a_dead_worker_is_failed(db, dead_lease):
    task = DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="jingzhun.quality.tasks.run_quality",
        worker_ids=[dead_lease],
        backend_name="default",
        run_after=timezone.now(),
    )
    jobs.reap()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED


def test_the_upload_page_shows_a_dead_job_as_interrupted(client, tmp_path, world, dead_lease):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    with path.open("rb") as stream:
        upload = actions.do_create_upload(
            actor=Actor(user=world.approver, source="import"),
            stream=stream,
            original_name=path.name,
            kind="national",
            year=2023,
        )
    Upload.objects.filter(pk=upload.pk).update(status=Status.VALIDATED, worker=dead_lease)
    client.force_login(world.approver)
    page = client.get(f"/imports/{upload.pk}/").content.decode()
    assert "校验中断" in page and "重新校验" in page
    response = client.post(f"/imports/{upload.pk}/retry/")
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == Status.UPLOADED


def test_a_lease_whose_registration_was_rolled_back_is_judged_by_its_process(db):
    from django.db import transaction

    host = socket.gethostname()[:36]
    mine = f"{host}:{os.getpid()}:{jobs._process_start(os.getpid())}"
    with transaction.atomic():
        WorkerLease.objects.filter(id=mine).delete()  # as if never registered
        assert jobs.dead_leases({mine}) == set()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert jobs.dead_leases({f"{host}:{gone.pid}:1"}) == {f"{host}:{gone.pid}:1"}
    assert jobs.dead_leases({"other-host:1:1"}) == {"other-host:1:1"}
