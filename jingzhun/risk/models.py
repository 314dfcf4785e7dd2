"""Stored ranking runs: the run (year, model, figures) and one score per household with its
main reasons. A score orders the visit list; it decides nothing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskRun(models.Model):
    year = models.PositiveSmallIntegerField(_("数据年度"), help_text=_("按该年年底的数据排序"))
    area_code = models.CharField(
        _("区划代码"), max_length=15, db_index=True, help_text=_("全部区划为空串")
    )
    model_kind = models.CharField(_("模型"), max_length=16)
    trained_at = models.DateTimeField(_("训练时间"))
    households = models.PositiveIntegerField(_("农户数"))
    # Training years and rows, and the backtest of the year before (docs/risk.md).
    metrics = models.JSONField(_("模型指标"), default=dict)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_by_name = models.CharField(_("发起人姓名"), max_length=150)

    class Meta:
        verbose_name = _("走访排序批次")
        verbose_name_plural = _("走访排序批次")
        ordering = ["-trained_at", "-id"]

    def __str__(self) -> str:
        return f"{self.year} {self.area_code or '全部'} {self.model_kind}"


class RiskScore(models.Model):
    run = models.ForeignKey(RiskRun, on_delete=models.CASCADE, related_name="scores")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="risk_scores"
    )
    rank = models.PositiveIntegerField(_("排序"))
    score = models.FloatField(_("风险分"))
    # [{"feature", "value", "effect", "health"}, …] (jingzhun/risk/reasons.py).
    reasons = models.JSONField(_("主要原因"), default=list)

    class Meta:
        verbose_name = _("走访风险分")
        verbose_name_plural = _("走访风险分")
        constraints = [
            models.UniqueConstraint(fields=["run", "household"], name="risk_score_once_per_run")
        ]
        indexes = [models.Index(fields=["run", "rank"], name="risk_score_run_rank")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.rank}"
