"""Reading cases: the one scoping function, the inbox and the overdue rule.

Every page, API endpoint and command reads cases through :func:`cases_for` (the user's area,
one code range); out of scope answers like absent.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import BooleanField, F, Q, QuerySet, Value, When
from django.db.models import Case as Choose
from django.db.models.functions import Coalesce

from jingzhun.areas.models import code_range
from jingzhun.cases.choices import CaseStatus
from jingzhun.cases.models import Case, Notice
from jingzhun.core.actions import NotFound

if TYPE_CHECKING:
    from jingzhun.accounts.models import User


def cases_for(user: User, *, within: str = "") -> QuerySet[Case]:
    low, high = code_range(user.scope_prefix)
    if within:
        w_low, w_high = code_range(within)
        low, high = max(low, w_low), min(high, w_high)
    return Case.objects.filter(village_code__gte=low, village_code__lt=high)


def access_case(user: User, case_id: int | str) -> Case:
    try:
        return (
            cases_for(user)
            .select_related("household", "household__village", "notice", "opened_by")
            .get(pk=int(case_id))
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound(case_id) from None


def notices_for(user: User) -> QuerySet[Notice]:
    low, high = code_range(user.scope_prefix)
    return Notice.objects.filter(village__code__gte=low, village__code__lt=high)


def overdue_q(today: dt.date) -> Q:
    """Open, and past the decision deadline with no decision, or past a step's own limit."""
    return Q(status=CaseStatus.OPEN) & (
        Q(due_on__lt=today, decided_on__isnull=True) | Q(step_due_on__lt=today)
    )


def overdue_flag(today: dt.date) -> Choose:
    """The overdue rule (:func:`overdue_q`) as a boolean column."""
    return Choose(
        When(overdue_q(today), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def with_deadline(qs: QuerySet[Case]) -> QuerySet[Case]:
    """``deadline``: the nearest date the case waits on (a step's limit, the decision deadline
    while undecided, or the end of its 公示)."""
    return qs.annotate(
        deadline=Coalesce(
            "step_due_on",
            "notice__ends_on",
            Choose(When(decided_on__isnull=True, then="due_on")),
        )
    )


def inbox_for(user: User) -> QuerySet[Case]:
    """Open cases waiting for a step by the user's role, in scope, nearest deadline first
    (cases without one last, oldest first)."""
    qs = cases_for(user).filter(status=CaseStatus.OPEN, step_role=user.role)
    return with_deadline(qs).order_by(F("deadline").asc(nulls_last=True), "opened_on", "id")


def overdue_for(user: User, today: dt.date, *, within: str = "") -> QuerySet[Case]:
    return with_deadline(cases_for(user, within=within).filter(overdue_q(today))).order_by(
        F("deadline").asc(nulls_last=True), "id"
    )
