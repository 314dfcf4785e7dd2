"""The home page: what needs me today, for my role and my area, most urgent first; then the
area's headline figures. Every line and every figure opens the records behind it.

Sources, each read through its domain's scoping function and from stored runs or indexed
counts (no scan of the registry but the headline counts):

* cases waiting for a step by my role (overdue first, with days left) — cases.queries.inbox_for;
* open cases whose 公示 ends within :data:`NOTICE_SOON_DAYS` days, and open cases that received an
  objection (异议) — to be handled before the 公示 closes;
* quality findings new since the run before the latest (per check, a count that grew);
* the latest stored evaluation: households it places in the monitoring range that are not
  monitored, exited households below the year's threshold among them (policy.runs.UNMONITORED);
* department alerts to verify (crosscheck), overdue first;
* for the village cadre and the township (who visit): risks found on visits that wait for the
  village cadre, and 脱贫户 and 监测户 not visited within the interval (assistance).
* projects whose current step waits for my role (projects.queries.waiting_for), overdue first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jingzhun.accounts.roles import Role
from jingzhun.areas.models import code_range
from jingzhun.assistance import queries as assistance
from jingzhun.assistance.models import SignalStatus
from jingzhun.cases import choices as cc
from jingzhun.cases.queries import cases_for, inbox_for, overdue_q
from jingzhun.core.links import households_url
from jingzhun.crosscheck.models import AlertStatus
from jingzhun.crosscheck.queries import alerts_for
from jingzhun.crosscheck.rules import rule_label
from jingzhun.policy import runs
from jingzhun.policy.models import EvaluationCount
from jingzhun.projects.queries import waiting_for
from jingzhun.quality import queries as quality
from jingzhun.quality.checks import CATALOGUE
from jingzhun.quality.models import QualityCount
from jingzhun.registry import choices as c
from jingzhun.registry.models import VillageTally
from jingzhun.registry.scoping import tallies_for

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

NOTICE_SOON_DAYS = 3
LINES_SHOWN = 5


@dataclass
class Line:
    text: str
    url: str
    note: str = ""
    late: bool = False


@dataclass
class Item:
    """One line of the worklist: a count of records that need the user, the link to them, and
    the first few of them."""

    key: str
    title: str
    count: int
    url: str
    urgency: int  # lower first: 0 overdue, 1 due soon, 2 to look at
    note: str = ""
    lines: list[Line] = field(default_factory=list)


def _days_note(deadline: dt.date | None, today: dt.date) -> tuple[str, bool]:
    if deadline is None:
        return "", False
    days = (deadline - today).days
    if days < 0:
        return ngettext("逾期%(n)d天", "逾期%(n)d天", -days) % {"n": -days}, True
    if days == 0:
        return _("今天到期"), False
    return ngettext("剩%(n)d天", "剩%(n)d天", days) % {"n": days}, False


def _case_line(case: Any, today: dt.date) -> Line:
    note, late = _days_note(case.deadline, today)
    who = case.household.head_name or case.household.number
    text = f"{case.number} · {case.get_case_type_display()} · {who}"
    return Line(text, reverse("cases:detail", args=[case.pk]), note, late)


def _waiting_cases(user: User, today: dt.date) -> Item | None:
    waiting = inbox_for(user)
    count = waiting.count()
    if not count:
        return None
    late = waiting.filter(overdue_q(today)).count()
    first = list(waiting.select_related("household")[:LINES_SHOWN])
    lines = [_case_line(case, today) for case in first]
    lines.sort(key=lambda line: not line.late)
    note = ngettext("其中%(n)d件已逾期", "其中%(n)d件已逾期", late) % {"n": late} if late else ""
    return Item(
        "cases",
        _("待我办理的案件"),
        count,
        reverse("cases:inbox"),
        0 if late else 1,
        note,
        lines,
    )


def _notices_ending(user: User, today: dt.date) -> Item | None:
    soon = today + dt.timedelta(days=NOTICE_SOON_DAYS)
    qs = (
        cases_for(user)
        .filter(
            status=cc.CaseStatus.OPEN,
            notice__closed_on__isnull=True,
            notice__ends_on__lte=soon,
        )
        .select_related("household", "notice")
        .order_by("notice__ends_on", "id")
    )
    count = qs.count()
    if not count:
        return None
    lines = []
    for case in qs[:LINES_SHOWN]:
        case.deadline = case.notice.ends_on
        lines.append(_case_line(case, today))
    return Item(
        "notices",
        _("公示即将结束（%(n)d天内）") % {"n": NOTICE_SOON_DAYS},
        count,
        reverse("notices:list"),
        1,
        "",
        lines,
    )


def _objections(user: User, today: dt.date) -> Item | None:
    qs = (
        cases_for(user)
        .filter(status=cc.CaseStatus.OPEN, objections__isnull=False)
        .distinct()
        .select_related("household")
    )
    count = qs.count()
    if not count:
        return None
    lines = []
    for case in qs.order_by("id")[:LINES_SHOWN]:
        case.deadline = case.step_due_on
        lines.append(_case_line(case, today))
    return Item(
        "objections", _("收到异议、待处理的案件"), count, reverse("cases:inbox"), 1, "", lines
    )


def _new_findings(user: User) -> Item | None:
    """Checks whose findings in the user's area grew since the run before: for each run of the
    user's picture (quality.latest_runs — the run covering the area, or for a city or province
    the latest run of each county below), against the previous done run of the same area and
    year; the increases are added up per check."""
    latest_runs = quality.latest_runs(user)
    if not latest_runs:
        return None
    latest = latest_runs[0]
    previous = quality.previous_run_ids(latest_runs)
    pairs = [(run.pk, previous[run.pk]) for run in latest_runs]
    involved = [pk for pair in pairs for pk in pair if pk is not None]
    low, high = user_range(user)
    per_run: dict[int, dict[str, int]] = {pk: {} for pk in involved}
    for run_id, code, n in (
        QualityCount.objects.filter(run__in=involved, village_code__gte=low, village_code__lt=high)
        .values_list("run", "check_code")
        .annotate(n=Sum("findings"))
        .values_list("run", "check_code", "n")
    ):
        per_run[run_id][code] = n or 0
    increase: dict[str, int] = {}
    for now, before_pk in pairs:
        before = per_run[before_pk] if before_pk is not None else {}
        for code, n in per_run[now].items():
            if n > before.get(code, 0) and code in CATALOGUE:
                increase[code] = increase.get(code, 0) + n - before.get(code, 0)
    grown = sorted(increase.items())
    if not grown:
        return None
    lines = [
        Line(
            f"{code} {_(CATALOGUE[code].title)}",
            # One run: exactly its findings; several: the list rolls up the same latest runs.
            households_url(check=code, qrun=latest.pk if len(latest_runs) == 1 else None),
            _("新增%(n)d条") % {"n": extra},
        )
        for code, extra in sorted(grown, key=lambda x: -x[1])[:LINES_SHOWN]
    ]
    return Item(
        "quality",
        _("新发现的数据质量问题（与上次校验相比）"),
        sum(extra for _, extra in grown),
        reverse("quality_home"),
        2,
        _("校验 #%(run)s") % {"run": latest.pk}
        if len(latest_runs) == 1
        else _("%(n)s个地区的最近一次校验") % {"n": len(latest_runs)},
        lines,
    )


def user_range(user: User) -> tuple[str, str]:
    return code_range(user.scope_prefix)


def _unmonitored(user: User) -> Item | None:
    """The latest stored evaluation's households in the monitoring range but not monitored
    (for a city or province: the latest run of each area below, one line per run and
    category)."""
    latest = runs.latest_runs(user)
    if not latest:
        return None
    low, high = user_range(user)
    rows = (
        EvaluationCount.objects.filter(
            run__in=latest,
            decision=runs.UNMONITORED,
            village_code__gte=low,
            village_code__lt=high,
        )
        .values_list("run", "status")
        .annotate(n=Sum("households"))
        .values_list("run", "status", "n")
    )
    per_run_status = {(run, status): n for run, status, n in rows}
    count = sum(per_run_status.values())
    if not count:
        return None
    lines = [
        Line(
            (
                str(c.MonitoringCategory(status).label)
                if status != c.MonitoringCategory.UNSTABLE_EXITED
                else _("脱贫户收入低于当年监测范围")
            )
            + (f" · #{run_id}" if len(latest) > 1 else ""),
            households_url(run=run_id, decision=runs.UNMONITORED, status=status),
            _("%(n)d户") % {"n": n},
        )
        for (run_id, status), n in sorted(per_run_status.items())
        if status in c.MonitoringCategory.values
    ]
    first = latest[0]
    url = (
        households_url(run=first.pk, decision=runs.UNMONITORED)
        if len(latest) == 1
        else reverse("evaluation_list")
    )
    note = ", ".join(
        _("批量判定 #%(run)s（%(year)s年度）") % {"run": r.pk, "year": r.year} for r in latest[:3]
    )
    return Item(
        "unmonitored",
        _("判定在监测范围内、尚未纳入监测的农户"),
        count,
        url,
        2,
        note,
        lines[: LINES_SHOWN * 2],
    )


def _alerts(user: User, today: dt.date) -> Item | None:
    qs = alerts_for(user).filter(status=AlertStatus.OPEN)
    counts = qs.aggregate(n=Count("id"), late=Count("id", filter=Q(due_on__lt=today)))
    if not counts["n"]:
        return None
    lines = []
    for alert in qs.select_related("household").order_by("due_on", "id")[:LINES_SHOWN]:
        note, late = _days_note(alert.due_on, today)
        text = (
            f"{_(rule_label(alert.rule))} · {alert.household.head_name or alert.household.number}"
        )
        lines.append(Line(text, reverse("crosscheck:alert", args=[alert.pk]), note, late))
    late = counts["late"]
    return Item(
        "alerts",
        _("待核实的部门预警"),
        counts["n"],
        reverse("crosscheck:inbox"),
        0 if late else 1,
        ngettext("其中%(n)d条已逾期", "其中%(n)d条已逾期", late) % {"n": late} if late else "",
        lines,
    )


# The roles who visit households: their home lists the visits due. (A county's or city's "not
# visited" is a report, on the assistance page, not a daily task.)
VISITORS = frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER})


def _visit_signals(user: User) -> Item | None:
    if user.role not in VISITORS:
        return None
    qs = assistance.visits_for(user).filter(signal=SignalStatus.PENDING)
    first = list(qs.select_related("household").order_by("visited_on", "id")[:LINES_SHOWN])
    if not first:
        return None
    lines = [
        Line(
            f"{v.visited_on:%Y-%m-%d} · {v.household.head_name or v.household.number}",
            reverse("assistance:visit", args=[v.pk]),
        )
        for v in first
    ]
    count = len(first) if len(first) < LINES_SHOWN else qs.count()
    return Item(
        "visit_signals",
        _("走访发现的风险，待受理"),
        count,
        reverse("assistance:visits") + "?signal=" + SignalStatus.PENDING,
        0,
        "",
        lines,
    )


def _waiting_projects(user: User, today: dt.date) -> Item | None:
    qs = waiting_for(user)
    counts = qs.aggregate(n=Count("id"), late=Count("id", filter=Q(step_due_on__lt=today)))
    if not counts["n"]:
        return None
    lines = []
    for project in qs[:LINES_SHOWN]:
        note, late = _days_note(project.step_due_on, today)
        text = f"{project.number} · {project.name}"
        lines.append(Line(text, reverse("projects:detail", args=[project.pk]), note, late))
    late = counts["late"]
    return Item(
        "projects",
        _("待我办理的项目"),
        counts["n"],
        reverse("projects:list"),
        0 if late else 1,
        ngettext("其中%(n)d个已逾期", "其中%(n)d个已逾期", late) % {"n": late} if late else "",
        lines,
    )


def _visits_due(user: User, today: dt.date) -> Item | None:
    if user.role not in VISITORS:
        return None
    count = assistance.not_visited(user, today).count()
    if not count:
        return None
    days = ", ".join(str(d) for _county, d, _cutoff in assistance.visit_cutoffs(user, today))
    return Item(
        "visits_due",
        _("超过走访间隔未走访的脱贫户和监测户"),
        count,
        households_url(assistance="not_visited"),
        1,
        _("每%(days)s天至少走访一次") % {"days": days},
    )


def worklist(user: User, today: dt.date) -> list[Item]:
    """The items that need the user, most urgent first (overdue, then due soon, then to
    look at), empty ones left out."""
    items = [
        _waiting_cases(user, today),
        _alerts(user, today),
        _waiting_projects(user, today),
        _notices_ending(user, today),
        _objections(user, today),
        _new_findings(user),
        _unmonitored(user),
        _visit_signals(user),
        _visits_due(user, today),
    ]
    present = [item for item in items if item is not None]
    return sorted(present, key=lambda item: item.urgency)


@dataclass
class Figure:
    label: str
    value: int
    url: str


def headline(user: User) -> list[Figure]:
    """The area's headline figures, each a link: a sum over the area's villages' tallies
    (kept by the database with every household write, registry.models.VillageTally), not a
    scan of its households."""
    sums = tallies_for(user).aggregate(**{n: Sum(n) for n in VillageTally.COUNTS})
    counts = {k: v or 0 for k, v in sums.items()}
    counts["total"] = counts["households"]
    return [
        Figure(_("农户（户）"), counts["total"], households_url()),
        Figure(_("人口（人）"), counts["people"] or 0, households_url()),
        Figure(
            str(c.HouseholdType.EXITED.label),
            counts["exited"],
            households_url(household_type=c.HouseholdType.EXITED),
        ),
        Figure(
            str(c.HouseholdType.MONITORED.label),
            counts["monitored"],
            households_url(household_type=c.HouseholdType.MONITORED),
        ),
        Figure(_("风险未消除"), counts["at_risk"], households_url(at_risk="1")),
        Figure(
            str(c.HouseholdType.ORDINARY.label),
            counts["ordinary"],
            households_url(household_type=c.HouseholdType.ORDINARY),
        ),
    ]
