"""The relocation reports as xlsx workbooks in the layout a county hands in: a title row naming
the report, the area and the day, then summary sheets (per site; by year and area) and the
detail of the relocated households behind them. Written by the project's writer
(:func:`jingzhun.exports.writers.write_xlsx`) — value lists as their Chinese labels, text
neutralised against formula injection, free text masked for roles that see masked numbers; no
personal numbers are exported. The views log every download like any other export.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jingzhun.core.masking import Disclosure
from jingzhun.exports.layouts import Column, ExportTable, LeadSheet, converters_for, labels_of
from jingzhun.exports.writers import write_xlsx
from jingzhun.relocation import choices as c
from jingzhun.relocation import queries
from jingzhun.relocation.models import Relocation, ResettlementSite

if TYPE_CHECKING:
    from jingzhun.accounts.models import User


def _detail_columns() -> list[Column]:
    return [
        Column(_("安置点"), "site__name", "text"),
        Column(_("户编号"), "household__number", "text"),
        Column(_("户主姓名"), "household__head_name", "text"),
        Column(_("迁出村"), "origin_village__name", "text"),
        Column(_("迁出村代码"), "origin_village_code", "text"),
        Column(_("搬迁入住日期"), "moved_on", "date"),
        Column(_("搬迁方式"), "mode", "choice", labels_of(c.RelocationMode)),
        Column(_("安置方式"), "resettlement_type", "choice", labels_of(c.ResettlementType)),
        Column(_("搬迁人数"), "people", "int"),
        Column(_("安置住房面积（平方米）"), "housing_area_m2", "decimal"),
        Column(_("整村搬迁"), "whole_village", "bool"),
        Column(_("旧房已拆除复垦"), "old_house_demolished", "bool"),
        Column(_("拆旧复垦日期"), "demolished_on", "date"),
        Column(_("备注"), "note", "note"),
    ]


def _write(table: ExportTable) -> tuple[bytes, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.xlsx"
        rows = write_xlsx(table, path)
        return path.read_bytes(), rows


def _table(
    user: User,
    sheet: str,
    titles: list[str],
    queryset: QuerySet[Relocation],
    leads: list[LeadSheet],
) -> ExportTable:
    disclosure = Disclosure.of(user)
    table = ExportTable(
        what="relocation",
        layout="project",
        sheet=sheet,
        columns=_detail_columns(),
        title_rows=titles,
        queryset=queryset.order_by("site__name", "household__number"),
        masked=not disclosure.numbers,
        disclosure=disclosure,
        lead_sheets=leads,
    )
    table.converters = converters_for(table)
    return table


def site_workbook(user: User, sites: list[ResettlementSite], on: dt.date) -> tuple[bytes, int]:
    """安置点就业情况统计表: one row per site, the households without any employed member, and
    the relocated households of the sites (in the user's area). Returns (xlsx, detail rows)."""
    figures = queries.site_figures(user, sites, on)
    area = user.area.name
    titles = [
        _("%(area)s易地扶贫搬迁集中安置点就业情况统计表") % {"area": area},
        _("统计日期：%(day)s　劳动年龄按政策参数 labour_age_min、labour_age_max 计算")
        % {"day": on.isoformat()},
    ]
    types = labels_of(c.ResettlementType)
    summary = LeadSheet(
        name=_("安置点汇总"),
        title_rows=titles,
        columns=[
            Column(_("安置点"), "", "text"),
            Column(_("所在区划"), "", "text"),
            Column(_("安置方式"), "", "text"),
            Column(_("设计安置户数"), "", "int"),
            Column(_("设计安置人数"), "", "int"),
            Column(_("已安置户数"), "", "int"),
            Column(_("搬迁人数"), "", "int"),
            Column(_("现有人口"), "", "int"),
            Column(_("劳动年龄人口"), "", "int"),
            Column(_("劳动年龄人口已就业"), "", "int"),
            Column(_("已就业人数（全部）"), "", "int"),
            Column(_("无就业人员户数"), "", "int"),
            Column(_("其中有劳动年龄人口的户数"), "", "int"),
        ],
        rows=[
            (
                s.name,
                s.area.name,
                types.get(s.resettlement_type, s.resettlement_type),
                s.capacity_households,
                s.capacity_people,
                f.households,
                f.people_moved,
                f.people,
                f.working_age,
                f.working_age_employed,
                f.employed,
                len(f.without_employment),
                f.labour_without_employment,
            )
            for s in sites
            for f in (figures[s.pk],)
        ],
    )
    without: list[tuple[Any, ...]] = []
    for s in sites:
        for row in queries.households_without_employment(
            user, figures[s.pk].without_employment, on
        ):
            without.append(
                (
                    s.name,
                    row["household"].number,
                    row["household"].head_name,
                    row["village"],
                    row["people"],
                    row["working_age"],
                )
            )
    jobless = LeadSheet(
        name=_("无就业人员户"),
        title_rows=titles,
        columns=[
            Column(_("安置点"), "", "text"),
            Column(_("户编号"), "", "text"),
            Column(_("户主姓名"), "", "text"),
            Column(_("迁出村"), "", "text"),
            Column(_("现有人口"), "", "int"),
            Column(_("劳动年龄人口"), "", "int"),
        ],
        rows=without,
    )
    queryset = queries.relocations_for(user).filter(site__in=[s.pk for s in sites])
    return _write(_table(user, _("搬迁户明细"), titles, queryset, [summary, jobless]))


def year_workbook(user: User, on: dt.date) -> tuple[bytes, int]:
    """易地扶贫搬迁分年度统计表: per year the 整村搬迁 villages, households and people, per year and
    area, and every relocated household of the user's area."""
    figures = queries.by_year(user)
    titles = [
        _("%(area)s易地扶贫搬迁分年度统计表") % {"area": user.area.name},
        _("统计日期：%(day)s　按迁出村所在区划、搬迁入住年度汇总") % {"day": on.isoformat()},
    ]
    by_year = LeadSheet(
        name=_("分年度汇总"),
        title_rows=titles,
        columns=[
            Column(_("搬迁年度"), "", "int"),
            Column(_("整村搬迁村数"), "", "int"),
            Column(_("搬迁户数"), "", "int"),
            Column(_("搬迁人数"), "", "int"),
        ],
        rows=[(y["year"], y["villages"], y["households"], y["people"]) for y in figures["years"]],
    )
    by_area = LeadSheet(
        name=_("分年度分区划"),
        title_rows=titles,
        columns=[
            Column(_("搬迁年度"), "", "int"),
            Column(_("区划"), "", "text"),
            Column(_("区划代码"), "", "text"),
            Column(_("整村搬迁村数"), "", "int"),
            Column(_("搬迁户数"), "", "int"),
            Column(_("搬迁人数"), "", "int"),
        ],
        rows=[
            (r["year"], r["area"], r["area_code"], r["villages"], r["households"], r["people"])
            for r in figures["rows"]
        ],
    )
    return _write(
        _table(user, _("搬迁户明细"), titles, queries.relocations_for(user), [by_year, by_area])
    )
