"""Scoped reads of the visit ranking: runs covering the user's area, and their scores for the
user's households only (through registry/scoping.py)."""

from __future__ import annotations

from django.db.models import QuerySet

from jingzhun.accounts.models import User
from jingzhun.areas.models import code_range
from jingzhun.registry import scoping
from jingzhun.risk.models import RiskRun, RiskScore


def runs_for(user: User) -> QuerySet[RiskRun]:
    """Runs over an area that covers the user's area or lies within it (none without a role)."""
    if not user.has_role:
        return RiskRun.objects.none()
    covering = [a.code for a in user.area.ancestors()] + [user.area.code, ""]
    low, high = code_range(user.scope_prefix)
    return RiskRun.objects.filter(area_code__in=covering) | RiskRun.objects.filter(
        area_code__gte=low, area_code__lt=high
    )


def latest_run_for(user: User) -> RiskRun | None:
    return runs_for(user).order_by("-trained_at", "-id").first()


def scores_for(user: User, run: RiskRun) -> QuerySet[RiskScore]:
    """The run's scores of the households the user may see, by rank, with the household and
    its village (one query)."""
    return (
        RiskScore.objects.filter(run=run, household__in=scoping.households_for(user))
        .select_related("household", "household__village")
        .order_by("rank")
    )
