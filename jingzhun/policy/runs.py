"""Stored evaluation runs (``jingzhun evaluate --store``): the write action and the scoped reads.

A run's households (one row each, :data:`jingzhun.policy.decisions.BATCH_SCHEMA`) go to a
Parquet file under ``VAR_DIR/evaluations/`` — three million rows are a file, not a table — and
the database keeps the totals on the run and the counts per village, decision and status
(:class:`~jingzhun.policy.models.EvaluationCount`) that the pages read, restricted to the user's
villages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from jingzhun.areas.models import Area, code_range, latest_without_overlap
from jingzhun.audit import recorder
from jingzhun.core import jobs
from jingzhun.core.actions import Actor
from jingzhun.policy.criteria import PASS
from jingzhun.policy.decisions import BATCH_SCHEMA, DECISIONS
from jingzhun.policy.models import (
    BackgroundJob,
    EvaluationCount,
    EvaluationJob,
    EvaluationRun,
    WhatIfRun,
)
from jingzhun.policy.parameters import NATIONAL, ParameterSet, default_parameters

# A pseudo-decision counted with the others: households whose evaluated data places them in the
# monitoring range (status: the suggested monitoring category) but that were not monitored — the
# worklist's "should be looked at" line. Exited households below the year's threshold are its
# 脱贫不稳定户 status.
UNMONITORED = "unmonitored"


def parameter_fingerprint(year: int, parameters: ParameterSet | None = None) -> str:
    """sha256 of every parameter version and value in force on 31 December ``year``."""
    day = dt.date(year, 12, 31)
    params = parameters or default_parameters()
    lines = sorted(f"{p.version}={p.value}" for p in params.all() if p.in_force(day))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def evaluation_dir() -> Path:
    return Path(settings.VAR_DIR) / "evaluations"


def _unmonitored(table: pa.Table) -> pa.Table:
    """The rows the data places in the monitoring range (a suggested category) that were not
    monitored when evaluated, with their category in the ``unmonitored`` column."""
    mask = pc.and_(
        pc.not_equal(table["suggested_category"], ""),
        pc.invert(table["under_monitoring"].fill_null(False)),
    )
    rows = table.filter(mask)
    return rows.append_column(UNMONITORED, rows["suggested_category"])


def _counts(table: pa.Table) -> tuple[dict[str, dict[str, int]], Counter[tuple[str, str, str]]]:
    totals: dict[str, dict[str, int]] = {}
    per_village: Counter[tuple[str, str, str]] = Counter()
    for decision in (*DECISIONS, UNMONITORED):
        source = _unmonitored(table) if decision == UNMONITORED else table
        grouped = source.group_by(["village_code", decision]).aggregate([("household_id", "count")])
        total: Counter[str] = Counter()
        for row in grouped.to_pylist():
            n = row["household_id_count"]
            per_village[(row["village_code"], decision, row[decision])] += n
            total[row[decision]] += n
        totals[decision] = dict(sorted(total.items()))
    return totals, per_village


def do_store_evaluation_run(
    actor: Actor,
    *,
    table: pa.Table,
    year: int,
    area: Area | None,
    backend: str,
    started_at: dt.datetime,
    seconds: float,
    parameters: ParameterSet | None = None,
) -> EvaluationRun:
    """Store one batch evaluation: the Parquet file, the run with its totals and parameter
    fingerprint, the counts per village, and the audit entry. The file is written first and
    removed again if the database write fails, so no run ever points at a missing file."""
    table = table.select(BATCH_SCHEMA.names).cast(BATCH_SCHEMA)
    totals, per_village = _counts(table)
    directory = evaluation_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    name = f"evaluation-{area.code if area else 'all'}-{year}-{stamp}.parquet"
    path = directory / name
    pq.write_table(table, path)
    try:
        with transaction.atomic():
            run = EvaluationRun.objects.create(
                year=year,
                area_code=area.code if area else NATIONAL,
                backend=backend,
                started_at=started_at,
                finished_at=timezone.now(),
                seconds=seconds,
                parameter_fingerprint=parameter_fingerprint(year, parameters),
                households=table.num_rows,
                counts=totals,
                result_file=str(Path("evaluations") / name),
                started_by=actor.user,
                started_by_name=actor.name,
            )
            EvaluationCount.objects.bulk_create(
                [
                    EvaluationCount(
                        run=run,
                        village_code=village,
                        decision=decision,
                        status=status,
                        households=n,
                    )
                    for (village, decision, status), n in sorted(per_village.items())
                ],
                batch_size=5000,
            )
            recorder.record(
                actor=actor,
                action="store_evaluation_run",
                obj=run,
                area_code=run.area_code,
                changes={
                    "year": [None, year],
                    "backend": [None, backend],
                    "households": [None, table.num_rows],
                    "parameter_fingerprint": [None, run.parameter_fingerprint],
                    "result_file": [None, run.result_file],
                },
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return run


# --- scoped reads --------------------------------------------------------------------------------


def _scope_prefix(user: Any) -> str:
    return user.scope_prefix


def runs_for(user: Any) -> QuerySet[EvaluationRun]:
    """Runs that cover the user's area (an area above it, or every area) or lie within it; their
    counts are then read only for the user's villages (:func:`counts_in_scope`). None for a
    user without a role, whose scope is empty (User.scope_prefix)."""
    if not user.has_role:
        return EvaluationRun.objects.none()
    covering = [a.code for a in user.area.ancestors()] + [user.area.code, NATIONAL]
    low, high = code_range(_scope_prefix(user))
    return EvaluationRun.objects.filter(area_code__in=covering) | EvaluationRun.objects.filter(
        area_code__gte=low, area_code__lt=high
    )


def latest_runs(user: Any) -> list[EvaluationRun]:
    """The latest stored run covering the user's area or, for a city or province whose
    counties store their own, the latest run of each area below — none counted twice
    (:func:`jingzhun.areas.models.latest_without_overlap`), newest first."""
    candidates = list(runs_for(user).order_by("-finished_at", "-id")[:500])
    return latest_without_overlap(candidates, lambda run: run.area_code)


def counts_in_scope(user: Any, runs: list[EvaluationRun]) -> dict[int, dict[str, dict[str, int]]]:
    """{run id: {decision: {status: households}}} over the user's villages only. One query."""
    low, high = code_range(_scope_prefix(user))
    out: dict[int, dict[str, dict[str, int]]] = {r.pk: {} for r in runs}
    rows = (
        EvaluationCount.objects.filter(run__in=runs, village_code__gte=low, village_code__lt=high)
        .values("run", "decision", "status")
        .annotate(n=Sum("households"))
        .order_by("run", "decision", "status")
    )
    for row in rows:
        out[row["run"]].setdefault(row["decision"], {})[row["status"]] = row["n"]
    return out


def counts_by_area(
    user: Any, run: EvaluationRun, digits: int
) -> dict[str, dict[str, dict[str, int]]]:
    """{area code (the first ``digits`` of the village code): {decision: {status: n}}} for one
    run over the user's villages. One query."""
    low, high = code_range(_scope_prefix(user))
    out: dict[str, dict[str, dict[str, int]]] = {}
    rows = EvaluationCount.objects.filter(
        run=run, village_code__gte=low, village_code__lt=high
    ).values_list("village_code", "decision", "status", "households")
    for village, decision, status, n in rows:
        per = out.setdefault(village[:digits], {}).setdefault(decision, {})
        per[status] = per.get(status, 0) + n
    return dict(sorted(out.items()))


class ResultFileMissing(Exception):
    """A run's per-household file is no longer on disk (removed by hand, or restored without
    var/): its counts remain, its households cannot be listed."""


def result_households(
    run: EvaluationRun, *, prefix: str, decision: str, status: str = "", failed: str = ""
) -> list[tuple[str, int]]:
    """(village code, household id), sorted, of the run's households under the area ``prefix``
    (the caller's scope or narrower) whose ``decision`` has ``status`` ("" any) and whose
    failed criteria include ``failed`` ("" any). ``decision`` may be :data:`UNMONITORED`, whose
    status is a monitoring category. Reads only the needed columns of the Parquet file, with
    the area range pushed down. Raises :class:`ResultFileMissing`."""
    path = Path(settings.VAR_DIR) / run.result_file
    if not path.exists():
        raise ResultFileMissing(run.result_file)
    low, high = code_range(prefix)
    where = (ds.field("village_code") >= low) & (ds.field("village_code") < high)
    dataset = ds.dataset(path, format="parquet")
    names = set(dataset.schema.names)
    if decision == UNMONITORED:
        if "under_monitoring" not in names:
            return []  # a run stored before the column existed
        where = where & (ds.field("suggested_category") != "")
        where = where & ~ds.field("under_monitoring")
        if status:
            where = where & (ds.field("suggested_category") == status)
    else:
        if status:
            where = where & (ds.field(decision) == status)
    columns = ["village_code", "household_id"]
    if failed and decision != UNMONITORED:
        columns.append(f"{decision}_failed")
    table = dataset.to_table(columns=columns, filter=where)
    if failed and decision != UNMONITORED:
        padded = pc.binary_join_element_wise(",", table[f"{decision}_failed"], ",", "")
        table = table.filter(pc.match_substring(padded, f",{failed},"))
    return sorted_pairs(table)


def sorted_pairs(table: pa.Table) -> list[tuple[str, int]]:
    """(village code, household id) of ``table``'s rows in list order."""
    table = table.sort_by([("village_code", "ascending"), ("household_id", "ascending")])
    codes, ids = table["village_code"].to_pylist(), table["household_id"].to_pylist()
    return list(zip(codes, ids, strict=True))


# --- batch evaluations started from the page --------------------------------------------------

# Roles that may start a batch evaluation of their area from its page (reading, not writing the
# registry: every role with an area may, like the quality checks' runners).
EVALUATION_STARTERS = frozenset(
    {
        "township_reviewer",
        "county_approver",
        "county_analyst",
        "city_viewer",
        "province_viewer",
        "admin",
    }
)


@transaction.atomic
def do_queue_evaluation(actor: Actor, *, area: Area, year: int) -> EvaluationJob:
    """Queue the batch evaluation of ``area`` (the actor's area or one under it) for ``year``;
    the worker stores it as a run (:func:`do_store_evaluation_run`)."""
    user = actor.user
    if user is None or user.role not in EVALUATION_STARTERS:
        from jingzhun.core.actions import PermissionDenied

        raise PermissionDenied("只有乡镇及以上的人员可以发起批量判定。")
    job = EvaluationJob.objects.create(year=year, area_code=area.code, started_by=user)
    recorder.record(
        actor=actor,
        action="queue_evaluation",
        obj=job,
        area_code=area.code,
        changes={"year": [None, year]},
    )
    return job


def _start(model: type[BackgroundJob], pk: int) -> bool:
    """queued → running, race-safe: only one worker takes a job."""
    return bool(
        model.objects.filter(pk=pk, status=BackgroundJob.Status.QUEUED).update(
            status=BackgroundJob.Status.RUNNING, worker=jobs.this_lease()
        )
    )


def _mark(model: type[BackgroundJob], pk: int, progress: str) -> None:
    model.objects.filter(pk=pk).update(progress=progress[:100])


def start_evaluation_job(job_id: int) -> bool:
    return _start(EvaluationJob, job_id)


def mark_evaluation_job(job_id: int, *, progress: str) -> None:
    _mark(EvaluationJob, job_id, progress)


def finish_evaluation_job(job_id: int, *, run: EvaluationRun | None, error: str = "") -> None:
    EvaluationJob.objects.filter(pk=job_id, status=EvaluationJob.Status.RUNNING).update(
        status=EvaluationJob.Status.DONE if run is not None else EvaluationJob.Status.FAILED,
        run=run,
        error=error,
        progress="",
        worker="",
        finished_at=timezone.now(),
    )


def fail_interrupted_evaluations(queryset: QuerySet[EvaluationJob], reason: str) -> int:
    """Evaluations whose process died (jingzhun.core.jobs): failed with the reason; nothing
    was stored (the run is written in one transaction at the end)."""
    return queryset.update(
        status=EvaluationJob.Status.FAILED,
        error=f"判定中断：{reason}。未保存任何结果，可重新发起。",
        progress="",
        finished_at=timezone.now(),
    )


def evaluation_jobs_for(user: Any) -> QuerySet[EvaluationJob]:
    """The jobs of the user's area and below."""
    if not user.has_role:
        return EvaluationJob.objects.none()
    low, high = code_range(_scope_prefix(user))
    return EvaluationJob.objects.filter(area_code__gte=low, area_code__lt=high) | (
        EvaluationJob.objects.filter(area_code=user.area.code)
    )


# --- what-if runs in the background --------------------------------------------------------------


@transaction.atomic
def do_queue_whatif(
    actor: Actor, *, area: Area, year: int, overrides: list[dict[str, str]]
) -> WhatIfRun:
    """Queue a what-if too large for the request (the page decides). The overrides are the
    question asked, recorded with it; they are not parameter values."""
    run = WhatIfRun.objects.create(
        year=year, area_code=area.code, overrides=overrides, started_by=actor.user
    )
    recorder.record(
        actor=actor,
        action="queue_whatif",
        obj=run,
        area_code=area.code,
        changes={"year": [None, year], "overrides": [None, overrides]},
    )
    return run


def mark_whatif(run_id: int, *, progress: str) -> None:
    _mark(WhatIfRun, run_id, progress)


def start_whatif(run_id: int) -> bool:
    return _start(WhatIfRun, run_id)


def whatif_dir() -> Path:
    return Path(settings.VAR_DIR) / "whatif"


# The moves of a household's decision a what-if drill-down can ask for (``move``): entered
# (passing with the overrides, not without) and left (the reverse).
MOVES = ("entered", "left")


def _write_affected(run_id: int, affected: pa.Table) -> str:
    """Every affected household of what-if ``run_id`` to its Parquet file; the path under
    ``VAR_DIR`` to store on the run."""
    directory = whatif_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"whatif-{run_id}.parquet"
    pq.write_table(affected, directory / name)
    return str(Path("whatif") / name)


@transaction.atomic
def do_store_whatif(
    actor: Actor,
    *,
    area: Area,
    year: int,
    overrides: list[dict[str, str]],
    summary: dict[str, Any],
    affected: pa.Table,
) -> WhatIfRun:
    """Keep a what-if answered within the request as a finished run, so that its counts open
    their households like a background run's (the overrides are the question asked, not
    parameter values)."""
    now = timezone.now()
    run = WhatIfRun.objects.create(
        year=year,
        area_code=area.code,
        overrides=overrides,
        started_by=actor.user,
        status=WhatIfRun.Status.DONE,
        result=summary,
        finished_at=now,
    )
    run.affected_file = _write_affected(run.pk, affected)
    run.save(update_fields=["affected_file"])
    recorder.record(
        actor=actor,
        action="store_whatif",
        obj=run,
        area_code=area.code,
        changes={
            "year": [None, year],
            "overrides": [None, overrides],
            "affected": [None, affected.num_rows],
        },
    )
    return run


def finish_whatif(
    run_id: int,
    *,
    result: dict[str, Any] | None,
    error: str = "",
    affected: pa.Table | None = None,
) -> None:
    """running → done (with the summary and, when given, every affected household's file) or
    failed."""
    affected_file = _write_affected(run_id, affected) if affected is not None and not error else ""
    WhatIfRun.objects.filter(pk=run_id, status=WhatIfRun.Status.RUNNING).update(
        status=WhatIfRun.Status.FAILED if error else WhatIfRun.Status.DONE,
        result=result,
        affected_file=affected_file,
        error=error[:2000],
        progress="",
        finished_at=timezone.now(),
    )


def whatif_households(
    run: WhatIfRun, *, prefix: str, decision: str, move: str = ""
) -> list[tuple[str, int]]:
    """(village code, household id), sorted, of the what-if's affected households under the
    area ``prefix`` whose ``decision`` moved: ``entered`` (passing with the overrides, not
    without), ``left`` (the reverse) or "" (any change of that decision); with no ``decision``,
    every affected household (some compared decision changed). Raises
    :class:`ResultFileMissing` for a run without its file (older than the file, or removed)."""
    path = Path(settings.VAR_DIR) / run.affected_file if run.affected_file else None
    if path is None or not path.exists():
        raise ResultFileMissing(run.affected_file)
    low, high = code_range(prefix)
    where = (ds.field("village_code") >= low) & (ds.field("village_code") < high)
    if decision:
        before, after = ds.field(f"{decision}_before"), ds.field(f"{decision}_after")
        if move == "entered":
            where = where & (after == PASS) & (before != PASS)
        elif move == "left":
            where = where & (before == PASS) & (after != PASS)
        else:
            where = where & (before != after)
    table = ds.dataset(path, format="parquet").to_table(
        columns=["village_code", "household_id"], filter=where
    )
    return sorted_pairs(table)


def fail_interrupted_whatifs(runs: QuerySet[WhatIfRun], reason: str) -> int:
    """Simulations whose process died (jingzhun.core.jobs): failed with the reason."""
    return runs.update(
        status=WhatIfRun.Status.FAILED,
        error=f"模拟中断：{reason}。请重新提交。",
        progress="",
        finished_at=timezone.now(),
    )


def whatif_runs_for(user: Any) -> QuerySet[WhatIfRun]:
    """What-if runs of areas within the user's area."""
    low, high = code_range(_scope_prefix(user))
    return WhatIfRun.objects.filter(area_code__gte=low, area_code__lt=high)
