"""Reading quality runs in a user's scope: the runs that cover their area and the latest done.

The quality pages, the home worklist and the household list's "households with this finding"
filter all read runs through these functions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jingzhun.areas.models import code_range, latest_without_overlap
from jingzhun.quality.checks import CATALOGUE
from jingzhun.quality.checks.base import ERROR
from jingzhun.quality.models import QualityFinding, QualityRun, RunStatus


def covering_codes(user: Any) -> list[str]:
    return [a.code for a in user.area.ancestors()] + [user.area.code]


def runs_for(user: Any) -> QuerySet[QualityRun]:
    """Runs whose area contains the user's area (their counts are then restricted in scope);
    none for a user without a role, whose scope is empty (User.scope_prefix)."""
    if not user.has_role:
        return QualityRun.objects.none()
    return QualityRun.objects.filter(area_code__in=covering_codes(user))


def latest_runs(user: Any) -> list[QualityRun]:
    """The runs whose counts make up the user's picture, newest first: the latest done run
    covering the user's area, or — for a city or province, whose counties each run their own
    checks — the latest done run of each area below, rolled up. A run is taken only if its
    area does not overlap an area already taken from a newer run, so nothing is counted twice.
    Empty for a user without a role."""
    if not user.has_role:
        return []
    low, high = code_range(user.scope_prefix)
    done = QualityRun.objects.filter(status=RunStatus.DONE)
    candidates = list(
        (
            done.filter(area_code__in=covering_codes(user))
            | done.filter(area_code__gte=low, area_code__lt=high)
        ).order_by("-finished_at", "-id")[:500]
    )
    return latest_without_overlap(candidates, lambda run: run.area_code)


def previous_run_ids(runs: list[QualityRun]) -> dict[int, int | None]:
    """For each run, the done run of the same area and year before it (what "new since the last
    run" compares against), in one query; its counts are read in the reader's scope."""
    if not runs:
        return {}
    earlier = QualityRun.objects.filter(
        status=RunStatus.DONE,
        area_code__in={r.area_code for r in runs},
        id__lt=max(r.pk for r in runs),
    ).order_by("-id")
    found: dict[int, int | None] = {}
    candidates = list(earlier.values_list("id", "area_code", "year")[:2000])
    for run in runs:
        found[run.pk] = next(
            (
                pk
                for pk, area, year in candidates
                if area == run.area_code and year == run.year and pk < run.pk
            ),
            None,
        )
    return found


def latest_run(user: Any) -> QualityRun | None:
    runs = latest_runs(user)
    return runs[0] if runs else None


# The drill-down "households with an error-severity finding" (a village score's 有错误的农户).
ERRORS = "errors"


def error_codes() -> list[str]:
    return [code for code, check in CATALOGUE.items() if check.severity == ERROR]


def finding_households(runs: list[QualityRun], check_code: str) -> QuerySet[Any]:
    """The ids of the households with a finding of ``check_code`` (or, for :data:`ERRORS`, of
    any error-severity check) in ``run`` — exempted findings are not stored, so not counted —
    as a ``values`` queryset used as a subquery; the caller's scope narrows it."""
    findings = QualityFinding.objects.filter(run__in=runs, household_id__isnull=False)
    if check_code == ERRORS:
        findings = findings.filter(check_code__in=error_codes())
    else:
        findings = findings.filter(check_code=check_code)
    return findings.values("household_id")
