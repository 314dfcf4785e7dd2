"""Value lists of the project library and its funds (docs/domain.md, 项目、资金、资产和公告公示).

Project types and the kinds of life-cycle step are named by the procedure files, so they live
in :mod:`jingzhun.cases.choices` and are re-exported here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.cases.choices import ProjectStepKind, ProjectType

__all__ = [
    "BenefitKind",
    "Decision",
    "DisclosureKind",
    "FundSource",
    "ProjectStatus",
    "ProjectStepKind",
    "ProjectType",
    "StepOutcome",
]


class FundSource(models.TextChoices):
    """Where a project's money comes from (资金来源)."""

    CENTRAL = "central", _("中央财政衔接资金")
    PROVINCIAL = "provincial", _("省级财政衔接资金")
    CITY = "city", _("市级财政衔接资金")
    COUNTY = "county", _("县级财政衔接资金")
    INTEGRATED = "integrated", _("统筹整合财政涉农资金")
    EAST_WEST = "east_west", _("东西部协作资金")
    PAIRED = "paired", _("定点帮扶资金")
    DONATION = "donation", _("社会捐助资金")
    BOND = "bond", _("地方政府债券")


class BenefitKind(models.TextChoices):
    """How a project benefits a household (带贫益贫 / 利益联结)."""

    WAGES = "wages", _("务工就业（工资）")
    DIVIDEND = "dividend", _("入股分红")
    LAND_RENT = "land_rent", _("土地流转（租金）")
    PURCHASE = "purchase", _("农产品收购")
    OTHER = "other", _("其他")


class ProjectStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    COMPLETED = "completed", _("已完成（资产已移交）")
    REJECTED = "rejected", _("未通过")


class Decision(models.TextChoices):
    """The opinion of a deciding step (论证审核, 批复入库, 验收)."""

    AGREE = "agree", _("同意")
    RETURN = "return", _("退回")
    REJECT = "reject", _("不同意")


class StepOutcome(models.TextChoices):
    DONE = "done", _("完成")
    RETURNED = "returned", _("退回")
    REJECTED = "rejected", _("不予通过")


class DisclosureKind(models.TextChoices):
    """What a project disclosure notice publishes (扶贫资金项目公告公示)."""

    PLAN = "plan", _("年度项目计划")
    FUNDS = "funds", _("资金下达")
    PROJECT = "project", _("项目实施和结果")
