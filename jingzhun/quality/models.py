"""Quality runs, their compact counts, the latest findings for drill-down, and exemptions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class QualityRun(models.Model):
    """One batch run over one area for one income year."""

    area_code = models.CharField(_("区划代码"), max_length=15, db_index=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    backend = models.CharField(_("分析后端"), max_length=16, default="duckdb")
    status = models.CharField(
        _("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    households = models.PositiveIntegerField(_("农户数"), default=0)
    findings = models.PositiveIntegerField(_("问题数"), default=0)
    exempted = models.PositiveIntegerField(_("已豁免数"), default=0)
    seconds = models.FloatField(_("用时（秒）"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    # The lease of the process running this job (jingzhun.core.jobs), while it runs.
    worker = models.CharField(_("后台进程"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("数据质量检查")
        verbose_name_plural = _("数据质量检查")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.area_code} {self.year} #{self.pk}"


class QualityCount(models.Model):
    """Findings of one check in one village in one run (compact: no row per finding)."""

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="counts")
    check_code = models.CharField(_("规则编号"), max_length=16)
    village_code = models.CharField(_("行政村代码"), max_length=15)
    findings = models.PositiveIntegerField(_("问题数"), default=0)
    exempted = models.PositiveIntegerField(_("已豁免数"), default=0)

    class Meta:
        verbose_name = _("问题数统计")
        verbose_name_plural = _("问题数统计")
        indexes = [models.Index(fields=["run", "village_code"], name="qcount_run_village")]

    def __str__(self) -> str:
        return f"{self.check_code} {self.village_code}: {self.findings}"


class VillageScore(models.Model):
    """质量得分 of one village in one run: 100 × (1 − households with an error ÷ households)."""

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="scores")
    village_code = models.CharField(_("行政村代码"), max_length=15)
    households = models.PositiveIntegerField(_("农户数"))
    households_with_error = models.PositiveIntegerField(_("有错误的农户数"))
    score = models.DecimalField(_("质量得分"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("村质量得分")
        verbose_name_plural = _("村质量得分")
        indexes = [models.Index(fields=["run", "village_code"], name="qscore_run_village")]

    def __str__(self) -> str:
        return f"{self.village_code}: {self.score}"


class QualityFinding(models.Model):
    """One finding of the latest completed run of an area (older runs keep only counts).
    A village check's finding belongs to the village: no household, no member."""

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="finding_rows")
    check_code = models.CharField(_("规则编号"), max_length=16)
    household_id = models.BigIntegerField(_("农户"), null=True, blank=True)
    member_id = models.BigIntegerField(_("成员"), null=True, blank=True)
    village_code = models.CharField(_("行政村代码"), max_length=15)
    details = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("问题数据")
        verbose_name_plural = _("问题数据")
        indexes = [
            models.Index(fields=["run", "check_code", "village_code", "id"], name="qfinding_drill")
        ]

    def __str__(self) -> str:
        if self.household_id is None:
            return f"{self.check_code} {self.village_code}"
        return f"{self.check_code} {self.household_id}/{self.member_id or '-'}"


class Exemption(models.Model):
    """A finding confirmed correct (确认无误): later runs leave it out and count it apart."""

    check_code = models.CharField(_("规则编号"), max_length=16)
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("农户"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        "registry.Member",
        verbose_name=_("成员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("确认理由"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("确认时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("问题豁免")
        verbose_name_plural = _("问题豁免")
        constraints = [
            models.UniqueConstraint(
                fields=["check_code", "household", "member"],
                name="exemption_unique_member",
                condition=Q(member__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["check_code", "household"],
                name="exemption_unique_household",
                condition=Q(member__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.check_code} {self.household_id}/{self.member_id or '-'}"
