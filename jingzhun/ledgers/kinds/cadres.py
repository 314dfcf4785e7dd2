"""帮扶责任人与结对台账: one row is a cadre, optionally with a household they are paired with
(a cadre with several households takes one row per household, the cadre's cells repeated).

Natural keys: a cadre by 姓名 + 工作单位 + 帮扶范围; a pairing by cadre + household (the
household's current pairing). Stored through ``do_save_cadre`` and ``do_pair_household``.
"""

from __future__ import annotations

from typing import Any

from jingzhun.accounts.roles import ASSISTANCE_MANAGERS
from jingzhun.areas.models import Level
from jingzhun.assistance import actions
from jingzhun.assistance.models import Cadre, Pairing
from jingzhun.ledgers.spec import Column, Context, Ledger, Outcome, Row

AREA_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
CADRE_FIELDS = ("position", "phone")
LABELS = {"position": "职务", "phone": "联系电话"}


def _area(ctx: Context, row: Row) -> Any:
    if row.get("area") in (None, ""):
        return ctx.scope
    return ctx.area("area", row["area"], levels=AREA_LEVELS, what="帮扶范围")


def find(ctx: Context, row: Row) -> Cadre | None:
    area = _area(ctx, row)
    return (
        Cadre.objects.filter(name=row.get("name") or "", unit=row.get("unit") or "", area=area)
        .order_by("id")
        .first()
    )


def write(ctx: Context, row: Row, cadre: Cadre | None) -> Outcome:
    area = _area(ctx, row)
    action, parts, changes = "unchanged", [], {}
    if cadre is None:
        cadre = actions.do_save_cadre(
            actor=ctx.actor,
            values={
                "name": row.get("name"),
                "unit": row.get("unit"),
                "position": row.get("position") or "",
                "phone": row.get("phone") or "",
                "area": area,
            },
        )
        action = "create"
        parts.append(f"登记帮扶责任人{cadre.name}（{cadre.unit}，{area.name}）")
    else:
        changes = {
            LABELS[k]: [getattr(cadre, k), row[k]]
            for k in CADRE_FIELDS
            if row.get(k) not in (None, "") and row[k] != getattr(cadre, k)
        }
        if changes:
            values = {k: getattr(cadre, k) for k in ("name", "unit", "position", "phone")}
            values |= {k: row[k] for k in CADRE_FIELDS if row.get(k) not in (None, "")}
            cadre = actions.do_save_cadre(
                actor=ctx.actor,
                cadre=cadre,
                values=values | {"area": cadre.area, "active": cadre.active},
                expected_version=cadre.version,
            )
            action = "change"
            parts.append(f"修改帮扶责任人{cadre.name}的{'、'.join(changes)}")
    if row.get("household") not in (None, ""):
        household = ctx.household(
            "household", row["household"], head_name=row.get("head_name"), head_key="head_name"
        )
        current = (
            Pairing.objects.filter(household=household, ended_on__isnull=True)
            .select_related("cadre")
            .first()
        )
        if current is None or current.cadre_id != cadre.pk:
            actions.do_pair_household(
                actor=ctx.actor,
                cadre=cadre,
                household=household,
                started_on=row.get("started_on"),
                reason="台账导入",
            )
            changes["帮扶责任人"] = [current.cadre.name if current else None, cadre.name]
            if action == "unchanged":
                action = "create" if current is None else "change"
            parts.append(
                f"结对农户{household.number}"
                + (f"（原帮扶责任人{current.cadre.name}）" if current else "")
            )
    if action == "unchanged":
        parts.append(f"帮扶责任人{cadre.name}及其结对已登记")
    return Outcome(action, "；".join(parts), changes)


LEDGER = Ledger(
    kind="cadres",
    title="帮扶责任人与结对台账",
    order=10,
    roles=ASSISTANCE_MANAGERS,
    key="帮扶责任人按“姓名＋工作单位＋帮扶范围”识别；结对按“帮扶责任人＋户编号”识别",
    find=find,
    write=write,
    columns=(
        Column(
            "name",
            "姓名",
            "name",
            aliases=("帮扶责任人", "帮扶责任人姓名", "帮扶人", "帮扶干部"),
            required=True,
            meaning="帮扶责任人的姓名",
            example="王帮扶",
        ),
        Column(
            "unit",
            "工作单位",
            aliases=("单位", "帮扶单位", "所在单位"),
            required=True,
            meaning="帮扶责任人所在的县、乡单位",
            example="县农业农村局",
        ),
        Column("position", "职务", aliases=("职务职级",), meaning="在单位的职务", example="科员"),
        Column(
            "phone",
            "联系电话",
            aliases=("电话", "手机", "手机号码", "帮扶责任人电话"),
            meaning="帮扶责任人的联系电话",
            example="13800000000",
        ),
        Column(
            "area",
            "帮扶范围",
            aliases=("帮扶乡镇", "帮扶村", "所在乡镇"),
            meaning="帮扶责任人负责的县、乡镇或行政村（名称或区划代码）；空白为上传人的辖区。"
            "结对的农户必须在此范围内",
            example="",
        ),
        Column(
            "household",
            "户编号",
            aliases=("结对户户编号", "帮扶户户编号"),
            meaning="结对农户的户编号（可空：只登记帮扶责任人）",
            example="140922100001001",
        ),
        Column(
            "head_name",
            "户主姓名",
            "name",
            aliases=("结对户户主", "户主"),
            meaning="结对农户的户主姓名，用于核对户编号（可空）",
            example="张三",
        ),
        Column(
            "started_on",
            "结对日期",
            "date",
            aliases=("结对时间", "帮扶开始日期", "结对开始日期"),
            meaning="开始结对帮扶的日期（填写户编号时必填，不能晚于今天）",
            example="2024-03-01",
        ),
    ),
    notes=(
        "一名帮扶责任人结对多户时，每户一行，帮扶责任人的信息在每行重复填写。",
        "农户已有其他帮扶责任人时，导入后原结对在结对日期结束（保留历史）。",
        "超过每人结对户数上限（参数“每名帮扶责任人结对户数上限”）的行被拒绝。",
    ),
)
