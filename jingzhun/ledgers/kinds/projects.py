"""项目库台账: one row is one project of the county's library with its budget by fund source
(one column per source).

Natural key: 年度 + 实施地区 + 项目名称. A project already in the library is never changed by an
import (its budget changes through the project page's audited adjustment once approved): the
same project with another budget is refused, naming what differs. Stored through
``do_create_project``, which starts the project's life cycle at 入库申报 (the procedure files
say which roles may propose).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import translation

from jingzhun.accounts.roles import REGISTRY_WRITERS
from jingzhun.areas.models import Level
from jingzhun.ledgers.spec import Column, Context, Ledger, Outcome, Row
from jingzhun.projects import actions
from jingzhun.projects import choices as pc
from jingzhun.projects.models import Project

AREA_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
# One budget column per fund source: (row key, source, title).
with translation.override("zh-hans"):
    SOURCES = tuple(
        (f"budget_{code}", code, f"{label}（元）") for code, label in pc.FundSource.choices
    )
    TYPES = tuple((code, (str(label),)) for code, label in pc.ProjectType.choices)


def _area(ctx: Context, row: Row):  # type: ignore[no-untyped-def]
    return ctx.area("area", row.get("area"), levels=AREA_LEVELS, what="实施地区")


def _budget(row: Row) -> dict[str, Decimal]:
    return {
        source: Decimal(str(row[key])).quantize(Decimal("0.01"))
        for key, source, _title in SOURCES
        if row.get(key) not in (None, "") and Decimal(str(row[key])) != 0
    }


def find(ctx: Context, row: Row) -> Project | None:
    area = _area(ctx, row)
    if not row.get("name") or row.get("year") in (None, ""):
        return None  # the action names what is missing
    return (
        Project.objects.filter(area=area, year=row["year"], name=row["name"]).order_by("id").first()
    )


def write(ctx: Context, row: Row, project: Project | None) -> Outcome:
    area = _area(ctx, row)
    budget = _budget(row)
    if project is not None:
        stored = {line.source: line.amount for line in project.budget.all()}
        if budget and budget != stored:
            raise ValidationError(
                {
                    "budget": [
                        f"项目“{project.name}”（{project.number}）已在项目库中，资金计划与表中不同："
                        "导入不修改已入库项目的资金计划，如需调整请在项目页面办理。"
                    ]
                }
            )
        return Outcome("unchanged", f"项目“{project.name}”（{project.number}）已在项目库中")
    project = actions.do_create_project(
        actor=ctx.actor,
        name=row.get("name") or "",
        project_type=row.get("project_type") or "",
        area=area,
        year=row.get("year"),  # type: ignore[arg-type]
        implementing_unit=row.get("implementing_unit") or "",
        content=row.get("content") or "",
        budget=budget,
        starts_on=row.get("starts_on"),
        ends_on=row.get("ends_on"),
    )
    total = sum(budget.values(), Decimal(0))
    return Outcome("create", f"入库申报“{project.name}”（{project.number}），资金计划{total}元")


LEDGER = Ledger(
    kind="projects",
    title="项目库台账",
    order=40,
    roles=REGISTRY_WRITERS,
    key="按“年度＋实施地区＋项目名称”识别",
    find=find,
    write=write,
    columns=(
        Column(
            "year",
            "年度",
            "int",
            aliases=("项目年度", "计划年度"),
            required=True,
            meaning="项目所属年度",
            example=2026,
        ),
        Column(
            "name",
            "项目名称",
            aliases=("项目",),
            required=True,
            meaning="项目名称（同一地区同一年度内不重复）",
            example="东冶村光伏电站扩容",
        ),
        Column(
            "project_type",
            "项目类型",
            "options",
            aliases=("类型", "项目类别"),
            required=True,
            meaning="产业发展、就业、基础设施、公共服务、易地搬迁后续扶持或其他",
            example="产业发展",
            options=TYPES,
        ),
        Column(
            "area",
            "实施地区",
            aliases=("实施地点", "项目地点", "所在村"),
            required=True,
            meaning="项目实施的县、乡镇或行政村（名称或区划代码）",
            example="东冶村",
        ),
        Column(
            "implementing_unit",
            "实施单位",
            aliases=("项目实施单位", "建设单位"),
            required=True,
            meaning="负责实施的单位",
            example="东冶村村民委员会",
        ),
        Column(
            "content",
            "建设内容和规模",
            aliases=("建设内容", "建设规模"),
            required=True,
            meaning="建设内容和规模",
            example="新建村级光伏电站100千瓦",
        ),
        Column(
            "starts_on",
            "计划开工日期",
            "date",
            aliases=("开工时间", "计划开工"),
            meaning="计划开工日期",
            example="2026-03-01",
        ),
        Column(
            "ends_on",
            "计划完工日期",
            "date",
            aliases=("完工时间", "计划完工"),
            meaning="计划完工日期（不早于开工）",
            example="2026-10-31",
        ),
        *(
            Column(
                key,
                title,
                "decimal",
                meaning=f"计划使用的{title[:-3]}（元，可空）",
                example=400000 if source == pc.FundSource.CENTRAL else "",
                errors=("budget",) if source == pc.FundSource.CENTRAL else (),
            )
            for key, source, title in SOURCES
        ),
    ),
    notes=(
        "每个资金来源一列，填计划金额（元）；至少填一列。",
        "导入即“入库申报”：项目进入项目库的第一个环节，之后按程序论证审核、批复入库。",
        "已在项目库中的项目不会被导入修改。",
    ),
)
