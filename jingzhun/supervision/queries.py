"""Reading the problem ledger: the one scoping function, the list filters, and the report of
found / closed / open / overdue problems and the rectification rate by source, category, area
(one level below the user's) and period — all computed from the ledger, never typed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from jingzhun.areas.models import SCOPE_DIGITS, Area, Level, code_range
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import NotFound
from jingzhun.supervision.models import (
    Problem,
    ProblemCategory,
    ProblemSource,
    ProblemStatus,
)

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

DIMENSIONS = ("source", "category", "area", "year", "month")


def problems_for(user: User, *, within: str = "") -> QuerySet[Problem]:
    """Problems of the user's area and beneath it (``within`` only narrows)."""
    low, high = code_range(user.scope_prefix)
    if within:
        w_low, w_high = code_range(within)
        low, high = max(low, w_low), min(high, w_high)
    return Problem.objects.filter(area_code__gte=low, area_code__lt=high)


def access_problem(user: User, problem_id: int | str) -> Problem:
    try:
        return problems_for(user).select_related("area", "quality_run").get(pk=int(problem_id))
    except (Problem.DoesNotExist, ValueError, TypeError):
        raise NotFound(problem_id) from None


def overdue_q(today: dt.date) -> Q:
    return ~Q(status=ProblemStatus.CLOSED) & Q(deadline__lt=today)


def filtered(user: User, params: Any, today: dt.date) -> tuple[QuerySet[Problem], dict[str, str]]:
    """The list's problems for the query ``params`` (status, source, category, area, overdue,
    year, month) and the filters read. Unknown values are ignored, never widen the scope."""
    chosen: dict[str, str] = {}
    qs = problems_for(user, within=_area_prefix(user, params.get("area", "")))
    if params.get("area"):
        chosen["area"] = params["area"]
        if params.get("own") == "1":
            qs = qs.filter(area_code=params["area"])
            chosen["own"] = "1"
    for key, choices in (
        ("status", ProblemStatus),
        ("source", ProblemSource),
        ("category", ProblemCategory),
    ):
        value = params.get(key, "")
        if value in choices.values:
            qs = qs.filter(**{key: value})
            chosen[key] = value
    if params.get("overdue") == "1":
        qs = qs.filter(overdue_q(today))
        chosen["overdue"] = "1"
    if params.get("open") == "1":
        qs = qs.exclude(status=ProblemStatus.CLOSED)
        chosen["open"] = "1"
    year, month = params.get("year", ""), params.get("month", "")
    if year.isdigit() and len(year) == 4:
        qs = qs.filter(found_on__year=int(year))
        chosen["year"] = year
        if month.isdigit() and 1 <= int(month) <= 12:
            qs = qs.filter(found_on__month=int(month))
            chosen["month"] = month
    return qs, chosen


def _area_prefix(user: User, code: str) -> str:
    """The scope prefix of an area of the user's scope given by code ('' when none)."""
    if not code:
        return ""
    low, high = code_range(user.scope_prefix)
    area = Area.objects.filter(code=code, code__gte=low, code__lt=high).first()
    if area is None:
        return user.scope_prefix + "~"  # matches nothing
    return area.scope_prefix


def rate(closed: int, found: int) -> Decimal | None:
    """Rectification rate (整改率) in percent with one decimal: closed ÷ found."""
    if not found:
        return None
    return (Decimal(100) * closed / found).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Line:
    """One line of the report: a group and its figures; ``params`` filter the list to exactly
    the problems counted."""

    key: str
    label: str
    found: int
    closed: int
    open: int
    overdue: int
    params: dict[str, str]

    @property
    def rate(self) -> Decimal | None:
        return rate(self.closed, self.found)


def _figures(qs: QuerySet[Problem], today: dt.date) -> dict[str, Any]:
    return {
        "found": Count("id"),
        "closed": Count("id", filter=Q(status=ProblemStatus.CLOSED)),
        "open": Count("id", filter=~Q(status=ProblemStatus.CLOSED)),
        "overdue": Count("id", filter=overdue_q(today)),
    }


def report(user: User, by: str, today: dt.date, *, year: str = "") -> tuple[list[Line], Line]:
    """The lines of the report grouped ``by`` one of :data:`DIMENSIONS`, and the total line.
    ``area`` groups by the areas one level below the user's (problems of the user's own area
    on a line of their own); ``year`` narrows to problems found that year."""
    qs = problems_for(user)
    base: dict[str, str] = {}
    if year.isdigit() and len(year) == 4:
        qs = qs.filter(found_on__year=int(year))
        base["year"] = year
    figures = _figures(qs, today)
    total_row = qs.aggregate(**figures)
    total = Line("", _("合计"), params=dict(base), **total_row)
    lines: list[Line] = []
    if by in ("source", "category"):
        choices = ProblemSource if by == "source" else ProblemCategory
        rows = {r[by]: r for r in qs.values(by).annotate(**figures).order_by()}
        for code, label in choices.choices:
            if code in rows:
                r = rows.pop(code)
                lines.append(Line(code, str(label), params={**base, by: code}, **_only(r)))
    elif by in ("year", "month"):
        field = "found_on__year" if by == "year" else "found_on__month"
        group = ["found_on__year", field] if by == "month" else [field]
        for r in qs.values(*group).annotate(**figures).order_by(*group):
            y = str(r["found_on__year"])
            if by == "year":
                lines.append(Line(y, _("%(year)s年") % {"year": y}, params={"year": y}, **_only(r)))
            else:
                m = str(r["found_on__month"])
                lines.append(
                    Line(
                        f"{y}-{int(m):02d}",
                        _("%(year)s年%(month)s月") % {"year": y, "month": m},
                        params={"year": y, "month": m},
                        **_only(r),
                    )
                )
    elif by == "area":
        lines = _by_area(user, qs, figures, base)
    return lines, total


def _only(row: dict[str, Any]) -> dict[str, int]:
    return {k: row[k] for k in ("found", "closed", "open", "overdue")}


def _by_area(
    user: User, qs: QuerySet[Problem], figures: dict[str, Any], base: dict[str, str]
) -> list[Line]:
    own = user.area
    if own.level >= Level.VILLAGE:
        children: list[Area] = []
    else:
        children = list(Area.objects.filter(parent=own).order_by("code"))
    lines: list[Line] = []
    own_row = qs.filter(area_code=own.code).aggregate(**figures)
    if own_row["found"]:
        lines.append(
            Line(
                own.code,
                _("%(area)s本级") % {"area": own.name},
                params={**base, "area": own.code, "own": "1"},
                **own_row,
            )
        )
    if children:
        digits = SCOPE_DIGITS[Level(own.level + 1)]
        rows = {
            r["prefix"]: r
            for r in qs.exclude(area_code=own.code)
            .annotate(prefix=Substr("area_code", 1, digits))
            .values("prefix")
            .annotate(**figures)
            .order_by()
        }
        for child in children:
            r = rows.get(child.scope_prefix)
            if r:
                lines.append(
                    Line(child.code, child.name, params={**base, "area": child.code}, **_only(r))
                )
    return lines


def history(problem: Problem) -> QuerySet[AuditEntry]:
    """The problem's audit trail, oldest first."""
    return AuditEntry.objects.filter(object_type="problem", object_id=str(problem.pk)).order_by(
        "at", "id"
    )
