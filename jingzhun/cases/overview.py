"""County statistics of the procedures: pure functions over a scoped queryset of cases.

Each function takes ``cases`` already narrowed by :func:`jingzhun.cases.queries.cases_for` and
answers with plain rows for the page; none queries per case.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr

from jingzhun.areas.models import SCOPE_DIGITS, Area, Level
from jingzhun.audit.models import AuditEntry
from jingzhun.cases import choices as cc
from jingzhun.cases.models import Case, CaseStep
from jingzhun.cases.procedures import all_procedures
from jingzhun.cases.queries import overdue_q
from jingzhun.policy.parameters import NATIONAL
from jingzhun.registry.actions import DIRECT_SOURCES, STATUS_FIELDS
from jingzhun.registry.models import Household

# The acts that end a step; a 公示 opening is not one (the 公示 ends when it is closed) and a
# withdrawal ends the case, not a step.
STEP_ENDINGS = frozenset({cc.Outcome.DONE, cc.Outcome.RETURNED, cc.Outcome.REJECTED})


def type_label(case_type: str) -> str:
    return str(cc.CaseType(case_type).label)


def step_title(region: str, case_type: str, code: str) -> str:
    """A step's configured title (the region's procedure, else the national one), else its code."""
    configured = all_procedures()
    for key in ((region, case_type), (NATIONAL, case_type)):
        procedure = configured.get(key)
        if procedure:
            for step in procedure.steps:
                if step.code == code:
                    return step.title
    return code


@dataclass(frozen=True)
class StepCount:
    case_type: str
    type_label: str
    step_code: str
    step_title: str
    open: int
    overdue: int


def open_by_type_and_step(cases: QuerySet[Case], today: dt.date) -> list[StepCount]:
    """Open cases by type and current step, with how many of them are overdue (one query)."""
    rows = (
        cases.filter(status=cc.CaseStatus.OPEN)
        .values("case_type", "step_code", "region")
        .annotate(n=Count("id"), late=Count("id", filter=overdue_q(today)))
    )
    merged: dict[tuple[str, str], list[Any]] = {}
    for r in rows:
        key = (r["case_type"], r["step_code"])
        entry = merged.setdefault(key, [step_title(r["region"], *key), 0, 0])
        entry[1] += r["n"]
        entry[2] += r["late"]
    order = {t: i for i, t in enumerate(cc.CaseType.values)}
    positions = _national_positions()
    return [
        StepCount(t, type_label(t), code, title, n, late)
        for (t, code), (title, n, late) in sorted(
            merged.items(),
            key=lambda kv: (order.get(kv[0][0], 99), positions.get(kv[0], 99), kv[0][1]),
        )
    ]


def _national_positions() -> dict[tuple[str, str], int]:
    return {
        (p.case_type, s.code): s.position
        for p in all_procedures().values()
        if p.region == NATIONAL
        for s in p.steps
    }


@dataclass(frozen=True)
class AreaCount:
    code: str
    name: str
    open: int
    overdue: int
    completed: int
    rejected: int
    withdrawn: int
    overridden: int


def by_area(cases: QuerySet[Case], area: Area, today: dt.date) -> list[AreaCount]:
    """Cases by the child areas of ``area`` (townships of a county, …), one grouped query on
    the leading digits of the village code. A village is its own single row."""
    child_level = min(area.level + 1, Level.VILLAGE)
    digits = SCOPE_DIGITS[Level(child_level)]
    rows = (
        cases.annotate(part=Substr("village_code", 1, digits))
        .values("part")
        .annotate(
            open=Count("id", filter=Q(status=cc.CaseStatus.OPEN)),
            overdue=Count("id", filter=overdue_q(today)),
            completed=Count("id", filter=Q(status=cc.CaseStatus.COMPLETED)),
            rejected=Count("id", filter=Q(status=cc.CaseStatus.REJECTED)),
            withdrawn=Count("id", filter=Q(status=cc.CaseStatus.WITHDRAWN)),
            overridden=Count("id", filter=Q(overridden=True)),
        )
        .order_by("part")
    )
    if area.level >= Level.VILLAGE:
        children = {area.scope_prefix: area}
    else:
        children = {a.scope_prefix: a for a in area.children.filter(level=child_level)}
    out = []
    for r in rows:
        child = children.get(r["part"])
        out.append(
            AreaCount(
                code=child.code if child else r["part"],
                name=child.name if child else r["part"],
                open=r["open"],
                overdue=r["overdue"],
                completed=r["completed"],
                rejected=r["rejected"],
                withdrawn=r["withdrawn"],
                overridden=r["overridden"],
            )
        )
    return out


@dataclass(frozen=True)
class StepTime:
    case_type: str
    type_label: str
    step_code: str
    step_title: str
    count: int
    average_days: float
    longest_days: int


def days_per_step(cases: QuerySet[Case]) -> list[StepTime]:
    """How long each step took: the date a step was ended minus the date the case's previous
    step was ended (the application's date for the first), averaged per case type and step.
    One query over the steps in case order and a pass in Python."""
    rows = (
        CaseStep.objects.filter(case__in=cases)
        .order_by("case_id", "id")
        .values_list("case_id", "case__case_type", "case__region", "code", "outcome", "on")
    )
    spans: dict[tuple[str, str], list[int]] = defaultdict(list)
    regions: dict[tuple[str, str], str] = {}
    current, previous = None, None
    for case_id, case_type, region, code, outcome, on in rows.iterator(chunk_size=2000):
        if case_id != current:
            current, previous = case_id, None
        if outcome == cc.Outcome.NOTICE_OPENED:
            continue
        if previous is not None and outcome in STEP_ENDINGS:
            spans[(case_type, code)].append((on - previous).days)
            regions.setdefault((case_type, code), region)
        previous = on
    order = {t: i for i, t in enumerate(cc.CaseType.values)}
    positions = _national_positions()
    return [
        StepTime(
            case_type=t,
            type_label=type_label(t),
            step_code=code,
            step_title=step_title(regions[(t, code)], t, code),
            count=len(days),
            average_days=round(sum(days) / len(days), 1),
            longest_days=max(days),
        )
        for (t, code), days in sorted(
            spans.items(), key=lambda kv: (order.get(kv[0][0], 99), positions.get(kv[0], 99))
        )
    ]


@dataclass(frozen=True)
class Deadlines:
    overdue: int  # open and past a deadline now
    decided_late: int  # decided after the decision deadline
    decided_in_time: int
    by_type: list[dict[str, Any]]


def deadlines(cases: QuerySet[Case], today: dt.date) -> Deadlines:
    """Overdue open cases and decisions made after their deadline, in total and by type."""
    late = Q(decided_on__isnull=False, due_on__isnull=False, decided_on__gt=F("due_on"))
    in_time = Q(decided_on__isnull=False, due_on__isnull=False, decided_on__lte=F("due_on"))
    rows = list(
        cases.values("case_type")
        .annotate(
            overdue=Count("id", filter=overdue_q(today)),
            decided_late=Count("id", filter=late),
            decided_in_time=Count("id", filter=in_time),
        )
        .order_by("case_type")
    )
    for r in rows:
        r["type_label"] = type_label(r["case_type"])
    rows = [r for r in rows if r["overdue"] or r["decided_late"] or r["decided_in_time"]]
    return Deadlines(
        overdue=sum(r["overdue"] for r in rows),
        decided_late=sum(r["decided_late"] for r in rows),
        decided_in_time=sum(r["decided_in_time"] for r in rows),
        by_type=rows,
    )


def overrides(cases: QuerySet[Case], limit: int = 500) -> QuerySet[CaseStep]:
    """Decisions taken against the policy verdict, newest first: what inspectors look for."""
    return (
        CaseStep.objects.filter(case__in=cases, is_override=True)
        .select_related("case", "case__household")
        .order_by("-on", "-id")[:limit]
    )


@dataclass(frozen=True)
class DirectChange:
    entry: AuditEntry
    fields: list[tuple[str, Any, Any]]  # (field's verbose name, old, new)


def status_changes_outside_procedures(
    entries: QuerySet[AuditEntry], limit: int = 100
) -> tuple[int, list[DirectChange]]:
    """Households whose status (type, registration, exit, monitoring, elimination) was changed
    on the household form or the API instead of through a procedure: how many such changes,
    and the newest ``limit`` with the status fields they changed. Imports (the national
    system's data) and the demo are not counted."""
    direct = entries.filter(
        object_type="household",
        action="update_household",
        source__in=DIRECT_SOURCES,
        changes__has_any_keys=list(STATUS_FIELDS),
    )
    labels = {f: str(Household._meta.get_field(f).verbose_name) for f in STATUS_FIELDS}
    rows = [
        DirectChange(
            entry,
            [(labels[f], *entry.changes[f]) for f in STATUS_FIELDS if f in entry.changes],
        )
        for entry in direct.order_by("-at", "-id")[:limit]
    ]
    return direct.count(), rows


def totals(cases: QuerySet[Case], today: dt.date) -> dict[str, int]:
    return cases.aggregate(
        all=Count("id"),
        open=Count("id", filter=Q(status=cc.CaseStatus.OPEN)),
        overdue=Count("id", filter=overdue_q(today)),
        completed=Count("id", filter=Q(status=cc.CaseStatus.COMPLETED)),
        rejected=Count("id", filter=Q(status=cc.CaseStatus.REJECTED)),
        overridden=Count("id", filter=Q(overridden=True)),
    )
