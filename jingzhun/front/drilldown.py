"""Drill-down filters of the household list that rest on other domains: "the households behind
this number" on the quality, evaluation, procedure and home pages.

The registry's own filters (area, group, type, category, risk, income range) live in
:mod:`jingzhun.registry.queries`; the ones here narrow the same list to

* a stored evaluation's households: ``run``, ``decision``, ``status``, ``failed`` (a criterion
  that failed), or ``decision=unmonitored`` with ``status`` a monitoring category;
* the exit panel's households: ``exit_year`` and ``exit_standard`` (``registered``: the
  registered poor households of the year; ``fail`` / ``unknown``: those of them failing the
  household exit standard, or whose data leave it unknown), under the list's ``area``;
* a what-if's affected households: ``whatif`` (the run), ``decision`` (one compared decision, or
  none: every affected household) and ``move`` (``entered``, ``left``, or none: any change);
* a quality check's households in the latest run (or ``qrun``): ``check``;
* households with an open case of a type and step: ``case_type``, ``step``, ``overdue=1``;
* monitoring dates: ``identified_from``/``identified_to`` (识别监测时间) and
  ``eliminated_from``/``eliminated_to`` (消除风险时间), inclusive ISO dates — the dashboards'
  "new this month" and "eliminated this year";
* the assistance coverage: ``assistance=no_cadre`` (脱贫户 and 监测户 without a current cadre),
  ``assistance=not_visited`` (not visited within the interval), ``assistance=cadre&cadre=ID``
  (a cadre's current households).

Each parses to household-id sets handed to :func:`jingzhun.registry.queries.filter_households`
as ``restrict``, so the registry does not import these domains. Every link that shows a count
builds its URL with :func:`jingzhun.core.links.households_url`, so the list it opens applies
exactly the filter that counted.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jingzhun.areas.models import Area
from jingzhun.assistance import queries as assistance
from jingzhun.cases import choices as cc
from jingzhun.cases.overview import step_title, type_label
from jingzhun.cases.queries import cases_for, overdue_q
from jingzhun.core.idnumber import local_today
from jingzhun.exports.layouts import ExportRefused, Narrowing
from jingzhun.policy import exits, runs
from jingzhun.policy.criteria import CRITERIA, STATUS_LABELS
from jingzhun.policy.decisions import DECISIONS
from jingzhun.policy.models import EvaluationRun, WhatIfRun
from jingzhun.policy.whatif import DECISION_TITLES, TRACKED
from jingzhun.quality import queries as quality
from jingzhun.quality.checks import CATALOGUE
from jingzhun.quality.models import QualityRun
from jingzhun.registry import choices as c
from jingzhun.registry.models import Household
from jingzhun.registry.queries import HouseholdFilters, filter_households, household_page
from jingzhun.registry.scoping import areas_for, measures_for

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

# Ids of an evaluation's households are matched against the registry this many at a time.
CHUNK = 2000
# Above this many, the total of a list that combines an evaluation with other filters is not
# counted (it would take one query per chunk); the page says "more than".
COUNT_LIMIT = 200_000
# The assistance coverage drill-downs and how the list's heading says them (msgids).
ASSISTANCE = {
    "no_cadre": gettext_noop("无帮扶责任人的脱贫户和监测户"),
    "not_visited": gettext_noop("超过走访间隔未走访的脱贫户和监测户"),
    "cadre": gettext_noop("帮扶责任人现结对的农户"),
}


# Monitoring-date drill-downs: parameter → (the household's field lookup, how the heading says
# it, msgid).
DATE_FILTERS = {
    "identified_from": ("monitoring_identified_on__gte", gettext_noop("识别监测时间不早于")),
    "identified_to": ("monitoring_identified_on__lte", gettext_noop("识别监测时间不晚于")),
    "eliminated_from": ("risk_eliminated_on__gte", gettext_noop("消除风险时间不早于")),
    "eliminated_to": ("risk_eliminated_on__lte", gettext_noop("消除风险时间不晚于")),
}


# How the list's heading says a what-if move (msgids).
MOVE_LABELS = {"entered": gettext_noop("新进入"), "left": gettext_noop("不再符合")}
# How the list's heading says an exit-panel filter (msgids; %(year)s the year).
EXIT_STANDARD_LABELS = {
    "registered": gettext_noop("%(year)s年建档立卡贫困户"),
    "fail": gettext_noop("%(year)s年建档立卡贫困户中未达到退出标准的"),
    "unknown": gettext_noop("%(year)s年建档立卡贫困户中退出标准数据不全的"),
}


@dataclass
class DrillDown:
    run: EvaluationRun | None = None
    whatif: WhatIfRun | None = None
    move: str = ""  # with whatif: entered, left, "" (any change)
    exit_standard: str = ""  # registered, fail, unknown (exits.EXIT_STANDARD_STATUSES)
    exit_year: int | None = None
    exit_area: Area | None = None  # the list's area (else the user's)
    decision: str = ""
    status: str = ""
    failed: str = ""
    check: str = ""
    quality_runs: list[QualityRun] = field(default_factory=list)
    case_type: str = ""
    step: str = ""
    overdue: bool = False
    open_case: bool = False  # any open case
    assistance: str = ""  # no_cadre, not_visited, cadre
    cadre: int | None = None
    # Monitoring dates (dashboards: "new this month", "eliminated this year"): inclusive ranges.
    dates: dict[str, dt.date] = field(default_factory=dict)
    measures_year: int | None = None  # households with assistance measures (帮扶措施) that year
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, user: User, params: Any) -> DrillDown:
        """Parse; each unknown value is reported in ``errors`` and dropped."""
        d = cls()
        if params.get("whatif"):
            d._parse_whatif(user, params)
            d._parse_others(user, params)
            return d
        raw_run = params.get("run") or ""
        if raw_run:
            d.run = runs.runs_for(user).filter(pk=raw_run).first() if raw_run.isdigit() else None
            if d.run is None:
                d.errors["run"] = _("未找到该批量判定结果。")
        d.decision = params.get("decision") or ""
        d.status = params.get("status") or ""
        d.failed = params.get("failed") or ""
        if d.decision and d.decision not in (*DECISIONS, runs.UNMONITORED):
            d.errors["decision"] = _("取值“%(v)s”无效。") % {"v": d.decision}
            d.decision = ""
        statuses = c.MonitoringCategory.values if d.decision == runs.UNMONITORED else STATUS_LABELS
        if d.status and d.status not in statuses:
            d.errors["status"] = _("取值“%(v)s”无效。") % {"v": d.status}
            d.status = ""
        if d.failed and (d.failed not in CRITERIA or CRITERIA[d.failed].decision != d.decision):
            d.errors["failed"] = _("取值“%(v)s”无效。") % {"v": d.failed}
            d.failed = ""
        if (d.decision or d.status or d.failed) and d.run is None:
            if not raw_run:
                d.run = runs.runs_for(user).order_by("-id").first()
            if d.run is None:
                d.errors.setdefault("run", _("还没有批量判定结果。"))
        if d.run is not None and not d.decision:
            d.errors["decision"] = _("请选择判定。")
            d.run = None
        d._parse_others(user, params)
        return d

    def _parse_whatif(self, user: User, params: Any) -> None:
        raw = params.get("whatif") or ""
        self.whatif = (
            runs.whatif_runs_for(user).filter(pk=raw, status=WhatIfRun.Status.DONE).first()
            if raw.isdigit()
            else None
        )
        if self.whatif is None:
            self.errors["whatif"] = _("未找到该政策模拟结果。")
            return
        self.decision = params.get("decision") or ""
        if self.decision and self.decision not in TRACKED:
            self.errors["decision"] = _("取值“%(v)s”无效。") % {"v": self.decision}
            self.decision = ""
        self.move = params.get("move") or ""
        if self.move and (self.move not in runs.MOVES or not self.decision):
            self.errors["move"] = _("取值“%(v)s”无效。") % {"v": self.move}
            self.move = ""

    def _parse_exit(self, user: User, params: Any) -> None:
        which = params.get("exit_standard") or ""
        if not which:
            return
        if which not in exits.EXIT_STANDARD_STATUSES:
            self.errors["exit_standard"] = _("取值“%(v)s”无效。") % {"v": which}
            return
        raw_year = (params.get("exit_year") or "").strip()
        if not (raw_year.isdigit() and len(raw_year) == 4):
            self.errors["exit_year"] = _("“%(v)s”不是年份。") % {"v": raw_year}
            return
        code = (params.get("area") or "").strip()
        area = areas_for(user).filter(code=code).first() if code else user.area
        if area is None:
            return  # the list's own area filter reports it
        self.exit_standard, self.exit_year, self.exit_area = which, int(raw_year), area

    def _parse_others(self, user: User, params: Any) -> None:
        d = self
        d._parse_exit(user, params)
        d.check = params.get("check") or ""
        if d.check:
            if d.check not in CATALOGUE and d.check != quality.ERRORS:
                d.errors["check"] = _("没有该校验规则。")
                d.check = ""
            else:
                raw_qrun = params.get("qrun") or ""
                if raw_qrun.isdigit():
                    d.quality_runs = [r for r in quality.latest_runs(user) if r.pk == int(raw_qrun)]
                    d.quality_runs = d.quality_runs or list(
                        quality.runs_for(user).filter(pk=raw_qrun)
                    )
                else:
                    d.quality_runs = quality.latest_runs(user)
                if not d.quality_runs:
                    d.errors["check"] = _("还没有完成的质量校验。")
                    d.check = ""
        d.case_type = params.get("case_type") or ""
        if d.case_type and d.case_type not in cc.CaseType.values:
            d.errors["case_type"] = _("取值“%(v)s”无效。") % {"v": d.case_type}
            d.case_type = ""
        d.step = (params.get("step") or "")[:32]
        d.overdue = params.get("overdue") == "1"
        d.open_case = params.get("open_case") == "1"
        d.assistance = params.get("assistance") or ""
        if d.assistance not in ("", *ASSISTANCE):
            d.errors["assistance"] = _("取值“%(v)s”无效。") % {"v": d.assistance}
            d.assistance = ""
        if d.assistance == "cadre":
            raw_cadre = params.get("cadre") or ""
            cadre = (
                assistance.cadres_for(user).filter(pk=raw_cadre).first()
                if raw_cadre.isdigit()
                else None
            )
            if cadre is None:
                d.errors["cadre"] = _("未找到该帮扶责任人。")
                d.assistance = ""
            else:
                d.cadre = cadre.pk
        raw_measures = (params.get("measures_year") or "").strip()
        if raw_measures:
            if raw_measures.isdigit() and len(raw_measures) == 4:
                d.measures_year = int(raw_measures)
            else:
                d.errors["measures_year"] = _("“%(v)s”不是年份。") % {"v": raw_measures}
        for key in DATE_FILTERS:
            raw = (params.get(key) or "").strip()
            if raw:
                try:
                    d.dates[key] = dt.date.fromisoformat(raw)
                except ValueError:
                    d.errors[key] = _("“%(v)s”不是日期（如 2026-03-08）。") % {"v": raw}

    @property
    def evaluation(self) -> bool:
        return self.run is not None and bool(self.decision)

    @property
    def ordered(self) -> bool:
        """Whether the households come as an ordered id list (a stored evaluation's or what-if's
        file, or the exit panel's evaluation), matched against the registry page by page."""
        return self.evaluation or self.whatif is not None or bool(self.exit_standard)

    @property
    def cases(self) -> bool:
        return bool(self.case_type or self.step or self.overdue or self.open_case)

    def dates_q(self) -> Q:
        """The monitoring-date ranges as one condition on the household."""
        q = Q()
        for key, day in self.dates.items():
            q &= Q(**{DATE_FILTERS[key][0]: day})
        return q

    def as_params(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.whatif is not None:
            out |= {"whatif": self.whatif.pk, "decision": self.decision, "move": self.move}
        if self.exit_standard:
            out |= {"exit_standard": self.exit_standard, "exit_year": self.exit_year}
        if self.evaluation:
            assert self.run is not None
            out |= {"run": self.run.pk, "decision": self.decision}
            out |= {"status": self.status, "failed": self.failed}
        if self.check and self.quality_runs:
            out |= {"check": self.check}
            if len(self.quality_runs) == 1:
                out["qrun"] = self.quality_runs[0].pk
        out |= {
            "case_type": self.case_type,
            "step": self.step,
            "overdue": "1" if self.overdue else "",
            "assistance": self.assistance,
            "cadre": self.cadre if self.assistance == "cadre" else "",
        }
        out |= {key: day.isoformat() for key, day in self.dates.items()}
        out["measures_year"] = self.measures_year
        return {k: v for k, v in out.items() if v not in ("", None)}

    def describe(self) -> list[str]:
        """What the drill-down selects, in words, for the page's heading."""
        lines = []
        if self.whatif is not None:
            what = _("受影响农户")
            if self.decision:
                what = _(str(DECISION_TITLES[self.decision]))
                if self.move:
                    what += f"：{_(MOVE_LABELS[self.move])}"
            lines.append(
                _("政策模拟 #%(run)s（%(year)s年度）")
                % {"run": self.whatif.pk, "year": self.whatif.year}
                + f" · {what}"
            )
        if self.exit_standard:
            lines.append(_(EXIT_STANDARD_LABELS[self.exit_standard]) % {"year": self.exit_year})
        if self.evaluation:
            assert self.run is not None
            if self.decision == runs.UNMONITORED:
                what = _("判定在监测范围内但未纳入监测")
                if self.status:
                    what += f"（{c.MonitoringCategory(self.status).label}）"
            else:
                what = _(str(DECISIONS[self.decision].title))
                if self.status:
                    what += f"：{_(STATUS_LABELS[self.status])}"
                if self.failed:
                    what += _("，未达标：%(c)s") % {"c": _(CRITERIA[self.failed].title)}
            lines.append(
                _("批量判定 #%(run)s（%(year)s年度）") % {"run": self.run.pk, "year": self.run.year}
                + f" · {what}"
            )
        if self.check:
            title = (
                _("有“错误”级问题")
                if self.check == quality.ERRORS
                else f"{self.check} {_(CATALOGUE[self.check].title)}"
            )
            lines.append(_("质量校验：%(what)s") % {"what": title})
        if self.cases:
            parts = [_("办理中的案件")]
            if self.case_type:
                parts.append(type_label(self.case_type))
            if self.step:
                parts.append(
                    step_title("000000", self.case_type, self.step) if self.case_type else self.step
                )
            if self.overdue:
                parts.append(_("已逾期"))
            lines.append(" · ".join(parts))
        if self.assistance:
            lines.append(_(ASSISTANCE[self.assistance]))
        for key, day in self.dates.items():
            lines.append(f"{_(DATE_FILTERS[key][1])}{day.isoformat()}")
        if self.measures_year:
            lines.append(_("%(year)s年有帮扶措施") % {"year": self.measures_year})
        return lines

    def restrict(self, user: User) -> list[Any]:
        """Id sets (subqueries) for everything but the evaluation (see :meth:`ordered_ids`)."""
        out: list[Any] = []
        if self.dates:
            out.append(Household.objects.filter(self.dates_q()).values("id"))
        if self.measures_year:
            out.append(measures_for(user).filter(year=self.measures_year).values("household_id"))
        if self.check and self.quality_runs:
            out.append(quality.finding_households(self.quality_runs, self.check))
        if self.cases:
            qs = cases_for(user).filter(status=cc.CaseStatus.OPEN)
            if self.case_type:
                qs = qs.filter(case_type=self.case_type)
            if self.step:
                qs = qs.filter(step_code=self.step)
            if self.overdue:
                qs = qs.filter(overdue_q(local_today()))
            out.append(qs.values("household_id"))
        if self.assistance:
            today = local_today()
            if self.assistance == "no_cadre":
                out.append(assistance.without_cadre(user, today).values("id"))
            elif self.assistance == "not_visited":
                out.append(assistance.not_visited(user, today).values("id"))
            else:
                pairings = assistance.pairings_for(user).filter(
                    assistance.current_q(today), cadre_id=self.cadre
                )
                out.append(pairings.values("household_id"))
        return out

    def ordered_ids(self, user: User, area_prefix: str) -> list[tuple[str, int]]:
        """(village code, id), sorted, of the stored file's households under ``area_prefix``
        (or the exit panel's, evaluated now)."""
        if self.exit_standard:
            assert self.exit_area is not None and self.exit_year is not None
            return exits.exit_households(user, self.exit_area, self.exit_year, self.exit_standard)
        if self.whatif is not None:
            try:
                return runs.whatif_households(
                    self.whatif, prefix=area_prefix, decision=self.decision, move=self.move
                )
            except runs.ResultFileMissing:
                self.errors["whatif"] = _("该政策模拟的逐户结果文件已不存在，只能查看统计。")
                return []
        assert self.run is not None
        try:
            return runs.result_households(
                self.run,
                prefix=area_prefix,
                decision=self.decision,
                status=self.status,
                failed=self.failed,
            )
        except runs.ResultFileMissing:
            self.errors["run"] = _("该批量判定的逐户结果文件已不存在，只能查看统计。")
            return []


@dataclass
class ListPage:
    rows: list[Household]
    next_after: str | None
    total: int | None  # None: not counted (an unfiltered list)
    total_capped: bool = False
    truncated: bool = False  # a search read at most SEARCH_LIMIT matches of a kind


def _area_prefix(user: User, f: HouseholdFilters) -> str:
    if f.area:
        area = areas_for(user).filter(code=f.area).first()
        if area is not None:
            return area.scope_prefix
    return user.scope_prefix


def list_page(user: User, f: HouseholdFilters, d: DrillDown, page_size: int) -> ListPage:
    """One keyset page of the filtered list, its next cursor, and the total of a filtered list."""
    restrict = d.restrict(user)
    filtered = bool(restrict or d.ordered or f.as_params())
    if not d.ordered:
        page = household_page(user, f, page_size, restrict=restrict)
        if page.found is not None:
            total = page.found  # a search: its ranked hits are the list
        elif filtered:
            total = filter_households(user, f, restrict=restrict).count()
        else:
            total = None
        return ListPage(page.rows, page.next_after, total, truncated=page.truncated)
    ordered = d.ordered_ids(user, _area_prefix(user, f))
    # The page: the evaluation's households after the cursor, matched CHUNK at a time against
    # the registry (with every other filter) until the page is full.
    start = bisect.bisect_right(ordered, f.after) if f.after else 0
    first = dataclasses.replace(f, after=None)
    need = page_size + 1
    rows: list[Household] = []
    i = start
    while i < len(ordered) and len(rows) < need:
        chunk = [pk for _, pk in ordered[i : i + CHUNK]]
        i += CHUNK
        got = household_page(user, first, need - len(rows), restrict=[*restrict, chunk])
        rows.extend(got.rows)
    has_next = len(rows) > page_size
    rows = rows[:page_size]
    next_after = f"{rows[-1].village_code}-{rows[-1].id}" if has_next and rows else None
    ids = [pk for _, pk in ordered]
    if len(ids) > COUNT_LIMIT:
        return ListPage(rows, next_after, len(ids), total_capped=True)
    # Households deleted or moved out of scope since the run are not listed: count what the
    # registry still holds, with every other filter.
    total = sum(
        filter_households(user, first, restrict=[*restrict, ids[j : j + 20_000]]).count()
        for j in range(0, len(ids), 20_000)
    )
    return ListPage(rows, next_after, total)


def export_narrowing(user: User, params: Any) -> Narrowing:
    """The list's drill-down for an export of the list (installed into the exports at start-up,
    :func:`jingzhun.exports.layouts.install_narrowing`): the export keeps to exactly the
    households the list shows. A drill-down read from a stored file (an evaluation, a what-if, the
    exit panel) exports at most :data:`COUNT_LIMIT` households."""
    d = DrillDown.from_params(user, params)
    found = Narrowing(params=d.as_params(), lines=d.describe(), errors=dict(d.errors))

    def restrict() -> list[Any]:
        out = d.restrict(user)
        if d.ordered:
            prefix = _area_prefix(user, HouseholdFilters.from_params(params))
            ids = [pk for _, pk in d.ordered_ids(user, prefix)]
            if d.errors:
                raise ExportRefused("；".join(d.errors.values()))
            if len(ids) > COUNT_LIMIT:
                raise ExportRefused(
                    _("该筛选包含%(n)s户，超过按此类筛选导出的上限%(limit)s户：请按区划缩小范围。")
                    % {"n": len(ids), "limit": COUNT_LIMIT}
                )
            out.append(ids)
        return out

    found.restrict = restrict
    return found
