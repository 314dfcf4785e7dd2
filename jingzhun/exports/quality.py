"""The quality report (质量报告) as an export: one row per finding of the latest completed quality
run that covers the user's area, restricted to their scope, plus (xlsx only) the counts per
check and per village.

The report's content is defined once, in :mod:`jingzhun.quality.runner` (which run, the totals,
the findings query); :func:`report_table` turns it into an :class:`ExportTable` for the writers.
The export page and ``jingzhun export --what quality`` call :func:`quality_table` (scoped to a
user through :mod:`jingzhun.registry.scoping`); ``jingzhun quality --format xlsx`` calls
:func:`report_table` for the runs it has just made (no user: no names, no ID numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.exports.layouts import (
    Column,
    ExportSpec,
    ExportTable,
    LeadSheet,
    converters_for,
    drill_restrict,
    labels_of,
)
from jingzhun.quality.checks import catalogue
from jingzhun.quality.models import QualityRun
from jingzhun.quality.runner import (
    check_totals,
    latest_run_covering,
    report_findings,
    village_totals,
)
from jingzhun.registry import choices as c
from jingzhun.registry.models import Household, Member
from jingzhun.registry.queries import HouseholdFilters, filter_households
from jingzhun.registry.scoping import areas_for, members_for

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

# Sheet names of the xlsx report (the command's report has used the first two since it exists).
CHECKS_SHEET = "规则统计"
FINDINGS_SHEET = "问题清单"
VILLAGES_SHEET = "村统计"


def quality_table(user: User, spec: ExportSpec, filters: HouseholdFilters) -> ExportTable:
    """The report as ``user`` may see it: the latest completed run covering their area (of the
    ``year`` filter's income year, if one is given), its findings under their area (or the
    ``area`` filter's, which must lie in scope: otherwise nothing), on households that pass
    the household list's other filters (a village check's findings, which have no household,
    only when no such filter is set). ID numbers are masked unless the role sees them."""
    within = user.scope_prefix
    in_scope = True
    if filters.area:
        area = areas_for(user).filter(code=filters.area).first()
        in_scope = area is not None
        within = area.scope_prefix if area is not None else within
    run = latest_run_covering(user.area, year=filters.year) if in_scope else None
    runs = [run] if run is not None else []
    # The year chooses the run; it does not ask for households with an income that year.
    # The list's drill-down narrows the households like its filters do.
    restrict = drill_restrict(user, spec)
    households = filter_households(
        user, HouseholdFilters(**{**filters.__dict__, "year": None}), restrict=restrict
    )
    exported_by = user.full_name or user.username
    household_filter = any(
        (
            filters.q,
            filters.household_type,
            filters.monitoring_category,
            filters.risk,
            filters.group,
            filters.at_risk,
            restrict,
        )
    )
    return report_table(
        runs,
        households=households,
        members=members_for(user),
        within=within,
        masked=not user.sees_personal_numbers,
        personal=True,
        scope=filters.area or user.area.code,
        exported_by=exported_by,
        villages=not household_filter,
    )


def _check_columns() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    checks = catalogue()
    return (
        {ch.code: ch.title for ch in checks},
        {ch.code: ch.severity_label for ch in checks},
        {ch.code: ch.level_label for ch in checks},
    )


def finding_columns(*, personal: bool) -> list[Column]:
    """The main sheet's columns (paths are :func:`report_findings`' annotations)."""
    titles, severities, levels = _check_columns()
    cols = [
        Column(_("规则编号"), "check_code", "text"),
        Column(_("规则"), "check_code", "choice", titles),
        Column(_("严重程度"), "check_code", "choice", severities),
        Column(_("层级"), "check_code", "choice", levels),
        Column(_("县"), "county_name", "text"),
        Column(_("县代码"), "county_code", "text"),
        Column(_("乡镇"), "township_name", "text"),
        Column(_("乡镇代码"), "township_code", "text"),
        Column(_("行政村"), "village_name", "text"),
        Column(_("行政村代码"), "village_code", "text"),
        Column(_("户编号"), "number", "text"),
    ]
    if personal:
        cols += [
            Column(_("户主姓名"), "head_name", "text"),
            Column(_("成员姓名"), "member_name", "text"),
            Column(_("证件类型"), "id_type", "choice", labels_of(c.IdType)),
            Column(_("证件号码"), "id_number", "id"),
        ]
    cols += [
        Column(_("说明"), "details", "note"),
        Column(_("已确认无误"), "exempted", "bool"),
        Column(_("确认理由"), "exemption_reason", "note"),
    ]
    return cols


def _titles(runs: Sequence[QualityRun], scope: str, exported_by: str) -> list[str]:
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    if not runs:
        return [_("数据质量检查报告"), _("尚无已完成的数据质量检查（或导出范围不在辖区内）。")]
    described = "，".join(
        _("检查任务 #%(id)s（%(area)s，%(year)s年度，完成于%(at)s）")
        % {
            "id": run.pk,
            "area": run.area_code,
            "year": run.year,
            "at": timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M")
            if run.finished_at
            else "",
        }
        for run in runs
    )
    return [
        _("数据质量检查报告"),
        _("%(runs)s　导出范围：%(scope)s　导出时间：%(now)s　导出人：%(by)s")
        % {"runs": described, "scope": scope, "now": now, "by": exported_by},
    ]


def _checks_sheet(runs: Sequence[QualityRun], within: str, titles: list[str]) -> LeadSheet:
    cols = [
        Column(_("规则编号"), "code", "text"),
        Column(_("规则"), "title", "text"),
        Column(_("严重程度"), "severity", "text"),
        Column(_("层级"), "level", "text"),
        Column(_("问题数"), "findings", "int"),
        Column(_("已豁免"), "exempted", "int"),
        Column(_("未运行原因"), "needs", "text"),
    ]
    rows = [
        (
            t.check.code,
            t.check.title,
            t.check.severity_label,
            t.check.level_label,
            t.findings,
            t.exempted,
            t.check.needs or None,
        )
        for t in check_totals(runs, within=within)
    ]
    return LeadSheet(CHECKS_SHEET, titles, cols, rows)


def _villages_sheet(runs: Sequence[QualityRun], within: str, titles: list[str]) -> LeadSheet:
    cols = [
        Column(_("县"), "county", "text"),
        Column(_("县代码"), "county_code", "text"),
        Column(_("乡镇"), "township", "text"),
        Column(_("乡镇代码"), "township_code", "text"),
        Column(_("行政村"), "village", "text"),
        Column(_("行政村代码"), "village_code", "text"),
        Column(_("农户数"), "households", "int"),
        Column(_("有错误的农户数"), "households_with_error", "int"),
        Column(_("质量得分"), "score", "decimal"),
        Column(_("问题数"), "findings", "int"),
        Column(_("已豁免"), "exempted", "int"),
    ]
    rows = [
        (
            v.county,
            v.county_code,
            v.township,
            v.township_code,
            v.village,
            v.village_code,
            v.households,
            v.households_with_error,
            v.score,
            v.findings,
            v.exempted,
        )
        for v in village_totals(runs, within=within)
    ]
    return LeadSheet(VILLAGES_SHEET, titles, cols, rows)


def report_table(
    runs: Sequence[QualityRun],
    *,
    households: QuerySet[Household],
    members: QuerySet[Member],
    within: str,
    masked: bool,
    personal: bool,
    scope: str,
    exported_by: str,
    village_sheet: bool = True,
    villages: bool = True,
) -> ExportTable:
    """The report of ``runs`` under the area prefix ``within``, its findings restricted to
    ``households`` and ``members`` (the caller's scope). ``personal`` adds head and member
    names and ID numbers (masked when ``masked``); ``villages`` keeps village checks' findings
    (no household). The lead sheets (xlsx) are the totals per
    check and, with ``village_sheet``, per village: the run's stored counts in ``within``, the
    numbers the quality pages show (not narrowed by household filters)."""
    titles = _titles(runs, scope, exported_by)
    lead = [_checks_sheet(runs, within, titles)]
    if village_sheet:
        lead.append(_villages_sheet(runs, within, titles))
    queryset: QuerySet[Any] = report_findings(
        runs,
        households=households,
        members=members,
        within=within,
        personal=personal,
        villages=villages,
    )
    metadata = {
        "jingzhun.quality_runs": ",".join(str(r.pk) for r in runs),
        "jingzhun.quality_years": ",".join(str(r.year) for r in runs),
        "jingzhun.report_title": "\n".join(titles),
    }
    table = ExportTable(
        "quality",
        "project",
        FINDINGS_SHEET,
        finding_columns(personal=personal),
        [],
        queryset,
        masked,
        runs[0].year if len(runs) == 1 else None,
        lead_sheets=lead,
        metadata=metadata,
    )
    table.converters = converters_for(table)
    return table
