"""资金下达台账 and 资金拨付台账: one row is one allocation (下达) or one disbursement (拨付) of
one fund source for one project.

Natural keys: an allocation by 项目 + 资金来源 + 下达文号 + 下达日期; a disbursement by 项目 +
资金来源 + 凭证号 (a voucher is paid once). Stored through ``do_add_allocation`` and
``do_add_disbursement``, which refuse an allocation above the project's budget for the source
and a disbursement above what was allocated from it — the row is then refused with the figures,
and nothing of it is stored.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import translation

from jingzhun.accounts.roles import FUND_KEEPERS
from jingzhun.ledgers.kinds import _projects_common as common
from jingzhun.ledgers.spec import Column, Context, Ledger, Outcome, Row
from jingzhun.projects import actions
from jingzhun.projects import choices as pc
from jingzhun.projects.models import Allocation, Disbursement

with translation.override("zh-hans"):
    SOURCES = tuple(
        (code, (str(label), str(label).replace("财政", "")))
        for code, label in pc.FundSource.choices
    )

PROJECT = Column(
    "project",
    "项目编号",
    aliases=("项目", "项目名称", "项目编号或名称"),
    required=True,
    errors=("budget",),
    meaning="本系统的项目编号，或项目名称（重名时同时填年度）",
    example="东冶村光伏电站扩容",
)
YEAR = Column(
    "year", "年度", "int", aliases=("项目年度",), meaning="项目年度（按名称找项目时用）", example=""
)
SOURCE = Column(
    "source",
    "资金来源",
    "options",
    aliases=("资金类别", "资金性质"),
    required=True,
    meaning="资金来源",
    example="中央财政衔接资金",
    options=SOURCES,
)


def _find_allocation(ctx: Context, row: Row) -> Allocation | None:
    project = common.project(ctx, row)
    if not row.get("source") or not row.get("on"):
        return None
    return Allocation.objects.filter(
        project=project, source=row["source"], on=row["on"], document=row.get("document") or ""
    ).first()


def _write_allocation(ctx: Context, row: Row, existing: Allocation | None) -> Outcome:
    project = common.project(ctx, row)
    if existing is not None:
        if row.get("amount") not in (None, "") and existing.amount != row["amount"]:
            raise ValidationError(
                {
                    "amount": [
                        f"{existing.on}已登记该笔下达{existing.amount}元，表中为{row['amount']}元：请核对。"
                    ]
                }
            )
        return Outcome("unchanged", f"{project.name}：{existing.on}下达{existing.amount}元已登记")
    item = actions.do_add_allocation(
        project,
        actor=ctx.actor,
        source=row.get("source") or "",
        on=row.get("on"),  # type: ignore[arg-type]
        amount=row.get("amount"),
        document=row.get("document") or "",
    )
    return Outcome("create", f"{project.name}：下达{item.get_source_display()}{item.amount}元")


def _find_disbursement(ctx: Context, row: Row) -> Disbursement | None:
    project = common.project(ctx, row)
    if not row.get("source") or not row.get("voucher"):
        return None
    return Disbursement.objects.filter(
        project=project, source=row["source"], voucher=row["voucher"]
    ).first()


def _write_disbursement(ctx: Context, row: Row, existing: Disbursement | None) -> Outcome:
    project = common.project(ctx, row)
    if existing is not None:
        if row.get("amount") not in (None, "") and existing.amount != row["amount"]:
            raise ValidationError(
                {
                    "voucher": [
                        f"凭证{existing.voucher}已登记拨付{existing.amount}元，表中为{row['amount']}元：请核对凭证号。"
                    ]
                }
            )
        return Outcome("unchanged", f"{project.name}：凭证{existing.voucher}已登记")
    item = actions.do_add_disbursement(
        project,
        actor=ctx.actor,
        source=row.get("source") or "",
        on=row.get("on"),  # type: ignore[arg-type]
        amount=row.get("amount"),
        voucher=row.get("voucher") or "",
        payee=row.get("payee") or "",
    )
    return Outcome("create", f"{project.name}：拨付{item.get_source_display()}{item.amount}元")


ALLOCATIONS = Ledger(
    kind="allocations",
    title="资金下达台账",
    order=50,
    roles=FUND_KEEPERS,
    key="按“项目＋资金来源＋下达文号＋下达日期”识别",
    find=_find_allocation,
    write=_write_allocation,
    columns=(
        PROJECT,
        YEAR,
        SOURCE,
        Column(
            "on",
            "下达日期",
            "date",
            aliases=("下达时间", "日期"),
            required=True,
            meaning="资金下达的日期（不能晚于今天）",
            example="2026-04-01",
        ),
        Column(
            "amount",
            "下达金额（元）",
            "decimal",
            aliases=("下达金额", "金额"),
            required=True,
            meaning="本次下达的金额（元）；累计不能超过该来源的计划金额",
            example=300000,
        ),
        Column(
            "document",
            "下达文号",
            aliases=("文号", "资金文号"),
            required=True,
            meaning="下达资金的文件文号",
            example="五财农〔2026〕12号",
        ),
    ),
    notes=("项目须已批复入库。累计下达超过该资金来源计划金额的行被拒绝，表中其余行照常导入。",),
)

DISBURSEMENTS = Ledger(
    kind="disbursements",
    title="资金拨付台账",
    order=60,
    roles=FUND_KEEPERS,
    key="按“项目＋资金来源＋凭证号”识别",
    find=_find_disbursement,
    write=_write_disbursement,
    columns=(
        PROJECT,
        YEAR,
        SOURCE,
        Column(
            "on",
            "拨付日期",
            "date",
            aliases=("拨付时间", "支付日期", "日期"),
            required=True,
            meaning="资金拨付的日期（不能晚于今天）",
            example="2026-05-10",
        ),
        Column(
            "amount",
            "拨付金额（元）",
            "decimal",
            aliases=("拨付金额", "支付金额", "金额"),
            required=True,
            meaning="本次拨付的金额（元）；累计不能超过该来源已下达的金额",
            example=100000,
        ),
        Column(
            "voucher",
            "凭证号",
            aliases=("记账凭证号", "支付凭证号"),
            required=True,
            meaning="拨付凭证号（同一项目同一来源内唯一）",
            example="记-0123",
        ),
        Column(
            "payee",
            "收款单位",
            aliases=("收款人", "收款方"),
            required=True,
            meaning="收款单位或个人",
            example="某某建设有限公司",
        ),
    ),
    notes=("累计拨付超过该资金来源已下达金额的行被拒绝，表中其余行照常导入。",),
)
