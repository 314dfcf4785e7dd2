"""Run a queued quality run end to end: snapshot (DuckDB) or live DB (PostgreSQL), checks,
counts. Called by the background task and by ``jingzhun quality``.

Also the one definition of a quality *report* (the latest run covering an area, totals per
check and per village, the findings with their households): the export of the 质量报告 dataset
(:mod:`jingzhun.exports.quality`) and ``jingzhun quality --format`` both read it from here."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)

from jingzhun.analytics.backend import open_backend
from jingzhun.areas.models import Area, Level, code_range
from jingzhun.core.actions import Actor
from jingzhun.quality import actions
from jingzhun.quality.actions import village_score
from jingzhun.quality.batch import run_checks
from jingzhun.quality.checks import Check, catalogue
from jingzhun.quality.context import CheckContext
from jingzhun.quality.models import (
    Exemption,
    QualityCount,
    QualityFinding,
    QualityRun,
    RunStatus,
    VillageScore,
)
from jingzhun.registry.models import Household, Member


def execute_run(
    run: QualityRun, *, actor: Actor, fresh: bool = True
) -> tuple[QualityRun, pa.Table]:
    """Run ``run`` (which must be queued). With ``fresh`` the DuckDB backend first writes a new
    snapshot of the run's area. Returns the stored run and every finding (exempted included)."""
    if not actions.mark_run_started(run):
        raise RuntimeError(f"检查任务 #{run.pk} 已在运行或已完成。")
    try:
        area = Area.objects.get(code=run.area_code)
        prefix = area.scope_prefix
        started = time.perf_counter()
        # DuckDB and Spark read a snapshot of the run's area and year: written afresh, or
        # (``fresh=False``) kept while it still holds exactly the registry of now.
        backend = open_backend(run.backend, year=run.year, area_code=run.area_code, reuse=not fresh)
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


# --- the quality report ------------------------------------------------------------------------
# One definition of what a report holds, read by the export page and `jingzhun export --what
# quality` (scoped to a user) and by `jingzhun quality --format xlsx|json` (the runs it just made):
# the latest completed run, the totals per check and per village (the numbers the quality pages
# show), and the findings with their household, member, area and exemption, in ONE query.


def covering_codes(area: Area) -> list[str]:
    """The codes of ``area`` and of every area above it: the runs whose findings cover it."""
    return [a.code for a in area.ancestors()] + [area.code]


def latest_run_covering(area: Area, *, year: int | None = None) -> QualityRun | None:
    """The latest completed run whose area contains ``area`` (of ``year``, if given), or None.

    The quality pages show this run to a user of ``area`` (restricted to their villages)."""
    runs = QualityRun.objects.filter(area_code__in=covering_codes(area), status=RunStatus.DONE)
    if year:
        runs = runs.filter(year=year)
    return runs.order_by("-finished_at", "-id").first()


def _village_range(within: str) -> dict[str, str]:
    low, high = code_range(within)
    return {"village_code__gte": low, "village_code__lt": high}


@dataclass(frozen=True)
class CheckTotal:
    """One catalogue check's stored counts in a report: ``findings`` still open at the run,
    ``exempted`` left out because they had been confirmed correct (确认无误) before it."""

    check: Check
    findings: int
    exempted: int


def check_totals(runs: Sequence[QualityRun], *, within: str = "") -> list[CheckTotal]:
    """Every catalogue check (runnable or not, by code) with its counts in ``runs`` under the
    area prefix ``within`` ("" = everywhere the runs cover). One query."""
    sums = {
        row["check_code"]: row
        for row in QualityCount.objects.filter(run__in=runs, **_village_range(within))
        .values("check_code")
        .annotate(n=Sum("findings"), x=Sum("exempted"))
    }
    return [
        CheckTotal(
            check,
            (sums.get(check.code) or {}).get("n") or 0,
            (sums.get(check.code) or {}).get("x") or 0,
        )
        for check in catalogue()
    ]


@dataclass(frozen=True)
class VillageTotal:
    """One village of a report: its place, its households and score in the run, its counts."""

    county: str
    county_code: str
    township: str
    township_code: str
    village: str
    village_code: str
    households: int
    households_with_error: int
    score: Decimal
    findings: int
    exempted: int


def village_totals(runs: Sequence[QualityRun], *, within: str = "") -> list[VillageTotal]:
    """Every village of ``runs`` under ``within`` (scored, or with a finding), by code. Three
    queries whatever the number of villages."""
    scope = _village_range(within)
    scores = {
        code: (households, with_error, score)
        for code, households, with_error, score in VillageScore.objects.filter(
            run__in=runs, **scope
        ).values_list("village_code", "households", "households_with_error", "score")
    }
    counts = {
        code: (n or 0, x or 0)
        for code, n, x in QualityCount.objects.filter(run__in=runs, **scope)
        .values("village_code")
        .annotate(n=Sum("findings"), x=Sum("exempted"))
        .values_list("village_code", "n", "x")
    }
    low, high = code_range(within)
    places = {
        row[0]: row[1:]
        for row in Area.objects.filter(
            code__gte=low, code__lt=high, level=Level.VILLAGE
        ).values_list(
            "code",
            "name",
            "parent__name",
            "parent__code",
            "parent__parent__name",
            "parent__parent__code",
        )
    }
    rows = []
    for code in sorted(set(scores) | set(counts)):
        name, township, township_code, county, county_code = places.get(
            code, (code, "", "", "", "")
        )
        households, with_error, score = scores.get(code, (0, 0, village_score(0, 0)))
        findings, exempted = counts.get(code, (0, 0))
        rows.append(
            VillageTotal(
                county or "",
                county_code or "",
                township or "",
                township_code or "",
                name,
                code,
                households,
                with_error,
                score,
                findings,
                exempted,
            )
        )
    return rows


# The names report_findings() annotates, besides the finding's own check_code, village_code
# and details. PERSONAL_FIELDS are added only when asked for.
AREA_FIELDS = (
    "county_name",
    "county_code",
    "township_name",
    "township_code",
    "village_name",
)
PERSONAL_FIELDS = ("head_name", "member_name", "id_type", "id_number")


def report_findings(
    runs: Sequence[QualityRun],
    *,
    households: QuerySet[Household],
    members: QuerySet[Member],
    within: str = "",
    personal: bool = True,
    villages: bool = True,
) -> QuerySet[QualityFinding]:
    """The findings of ``runs`` under ``within`` whose household is in ``households`` and whose
    member (for member checks) is in ``members`` — the caller's scope: pass the registry's
    scoping querysets for a user. A household or member deleted since the run drops out
    (nothing left to fix), as on the quality pages. A village check's findings (no household)
    are kept, scoped by their village code, when ``villages`` is true.

    Each finding is annotated with ``number`` (户编号), the :data:`AREA_FIELDS`, ``exempted``
    (confirmed correct since the run) and ``exemption_reason``; with ``personal`` also the
    :data:`PERSONAL_FIELDS` (raw: the caller masks them). One query, correlated subqueries,
    ordered by check, village, id (the drill-down index)."""
    by_household = households.filter(pk=OuterRef("household_id"))
    by_member = members.filter(pk=OuterRef("member_id"))
    area = Area.objects.filter(code=OuterRef("village_code"))
    same = Exemption.objects.filter(
        check_code=OuterRef("check_code"), household_id=OuterRef("household_id")
    )
    # A household check's exemption has no member: NULL never equals NULL in SQL, so the two
    # cases are matched apart.
    household_exemption = same.filter(member__isnull=True)
    member_exemption = same.filter(member_id=OuterRef("member_id"))
    household_ok: Q | Exists = Exists(by_household)
    if villages:
        household_ok = Q(household_id__isnull=True) | household_ok
    qs = (
        QualityFinding.objects.filter(run__in=runs, **_village_range(within))
        # Correlated EXISTS (a primary-key look-up per finding), not IN (the scope's ids): a
        # county's findings are far fewer than its households and members.
        .filter(household_ok)
        .filter(Q(member_id__isnull=True) | Exists(by_member))
        .annotate(
            number=Subquery(by_household.values("number")[:1]),
            county_name=Subquery(area.values("parent__parent__name")[:1]),
            county_code=Subquery(area.values("parent__parent__code")[:1]),
            township_name=Subquery(area.values("parent__name")[:1]),
            township_code=Subquery(area.values("parent__code")[:1]),
            village_name=Subquery(area.values("name")[:1]),
            exempted=Case(
                When(member_id__isnull=True, then=Exists(household_exemption)),
                default=Exists(member_exemption),
                output_field=BooleanField(),
            ),
            exemption_reason=Case(
                When(
                    member_id__isnull=True,
                    then=Subquery(household_exemption.values("reason")[:1]),
                ),
                default=Subquery(member_exemption.values("reason")[:1]),
                output_field=CharField(),
            ),
        )
    )
    if personal:
        qs = qs.annotate(
            head_name=Subquery(by_household.values("head_name")[:1]),
            member_name=Subquery(by_member.values("name")[:1]),
            id_type=Subquery(by_member.values("id_type")[:1]),
            id_number=Subquery(by_member.values("id_number")[:1]),
        )
    return qs.order_by("check_code", "village_code", "id")
