"""Every state change of the quality app: queue and record runs, exempt findings."""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pyarrow as pa
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from jingzhun.audit.recorder import record
from jingzhun.core import jobs
from jingzhun.core.actions import Actor, NotFound, PermissionDenied, raise_if_errors
from jingzhun.quality.checks import CATALOGUE, ERROR
from jingzhun.quality.models import (
    Exemption,
    QualityCount,
    QualityFinding,
    QualityRun,
    RunStatus,
    VillageScore,
)
from jingzhun.registry import scoping
from jingzhun.registry.models import Household, Member

QUALITY_RUNNERS = frozenset(
    {
        "village_cadre",
        "township_reviewer",
        "county_approver",
        "county_analyst",
        "city_viewer",
        "province_viewer",
        "admin",
    }
)


def ensure_can_run(actor: Actor) -> None:
    user = actor.user
    if user is not None and user.role not in QUALITY_RUNNERS:
        raise PermissionDenied(f"角色“{user.get_role_display()}”不能发起数据质量检查。")


@transaction.atomic
def do_queue_quality_run(*, actor: Actor, area_code: str, year: int, backend: str) -> QualityRun:
    """Create a queued run of ``area_code`` (must be the actor's area or under it)."""
    ensure_can_run(actor)
    if actor.user is not None:
        scoping.access_area_by_code(actor.user, area_code)
    run = QualityRun.objects.create(
        area_code=area_code, year=year, backend=backend, started_by=actor.user
    )
    record(
        actor=actor,
        action="queue_quality_run",
        obj=run,
        area_code=area_code,
        changes={"year": [None, year], "backend": [None, backend]},
    )
    return run


def mark_run_started(run: QualityRun) -> bool:
    """queued → running, race-safe: only one worker may take a run."""
    return bool(
        QualityRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, started_at=timezone.now(), worker=jobs.this_lease()
        )
    )


def mark_run_failed(run: QualityRun, error: str) -> None:
    QualityRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), error=error[:2000]
    )


def fail_interrupted_runs(runs: QuerySet[QualityRun], reason: str) -> int:
    """Runs whose process died (jingzhun.core.jobs): failed with the reason; a new run may be
    started at once (nothing of the dead one was stored)."""
    return runs.update(
        status=RunStatus.FAILED,
        finished_at=timezone.now(),
        error=f"检查中断：{reason}。未保存任何结果，可重新运行。",
    )


def _exempt_keys(area_prefix: str) -> set[tuple[str, int, int | None]]:
    rows = Exemption.objects.filter(
        household__village_code__gte=area_prefix, household__village_code__lt=area_prefix + ":"
    ).values_list("check_code", "household_id", "member_id")
    return set(rows)


@transaction.atomic
def do_record_quality_run(
    run: QualityRun,
    *,
    actor: Actor,
    findings: pa.Table,
    households_per_village: dict[str, int],
    area_prefix: str,
    seconds: float,
) -> QualityRun:
    """Store a finished run: counts per check per village, village scores, and the findings
    (kept for this area's latest run only, for drill-down). Exempted findings are counted
    apart and not stored."""
    exempt = _exempt_keys(area_prefix)
    counts: Counter[tuple[str, str]] = Counter()
    exempted: Counter[tuple[str, str]] = Counter()
    error_households: dict[str, set[int]] = {}
    kept: list[QualityFinding] = []
    for row in findings.to_pylist():
        key = (row["check_code"], row["village_code"])
        if (row["check_code"], row["household_id"], row["member_id"]) in exempt:
            exempted[key] += 1
            continue
        counts[key] += 1
        if CATALOGUE[row["check_code"]].severity == ERROR:
            error_households.setdefault(row["village_code"], set()).add(row["household_id"])
        kept.append(
            QualityFinding(
                run=run,
                check_code=row["check_code"],
                household_id=row["household_id"],
                member_id=row["member_id"],
                village_code=row["village_code"],
                details=(row["details"] or "")[:200],
            )
        )
    QualityCount.objects.bulk_create(
        [
            QualityCount(
                run=run,
                check_code=code,
                village_code=village,
                findings=counts.get((code, village), 0),
                exempted=exempted.get((code, village), 0),
            )
            for code, village in set(counts) | set(exempted)
        ],
        batch_size=5000,
    )
    VillageScore.objects.bulk_create(
        [
            VillageScore(
                run=run,
                village_code=village,
                households=total,
                households_with_error=len(error_households.get(village, ())),
                score=village_score(total, len(error_households.get(village, ()))),
            )
            for village, total in households_per_village.items()
        ],
        batch_size=5000,
    )
    # Drill-down rows: only the latest run of each area keeps them.
    QualityFinding.objects.filter(run__area_code=run.area_code).exclude(run=run).delete()
    QualityFinding.objects.bulk_create(kept, batch_size=5000)
    QualityRun.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE,
        finished_at=timezone.now(),
        households=sum(households_per_village.values()),
        findings=sum(counts.values()),
        exempted=sum(exempted.values()),
        seconds=seconds,
    )
    run.refresh_from_db()
    record(
        actor=actor,
        action="record_quality_run",
        obj=run,
        area_code=run.area_code,
        changes={"findings": [None, run.findings], "exempted": [None, run.exempted]},
    )
    return run


def village_score(households: int, with_error: int) -> Decimal:
    """100 × (1 − households with at least one error-severity finding ÷ households)."""
    if households == 0:
        return Decimal("100.0")
    raw = Decimal(100) * (1 - Decimal(with_error) / Decimal(households))
    return raw.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@transaction.atomic
def do_exempt_finding(
    *, actor: Actor, check_code: str, household_id: Any, member_id: Any = None, reason: str
) -> Exemption:
    """Mark a finding 确认无误 with a reason; later runs exclude it. Refuses (changing nothing)
    an unknown check, an empty reason, a record out of the actor's scope, or a repeat."""
    assert actor.user is not None
    scoping.ensure_can_edit(actor.user)
    household = scoping.access_household_by_id(actor.user, household_id)
    member: Member | None = None
    if member_id not in (None, ""):
        member = scoping.access_member_by_id(actor.user, member_id)
        if member.household_id != household.pk:
            raise NotFound(member_id)
    errors: dict[str, list[str]] = {}
    check = CATALOGUE.get(check_code)
    if check is None:
        errors["check_code"] = [f"没有编号为“{check_code}”的校验规则：请从问题清单进入。"]
    elif check.level == "village":
        errors["check_code"] = [
            "村级规则的问题属于整个行政村，不能按户确认无误：请逐户核对并修正数据。"
        ]
    elif (check.level == "member") != (member is not None):
        errors["member_id"] = ["成员类规则须指定成员，户类规则不指定成员：请从问题清单进入。"]
    reason = (reason or "").strip()
    if len(reason) < 4:
        errors["reason"] = ["请填写确认无误的理由（至少4个字），例如核实过的证件或走访情况。"]
    if (
        not errors
        and Exemption.objects.filter(
            check_code=check_code, household=household, member=member
        ).exists()
    ):
        errors["check_code"] = ["该问题已确认无误，无需重复确认。"]
    raise_if_errors(errors)
    exemption = Exemption.objects.create(
        check_code=check_code,
        household=household,
        member=member,
        reason=reason,
        created_by=actor.user,
    )
    record(
        actor=actor,
        action="exempt_quality_finding",
        obj=exemption,
        area_code=household.village_code,
        household=household,
        changes={"check_code": [None, check_code], "member": [None, member_id]},
        reason=reason,
    )
    return exemption


def households_per_village(area_prefix: str) -> dict[str, int]:
    from django.db.models import Count

    rows = (
        Household.objects.filter(
            village_code__gte=area_prefix, village_code__lt=area_prefix + ":", is_deleted=False
        )
        .values("village_code")
        .annotate(n=Count("id"))
        .values_list("village_code", "n")
    )
    return dict(rows)
