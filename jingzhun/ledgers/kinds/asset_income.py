"""资产收益台账: one row is an operating asset's income for one period and where it went — one
column per use, and for dividends and public-welfare wages the households with their amounts
written in one cell (``户编号:金额；户编号:金额``).

Natural key: 资产 + 期间开始 + 期间结束. The uses must add up to the income to the cent;
otherwise ``do_record_asset_income`` refuses and nothing of the row is stored.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import translation

from jingzhun.accounts.roles import ASSET_WRITERS
from jingzhun.assets import actions
from jingzhun.assets import choices as ac
from jingzhun.assets.models import AssetIncome
from jingzhun.ledgers.kinds import _projects_common as common
from jingzhun.ledgers.spec import Column, Context, Ledger, Outcome, Row

with translation.override("zh-hans"):
    PERIODS = tuple((code, (str(label),)) for code, label in ac.PeriodKind.choices)
# The uses written as amounts (to a named recipient), and the uses written per household.
AMOUNTS = (
    ("collective", ac.DistributionKind.COLLECTIVE, "村集体经济收入（元）", "recipient_collective"),
    ("public_works", ac.DistributionKind.PUBLIC_WORKS, "小型公益事业（元）", "recipient_public"),
    ("maintenance", ac.DistributionKind.MAINTENANCE, "运维管护（元）", "recipient_maintenance"),
)
PER_HOUSEHOLD = (
    ("dividends", ac.DistributionKind.DIVIDEND, "农户分红（户编号:金额）"),
    ("wages", ac.DistributionKind.WELFARE_WAGES, "公益岗位工资（户编号:金额）"),
)


def find(ctx: Context, row: Row) -> AssetIncome | None:
    asset = common.asset(ctx, row)
    if not row.get("period_start") or not row.get("period_end"):
        return None
    return AssetIncome.objects.filter(
        asset=asset, period_start=row["period_start"], period_end=row["period_end"]
    ).first()


def _lines(ctx: Context, row: Row) -> list[dict]:
    lines: list[dict] = []
    for key, kind, _title, recipient in AMOUNTS:
        if row.get(key) not in (None, "") and Decimal(str(row[key])) != 0:
            lines.append({"kind": kind, "amount": row[key], "recipient": row.get(recipient) or ""})
    for key, kind, _title in PER_HOUSEHOLD:
        for household, amount in common.household_amounts(ctx, row, key):
            lines.append({"kind": kind, "amount": amount, "household": household})
    return lines


def write(ctx: Context, row: Row, existing: AssetIncome | None) -> Outcome:
    asset = common.asset(ctx, row)
    if existing is not None:
        if row.get("income") not in (None, "") and existing.income != row["income"]:
            raise ValidationError(
                {
                    "income": [
                        f"资产“{asset.name}”{existing.period_start}至{existing.period_end}已登记收益"
                        f"{existing.income}元，表中为{row['income']}元：请核对。"
                    ]
                }
            )
        return Outcome("unchanged", f"资产“{asset.name}”本期收益已登记")
    entry = actions.do_record_asset_income(
        asset,
        actor=ctx.actor,
        period_kind=row.get("period_kind") or "",
        period_start=row.get("period_start"),  # type: ignore[arg-type]
        period_end=row.get("period_end"),  # type: ignore[arg-type]
        income=row.get("income"),
        lines=_lines(ctx, row),
        costs=row.get("costs") or 0,
    )
    return Outcome(
        "create",
        f"资产“{asset.name}”{entry.period_start}至{entry.period_end}收益{entry.income}元及其分配",
    )


LEDGER = Ledger(
    kind="asset_income",
    title="资产收益及分配台账",
    order=80,
    roles=ASSET_WRITERS,
    key="按“资产＋期间开始＋期间结束”识别",
    find=find,
    write=write,
    columns=(
        Column(
            "asset",
            "资产",
            aliases=("资产编号", "资产名称"),
            required=True,
            meaning="资产编号或资产名称（经营性资产）",
            example="东冶村村级光伏电站",
            errors=("asset",),
        ),
        Column(
            "period_kind",
            "期间类型",
            "options",
            aliases=("期间",),
            required=True,
            meaning="月、季度或年",
            example="季度",
            options=PERIODS,
        ),
        Column(
            "period_start",
            "期间开始",
            "date",
            aliases=("开始日期",),
            required=True,
            meaning="收益期间的第一天",
            example="2026-07-01",
        ),
        Column(
            "period_end",
            "期间结束",
            "date",
            aliases=("结束日期",),
            required=True,
            meaning="收益期间的最后一天（期间须已结束）",
            example="2026-09-30",
        ),
        Column(
            "income",
            "收益（元）",
            "decimal",
            aliases=("收益", "收益金额", "发电收益"),
            required=True,
            meaning="本期收益（元）；各项分配之和应等于它",
            example=30000,
            errors=("lines",),
        ),
        Column(
            "costs",
            "运营管护成本（元）",
            "decimal",
            aliases=("成本", "运营成本"),
            meaning="本期运营管护成本（元，可空）",
            example=2000,
        ),
        *(
            Column(
                key,
                title,
                "decimal",
                meaning=f"分配给{title[:-3]}的金额（元，可空）",
                example={"collective": 23000, "public_works": 5000, "maintenance": 2000}[key],
            )
            for key, _kind, title, _recipient in AMOUNTS
        ),
        Column(
            "recipient_collective",
            "村集体接收方",
            aliases=("村集体",),
            meaning="村集体经济收入的接收方",
            example="东冶村股份经济合作社",
        ),
        Column(
            "recipient_public",
            "公益事业接收方",
            meaning="小型公益事业的实施方",
            example="东冶村村民委员会",
        ),
        Column(
            "recipient_maintenance",
            "运维接收方",
            aliases=("管护单位",),
            meaning="运维管护费的接收方",
            example="县光伏运维公司",
        ),
        *(
            Column(
                key,
                title,
                meaning="农户户编号和金额，如 140922100001001:300；多户用“；”分隔",
                example="",
            )
            for key, _kind, title in PER_HOUSEHOLD
        ),
    ),
    notes=(
        "各项分配（村集体、公益事业、运维、分红、公益岗位工资）之和应等于本期收益，精确到分；"
        "不相等的行被拒绝，说明两者之差。",
        "分红和公益岗位工资写明农户：每户“户编号:金额”，多户用“；”分隔。",
    ),
)
