"""``jingzhun worker`` killed with SIGKILL while it runs a quality run, on a scratch installation.

The next worker reaps what the dead one held: the run is failed with the reason, the task
queue's own row is failed too (django-tasks-db would keep it running forever), and a run
queued afterwards completes.
"""

from __future__ import annotations

import os
import signal

import pytest

from jingzhun.core.jobs import INTERRUPTED
from tests.faults.quality import queue_quality_run, run_state, task_states
from tests.faults.scratch import Site, scratch_site, wait_for

pytestmark = pytest.mark.slow

# Enough households for a quality run over 忻州市 to take seconds, not milliseconds.
HOUSEHOLDS = 10_000


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    with scratch_site(tmp_path_factory.mktemp("worker"), "worker") as site:
        site.command("demo", "--households", str(HOUSEHOLDS))
        yield site


def lease_of(site: Site, pid: int) -> str | None:
    return site.value("SELECT id FROM core_workerlease WHERE kind = 'worker' AND pid = ?", pid)


def test_a_killed_worker_s_quality_run_fails_with_the_reason_and_a_new_run_completes(site):
    worker = site.start("worker", log="worker.log")
    lease = wait_for("the worker's lease", lambda: lease_of(site, worker.pid))
    run = queue_quality_run(site)

    def running() -> bool:
        status, holder, error = run_state(site, run)
        assert status in ("queued", "running"), f"{status} {error}\n{site.log('worker.log')}"
        return status == "running" and holder == lease

    wait_for("the worker to run the quality run", running)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=60)
    assert worker.returncode == -signal.SIGKILL
    # Killed mid-run: the run and its task row still say running, held by the dead worker.
    assert run_state(site, run)[0] == "running"
    assert task_states(site, run)["statuses"] == ["RUNNING"]

    after = queue_quality_run(site)
    batch = site.start("worker", "--batch", log="worker-batch.log")
    batch.wait(timeout=600)
    assert batch.returncode == 0, site.log("worker-batch.log")

    status, _, error = run_state(site, run)
    assert status == "failed"
    assert INTERRUPTED in error and "可重新运行" in error
    tasks = task_states(site, run)
    assert tasks["statuses"] == ["FAILED"]
    assert tasks["workers"] == [[lease]]
    assert tasks["exceptions"] == ["jingzhun.core.jobs.WorkerDied"]
    # The dead worker's lease went with its jobs.
    assert site.value("SELECT COUNT(*) FROM core_workerlease WHERE id = ?", lease) == 0
    assert run_state(site, after)[0] == "done"
    assert task_states(site, after)["statuses"] == ["SUCCESSFUL"]
