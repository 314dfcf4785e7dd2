"""Reading quality runs in a user's scope: the runs that cover their area and the latest done.

The quality pages, the home worklist and the household list's "households with this finding"
filter all read runs through these functions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

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


def latest_run(user: Any) -> QualityRun | None:
    return runs_for(user).filter(status=RunStatus.DONE).order_by("-finished_at", "-id").first()


# The drill-down "households with an error-severity finding" (a village score's 有错误的农户).
ERRORS = "errors"


def error_codes() -> list[str]:
    return [code for code, check in CATALOGUE.items() if check.severity == ERROR]


def finding_households(run: QualityRun, check_code: str) -> QuerySet[Any]:
    """The ids of the households with a finding of ``check_code`` (or, for :data:`ERRORS`, of
    any error-severity check) in ``run`` — exempted findings are not stored, so not counted —
    as a ``values`` queryset used as a subquery; the caller's scope narrows it."""
    findings = QualityFinding.objects.filter(run=run, household_id__isnull=False)
    if check_code == ERRORS:
        findings = findings.filter(check_code__in=error_codes())
    else:
        findings = findings.filter(check_code=check_code)
    return findings.values("household_id")
