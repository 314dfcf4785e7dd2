"""Problem ledgers (问题台账): problems found by inspections, audits, unannounced visits,
cross-checks, assessments, data comparison, petitions and self-checks, each with the unit
responsible, a deadline, the measures promised and the evidence of rectification; closed
(销号) by the level above after review, and reopened when it comes back.

A problem's history is its audit trail (object type ``problem``): every change goes through
:mod:`jingzhun.supervision.actions`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Label stored in the audit trail (Chinese at the time of the change; shown translated).
PROBLEM_LABEL = gettext_noop("%(area)s 问题 %(number)s")


class ProblemSource(models.TextChoices):
    """Where the problem was found."""

    INSPECTION = "inspection", _("巡视巡察")
    AUDIT = "audit", _("审计")
    UNANNOUNCED_VISIT = "unannounced_visit", _("明察暗访")
    CROSS_CHECK = "cross_check", _("交叉检查")
    ASSESSMENT = "assessment", _("成效考核")
    DATA_COMPARISON = "data_comparison", _("信息比对")
    PETITION = "petition", _("群众信访")
    SELF_CHECK = "self_check", _("自查")


# Spellings inspectors' sheets also use for a source.
SOURCE_ALIASES = {"暗访": ProblemSource.UNANNOUNCED_VISIT, "巡视": ProblemSource.INSPECTION}


class ProblemCategory(models.TextChoices):
    """What the problem is about."""

    POLICY = "policy", _("政策落实")
    FUNDS = "funds", _("资金使用")
    PROJECTS = "projects", _("项目管理")
    DATA_QUALITY = "data_quality", _("数据质量")
    ASSISTANCE = "assistance", _("帮扶工作")
    CONDUCT = "conduct", _("作风问题")
    OTHER = "other", _("其他")


class ProblemStatus(models.TextChoices):
    RECTIFYING = "rectifying", _("整改中")
    PENDING_CLOSING = "pending_closing", _("待销号审核")
    CLOSED = "closed", _("已销号")


class Problem(models.Model):
    """One problem in the ledger, of one area (county, township or village)."""

    number = models.CharField(_("问题编号"), max_length=32, unique=True)
    source = models.CharField(_("问题来源"), max_length=20, choices=ProblemSource.choices)
    category = models.CharField(_("问题类别"), max_length=20, choices=ProblemCategory.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    description = models.TextField(_("问题描述"))
    found_on = models.DateField(_("发现日期"))
    responsible_unit = models.CharField(_("责任单位"), max_length=100)
    responsible_person = models.CharField(_("责任人"), max_length=64, blank=True)
    deadline = models.DateField(_("整改时限"))
    measures = models.TextField(_("整改措施"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.RECTIFYING
    )
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    close_reason = models.CharField(_("销号意见"), max_length=500, blank=True)
    # Raised from a data-quality run: closing requires a later run without its findings.
    quality_run = models.ForeignKey(
        "quality.QualityRun",
        verbose_name=_("数据质量检查"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题台账")
        ordering = ["-found_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["quality_run", "area"],
                condition=Q(quality_run__isnull=False),
                name="problem_one_per_run_village",
            )
        ]
        indexes = [
            models.Index(fields=["area_code", "status"], name="problem_scope"),
            models.Index(fields=["area_code", "found_on"], name="problem_scope_found"),
        ]

    def __str__(self) -> str:
        return self.number

    def is_overdue(self, today: dt.date) -> bool:
        """Not closed and past its deadline."""
        return self.status != ProblemStatus.CLOSED and self.deadline < today


class EvidenceKind(models.TextChoices):
    TEXT = "text", _("整改说明")
    FILE = "file", _("佐证材料")
    HOUSEHOLD = "household", _("关联农户")
    CASE = "case", _("关联监测程序")
    QUALITY = "quality", _("数据质量问题")


class ProblemEvidence(models.Model):
    """One piece of evidence of a problem or of its rectification: a text, a file, a linked
    registry household, a linked monitoring case, or (raised from quality) a check's count."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("类型"), max_length=16, choices=EvidenceKind.choices)
    text = models.TextField(_("说明"), blank=True)
    file = models.FileField(_("文件"), upload_to="problems/%Y/%m/", blank=True)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("农户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("监测程序"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    check_code = models.CharField(_("规则编号"), max_length=16, blank=True)
    count = models.PositiveIntegerField(_("问题数"), null=True, blank=True)
    added_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("整改佐证")
        verbose_name_plural = _("整改佐证")
        ordering = ["problem", "id"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.kind}"


# Listed supervision (挂牌督战) lives in its own module; Django finds its models here.
from jingzhun.supervision.listings import (  # noqa: E402
    Listing,
    ListingStatus,
    ListingTask,
    ListingTaskEvidence,
    TaskStatus,
)

__all__ = [
    "Listing",
    "ListingStatus",
    "ListingTask",
    "ListingTaskEvidence",
    "TaskStatus",
]
