"""易地扶贫搬迁户台账: one row is one relocated household's move.

Natural key: the household (户编号; a household has one relocation record). A stored record is
changed through ``do_update_relocation``; a new one is recorded through
``do_record_relocation``, which writes the registry's relocation fields as well.
"""

from __future__ import annotations

from jingzhun.accounts.roles import RELOCATION_WRITERS
from jingzhun.ledgers.changes import changes, snapshot
from jingzhun.ledgers.spec import Column, Context, Ledger, Outcome, Row, given
from jingzhun.registry.models import Household
from jingzhun.relocation import actions
from jingzhun.relocation.models import Relocation

FIELDS = (
    "moved_on",
    "mode",
    "site",
    "resettlement_type",
    "people",
    "housing_area_m2",
    "whole_village",
    "old_house_demolished",
    "demolished_on",
    "note",
)


def _household(ctx: Context, row: Row) -> Household:
    return ctx.household(
        "household", row.get("household"), head_name=row.get("head_name"), head_key="head_name"
    )


def find(ctx: Context, row: Row) -> Relocation | None:
    return Relocation.objects.filter(household=_household(ctx, row)).first()


def write(ctx: Context, row: Row, relocation: Relocation | None) -> Outcome:
    household = _household(ctx, row)
    values = given(row, *FIELDS)
    if relocation is None:
        relocation = actions.do_record_relocation(
            actor=ctx.actor,
            household=household,
            moved_on=row.get("moved_on"),
            mode=row.get("mode"),
            housing_area_m2=row.get("housing_area_m2"),
            reason="台账导入",
            **{k: v for k, v in values.items() if k not in ("moved_on", "mode", "housing_area_m2")},
        )
        how = relocation.get_mode_display()
        where = f"，{relocation.site.name}" if relocation.site_id else ""
        return Outcome("create", f"户{household.number}于{relocation.moved_on}{how}{where}")
    before = snapshot(relocation, FIELDS)
    relocation = actions.do_update_relocation(
        relocation,
        actor=ctx.actor,
        expected_version=relocation.version,
        reason="台账导入",
        **values,
    )
    changed = changes(relocation, before, FIELDS)
    if not changed:
        return Outcome("unchanged", f"户{household.number}的搬迁记录已登记")
    return Outcome("change", f"修改户{household.number}的{'、'.join(changed)}", changed)


LEDGER = Ledger(
    kind="relocations",
    title="易地扶贫搬迁户台账",
    order=40,
    roles=RELOCATION_WRITERS,
    key="按户编号识别（每户一条搬迁记录）",
    find=find,
    write=write,
    columns=(
        Column(
            "household",
            "户编号",
            required=True,
            meaning="搬迁农户的户编号（本系统已登记的农户）",
            example="140922100001001",
        ),
        Column(
            "head_name",
            "户主姓名",
            "name",
            aliases=("户主",),
            meaning="户主姓名，用于核对户编号（可空）",
            example="张三",
        ),
        Column(
            "moved_on",
            "搬迁入住日期",
            "date",
            aliases=("搬迁日期", "搬迁时间", "入住日期", "入住时间", "搬迁入住时间"),
            required=True,
            meaning="搬迁入住的日期（不能晚于今天）",
            example="2018-06-30",
        ),
        Column(
            "mode",
            "搬迁方式",
            "choice",
            aliases=("安置形式",),
            required=True,
            meaning="集中安置或分散安置（可简写为“集中”“分散”）",
            example="集中安置",
            choices="RelocationMode",
        ),
        Column(
            "site",
            "安置点",
            aliases=("安置点名称", "集中安置点"),
            meaning="集中安置的安置点名称（须先登记；分散安置不填）",
            example="东冶移民新村",
        ),
        Column(
            "resettlement_type",
            "安置方式",
            "choice",
            aliases=("安置类型",),
            meaning="可空：集中安置时取安置点的安置方式",
            example="",
            choices="ResettlementType",
        ),
        Column(
            "people",
            "搬迁人数",
            "int",
            aliases=("搬迁人口", "安置人数"),
            meaning="搬迁时的人数（空白为该户现有人数）",
            example=3,
        ),
        Column(
            "housing_area_m2",
            "安置住房面积（平方米）",
            "decimal",
            aliases=("安置住房面积", "住房面积", "住房面积（平方米）", "安置房面积"),
            meaning="安置住房的建筑面积，平方米",
            example=75,
        ),
        Column(
            "whole_village",
            "整村搬迁",
            "bool",
            aliases=("是否整村搬迁",),
            meaning="是否随整村搬迁",
            example="否",
        ),
        Column(
            "old_house_demolished",
            "拆旧复垦",
            "bool",
            aliases=("旧房已拆除复垦", "是否拆旧复垦", "旧房是否拆除"),
            meaning="旧房是否已拆除复垦",
            example="是",
        ),
        Column(
            "demolished_on",
            "拆旧复垦日期",
            "date",
            aliases=("拆旧日期", "拆旧复垦时间"),
            meaning="拆旧复垦的日期（拆旧复垦为“是”时必填，不早于搬迁入住日期）",
            example="2019-04-30",
        ),
        Column("note", "备注", meaning="其他说明", example=""),
    ),
    notes=(
        "搬迁记录是该户“是否易地扶贫搬迁户、搬迁方式、安置方式、安置点”的唯一来源："
        "导入后同步写入搬迁年度起已录入的生产生活条件。",
        "集中安置点须先登记（集中安置点台账或安置点页面）。",
    ),
)
