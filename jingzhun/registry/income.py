"""人均纯收入 and its parts: the one definition used by forms, API, imports and the demo.

人均纯收入 = (工资性 + 生产经营性 + 财产性 + 转移性 − 生产经营性支出) ÷ 家庭人口数,
where 转移性 is the
sum of its sub-items (低保金, 特困供养金, 养老金, 计划生育金, 生态补偿金, 其他); see docs/domain.md,
贫困标准与户退出标准.
合规自付支出 is recorded beside it (the monitoring rules read it) but is not subtracted here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

TRANSFER_PARTS = (
    "dibao_benefit",
    "tekun_benefit",
    "pension_benefit",
    "family_planning_benefit",
    "ecological_compensation",
    "other_transfer",
)
GROSS_PARTS = ("wage", "business", "property_income")
INPUT_FIELDS = (*GROSS_PARTS, *TRANSFER_PARTS, "business_expense", "compliant_out_of_pocket")
CENT = Decimal("0.01")


def derive(values: dict[str, Decimal], household_size: int) -> dict[str, Decimal]:
    """The derived fields (transfer, net_income, per_capita_net) for the entered values."""
    transfer = sum((Decimal(values.get(name) or 0) for name in TRANSFER_PARTS), Decimal(0))
    gross = sum((Decimal(values.get(name) or 0) for name in GROSS_PARTS), Decimal(0))
    net = gross + transfer - Decimal(values.get("business_expense") or 0)
    per_capita = (net / household_size).quantize(CENT, rounding=ROUND_HALF_UP)
    return {"transfer": transfer, "net_income": net, "per_capita_net": per_capita}
