"""资产台账 (扶贫项目资产): one row is one asset with its class, kind, ownership (确权),
custodian, value and, where it came from one, the project that created it.

Natural key: 所在地区 + 资产名称. An asset already registered is never changed by an import
(status changes and disposals have their own audited steps): the same asset with another value
or owner is refused, naming what differs. Stored through ``do_create_asset``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import translation

from jingzhun.accounts.roles import ASSET_WRITERS
from jingzhun.areas.models import Level
from jingzhun.assets import actions
from jingzhun.assets import choices as ac
from jingzhun.assets.models import Asset
from jingzhun.ledgers.kinds import _projects_common as common
from jingzhun.ledgers.spec import Column, Context, Ledger, Outcome, Row

AREA_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
COMPARED = {"value": "资产价值", "owner_type": "确权主体类型", "custodian": "管护主体"}

with translation.override("zh-hans"):

    def _options(choices):  # type: ignore[no-untyped-def]
        return tuple((code, (str(label),)) for code, label in choices.choices)

    CLASSES = _options(ac.AssetClass)
    KINDS = _options(ac.AssetKind)
    OWNERS = _options(ac.OwnerType)
    STATUSES = tuple(o for o in _options(ac.AssetStatus) if o[0] != ac.AssetStatus.DISPOSED)


def _area(ctx: Context, row: Row):  # type: ignore[no-untyped-def]
    return ctx.area("area", row.get("area"), levels=AREA_LEVELS, what="所在地区")


def find(ctx: Context, row: Row) -> Asset | None:
    area = _area(ctx, row)
    if not row.get("name"):
        return None
    return Asset.objects.filter(area=area, name=row["name"]).order_by("id").first()


def write(ctx: Context, row: Row, asset: Asset | None) -> Outcome:
    area = _area(ctx, row)
    if asset is not None:
        differ = {
            key: [getattr(asset, key), row[key]]
            for key in COMPARED
            if row.get(key) not in (None, "") and row[key] != getattr(asset, key)
        }
        if differ:
            raise ValidationError(
                {
                    key: [
                        f"{area.name}已登记资产“{asset.name}”（{asset.number}），{COMPARED[key]}为"
                        f"“{old}”，表中为“{new}”：导入不修改已登记的资产，请在资产页面办理"
                    ]
                    for key, (old, new) in differ.items()
                }
            )
        return Outcome("unchanged", f"资产“{asset.name}”（{asset.number}）已登记")
    project = common.project(ctx, row) if row.get("project") not in (None, "") else None
    household = (
        ctx.household("owner_household", row["owner_household"])
        if row.get("owner_household") not in (None, "")
        else None
    )
    asset = actions.do_create_asset(
        actor=ctx.actor,
        name=row.get("name") or "",
        asset_class=row.get("asset_class") or "",
        kind=row.get("kind") or "",
        area=area,
        owner_type=row.get("owner_type") or "",
        owner_name=row.get("owner_name") or "",
        custodian=row.get("custodian") or "",
        value=row.get("value"),
        project=project,
        capacity=row.get("capacity"),
        capacity_unit=row.get("capacity_unit") or "",
        owner_household=household,
        built_on=row.get("built_on"),
        handed_over_on=row.get("handed_over_on"),
        status=row.get("status") or ac.AssetStatus.IN_USE,
    )
    return Outcome("create", f"登记资产“{asset.name}”（{asset.number}），价值{asset.value}元")


LEDGER = Ledger(
    kind="assets",
    title="扶贫项目资产台账",
    order=70,
    roles=ASSET_WRITERS,
    key="按“所在地区＋资产名称”识别",
    find=find,
    write=write,
    columns=(
        Column(
            "name",
            "资产名称",
            aliases=("资产",),
            required=True,
            meaning="资产名称（同一地区内不重复）",
            example="东冶村村级光伏电站",
        ),
        Column(
            "asset_class",
            "资产类别",
            "options",
            aliases=("类别", "资产性质"),
            required=True,
            meaning="经营性资产、公益性资产或到户类资产",
            example="经营性资产",
            options=CLASSES,
        ),
        Column(
            "kind",
            "资产类型",
            "options",
            aliases=("类型",),
            required=True,
            meaning="光伏电站、厂房、冷库、大棚、道路、饮水工程、牲畜、设备、股权或其他",
            example="光伏电站",
            options=KINDS,
        ),
        Column(
            "area",
            "所在地区",
            aliases=("所在村", "地点", "所在地"),
            required=True,
            meaning="资产所在的县、乡镇或行政村（名称或区划代码）",
            example="东冶村",
        ),
        Column(
            "owner_type",
            "确权主体类型",
            "options",
            aliases=("产权主体类型", "确权类型"),
            required=True,
            meaning="村集体、部门（单位）或农户",
            example="村集体",
            options=OWNERS,
        ),
        Column(
            "owner_name",
            "产权归属",
            aliases=("产权单位", "所有权人"),
            meaning="产权归属的村集体或单位名称（农户资产可空）",
            example="东冶村股份经济合作社",
        ),
        Column(
            "owner_household",
            "到户农户",
            aliases=("到户农户户编号", "受益农户户编号"),
            meaning="到户类资产所属农户的户编号",
            example="",
        ),
        Column(
            "custodian",
            "管护主体",
            aliases=("管护单位", "管护责任人"),
            required=True,
            meaning="负责运营管护的单位或个人",
            example="东冶村村民委员会",
        ),
        Column(
            "value",
            "资产价值（元）",
            "decimal",
            aliases=("资产价值", "原值", "金额"),
            required=True,
            meaning="资产价值（元）",
            example=800000,
        ),
        Column(
            "capacity",
            "规模（容量）",
            "decimal",
            aliases=("规模", "装机容量"),
            meaning="规模或容量的数值（如光伏电站的千瓦数）",
            example=300,
        ),
        Column(
            "capacity_unit",
            "规模单位",
            aliases=("单位",),
            meaning="规模的单位，如kW、平方米",
            example="kW",
        ),
        Column(
            "project",
            "形成项目",
            aliases=("项目编号", "形成项目编号", "项目"),
            meaning="形成该资产的项目编号或名称（可空）",
            example="",
        ),
        Column(
            "built_on",
            "建成日期",
            "date",
            aliases=("建成时间", "竣工日期"),
            meaning="建成日期",
            example="2025-10-31",
        ),
        Column(
            "handed_over_on",
            "移交日期",
            "date",
            aliases=("移交时间",),
            meaning="移交（确权）日期",
            example="2025-12-01",
        ),
        Column(
            "status",
            "状态",
            "options",
            aliases=("资产状态", "使用状态"),
            meaning="在用、闲置或损坏（处置须经审批，不能导入）",
            example="在用",
            options=STATUSES,
        ),
    ),
    notes=("已登记的资产不会被导入修改；状态变更和处置请在资产页面办理。",),
)
