"""No job sticks: leases of the processes that run jobs, and the reaper of dead ones.

A process that starts a job (the background worker, ``jingzhun import`` run in a terminal, the
web server writing a small export) holds a :class:`~jingzhun.core.models.WorkerLease`; the job's
row records it (``worker``) while it is running. A process can be killed at any moment — by
``kill -9``, the machine losing power, an out-of-memory kill. Its transaction rolls back, so the
database stays consistent, but the job's row would keep saying "正在导入 48%" forever and block
what waits on it. :func:`reap` finds the leases whose process is gone and lets each kind of job
(registered with :func:`register`) fail its rows with a reason and a way to retry.

A lease is alive when its process runs (same host: the pid exists and started when the lease
says — a reused pid does not count) or, for a process on another host, when its heartbeat is
younger than ``JINGZHUN_JOB_LEASE_SECONDS``. The heartbeat is written every
``HEARTBEAT_SECONDS`` by a thread of the holding process, on its own connection.

:func:`reap` runs in the worker (at start and with every heartbeat), in ``jingzhun serve``
(which also restarts a worker that died) and when a page shows a job that claims to be running.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 10
# A lease id is "host:pid:start" and doubles as the task queue's worker id (under 64 characters).
HOST_IN_ID = 36


def lease_seconds() -> int:
    return int(getattr(settings, "JINGZHUN_JOB_LEASE_SECONDS", 120))


# --- the lease of this process ------------------------------------------------------------------


def _process_start(pid: int) -> int:
    """The start time of process ``pid`` in clock ticks since boot (Linux), 0 if unknown, -1
    if the process does not exist."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return int(fields[19])  # field 22 of stat(5); fields[0] is field 3
    except FileNotFoundError:
        return -1
    except (OSError, ValueError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return -1
        except PermissionError:
            return 0
        return 0


def _host() -> str:
    return socket.gethostname()[:100]


_lock = threading.Lock()
_lease: dict[str, Any] = {}


def this_lease(kind: str = "process") -> str:
    """The lease id of this process, registered on first use (and again after a fork)."""
    pid = os.getpid()
    with _lock:
        if _lease.get("pid") == pid:
            return str(_lease["id"])
        from jingzhun.core.models import WorkerLease

        host = _host()
        start = max(_process_start(pid), 0)
        lease_id = f"{host[:HOST_IN_ID]}:{pid}:{start}"
        now = timezone.now()
        WorkerLease.objects.update_or_create(
            id=lease_id,
            defaults={
                "host": host,
                "pid": pid,
                "process_start": start,
                "kind": kind,
                "started_at": now,
                "heartbeat_at": now,
            },
        )
        _lease.clear()
        _lease.update(id=lease_id, pid=pid)
        if getattr(settings, "JINGZHUN_JOB_HEARTBEAT", True):
            _start_heartbeat(lease_id)
        return lease_id


def _start_heartbeat(lease_id: str, *, reaping: bool = False) -> None:
    def beat() -> None:
        from jingzhun.core.models import WorkerLease

        stop = _lease.setdefault("stop", threading.Event())
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                WorkerLease.objects.filter(pk=lease_id).update(heartbeat_at=timezone.now())
                if reaping:
                    reap()
            except Exception:
                # A long write transaction elsewhere may hold SQLite's lock; the next beat
                # tries again (on one host the pid, not the heartbeat, proves liveness).
                logger.debug("heartbeat of %s not written", lease_id, exc_info=True)
            finally:
                connection.close()

    threading.Thread(target=beat, name="jingzhun-lease", daemon=True).start()


def start_worker_lease() -> str:
    """The worker process: its lease, a heartbeat that also reaps, and a first reap (jobs of a
    worker that died before this one started)."""
    lease_id = this_lease("worker")
    reap()
    if getattr(settings, "JINGZHUN_JOB_HEARTBEAT", True):
        _lease.setdefault("stop", threading.Event())
        _start_heartbeat(lease_id, reaping=True)
    return lease_id


# --- who is dead ------------------------------------------------------------------------------


def _alive(lease: Any, now: dt.datetime, host: str) -> bool:
    if lease.host[:HOST_IN_ID] == host[:HOST_IN_ID]:
        start = _process_start(lease.pid)
        return start != -1 and (start == 0 or lease.process_start in (0, start))
    return lease.heartbeat_at > now - dt.timedelta(seconds=lease_seconds())


@dataclass(frozen=True)
class JobKind:
    """One kind of job row: its model, the statuses in which a worker holds it, and what to
    do with the rows of dead workers (mark them failed, with a reason, retryable)."""

    model: type[models.Model]
    running: tuple[str, ...]
    fail: Callable[[models.QuerySet[Any], str], int]
    field: str = "worker"


KINDS: list[JobKind] = []


def register(kind: JobKind) -> None:
    """Called by each app that has jobs (its AppConfig.ready)."""
    if all(k.model is not kind.model for k in KINDS):
        KINDS.append(kind)


INTERRUPTED = "后台任务进程已退出（被终止或崩溃）"


def dead_leases(lease_ids: set[str]) -> set[str]:
    """Those of ``lease_ids`` whose process is gone. A lease without its row (registered in a
    transaction that was rolled back) is judged from its id ``host:pid:start``: alive if that
    process runs on this host."""
    from jingzhun.core.models import WorkerLease

    if not lease_ids:
        return set()
    now, host = timezone.now(), _host()
    leases = {lease.id: lease for lease in WorkerLease.objects.filter(id__in=lease_ids)}
    for lease_id in set(lease_ids) - set(leases):
        parsed = _from_id(lease_id)
        if parsed is not None:
            leases[lease_id] = parsed
    return {i for i in lease_ids if i not in leases or not _alive(leases[i], now, host)}


def _from_id(lease_id: str) -> Any:
    """A stand-in lease read from its id (no heartbeat: a lease of another host without a row
    counts as dead), or None if the id is not of that shape."""
    from jingzhun.core.models import WorkerLease

    parts = lease_id.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    host, pid, start = parts
    never = timezone.now() - dt.timedelta(days=3650)
    return WorkerLease(
        id=lease_id,
        host=host,
        pid=int(pid),
        process_start=int(start),
        kind="",
        started_at=never,
        heartbeat_at=never,
    )


def reap() -> int:
    """Fail every job held by a dead process; returns how many job rows were failed."""
    from jingzhun.core.models import WorkerLease

    held: dict[int, set[str]] = {}
    for index, kind in enumerate(KINDS):
        rows = kind.model.objects.filter(status__in=kind.running).exclude(**{kind.field: ""})
        held[index] = set(rows.values_list(kind.field, flat=True).distinct())
    stuck = _running_queue_tasks()
    held_by_tasks = {workers[-1] for _, workers in stuck if workers}
    dead = dead_leases(set().union(held_by_tasks, *held.values()))
    failed = 0
    for index, kind in enumerate(KINDS):
        mine = held[index] & dead
        if mine:
            rows = kind.model.objects.filter(status__in=kind.running, **{f"{kind.field}__in": mine})
            failed += kind.fail(rows, INTERRUPTED)
    failed_tasks = _fail_queue_tasks(stuck, dead)
    if dead:
        WorkerLease.objects.filter(id__in=dead).delete()
        logger.warning("reaped %s job(s) of dead process(es) %s", failed, sorted(dead))
    return failed + failed_tasks


def settled(job: Any) -> Any:
    """``job`` (a row of a registered kind) as it stands: if it claims to run but its process
    died, it is failed first. Pages showing a job's progress call this."""
    kind = next((k for k in KINDS if isinstance(job, k.model)), None)
    if kind is not None and job.status in kind.running and getattr(job, kind.field) and reap():
        job.refresh_from_db()
    return job


def _running_queue_tasks() -> list[tuple[Any, list[str]]]:
    """(id, worker ids) of the task queue's running rows (few: one per busy worker)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    return list(rows.values_list("id", "worker_ids"))


def _fail_queue_tasks(stuck: list[tuple[Any, list[str]]], dead: set[str]) -> int:
    """The task queue's own rows that a dead worker had claimed (django-tasks-db keeps them
    RUNNING forever otherwise)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    lost = [pk for pk, workers in stuck if workers and workers[-1] in dead]
    if not lost:
        return 0
    return DBTaskResult.objects.filter(id__in=lost, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="jingzhun.core.jobs.WorkerDied",
        traceback=INTERRUPTED,
    )


class WorkerDied(Exception):
    """The process running a task was killed (what a reaped queue task reports)."""
