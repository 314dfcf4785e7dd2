"""Policy parameter values added by administrators in the UI.

The reviewed values live in ``jingzhun/policy/parameters/*.yaml``; a value decided later (next
year's monitoring threshold, a county's new notice length) is added here through
:func:`jingzhun.policy.actions.do_add_parameter_value`. Rows are only inserted; the one update
is closing the previous open period of the same name and region, done by that action. The
effective set is files + rows (:func:`jingzhun.policy.parameters.default_parameters`).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.policy.parameters import AddedParameter


class ParameterValue(models.Model):
    name = models.CharField(_("参数名"), max_length=64)
    region = models.CharField(_("适用区划代码"), max_length=6, help_text=_("全国为000000"))
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期（含）"), null=True, blank=True)
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=4)
    unit = models.CharField(_("单位"), max_length=16)
    source = models.CharField(_("出处"), max_length=300)
    confirmed = models.BooleanField(_("已确认出处"), default=False)
    # The open period this value ended the day before its start (a file value or an added one),
    # as its version "name@region@start"; "" when it followed a closed period or was the first.
    closes = models.CharField(_("截止的前一期间"), max_length=120, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("添加人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_by_name = models.CharField(_("添加人姓名"), max_length=150)
    added_at = models.DateTimeField(_("添加时间"))

    class Meta:
        verbose_name = _("政策参数值")
        verbose_name_plural = _("政策参数值")
        ordering = ["name", "region", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "region", "effective_from"], name="parameter_value_unique_start"
            ),
            # Two administrators adding at once cannot both close the same open period.
            models.UniqueConstraint(
                fields=["closes"],
                condition=~models.Q(closes=""),
                name="parameter_value_closes_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}@{self.region}@{self.effective_from.isoformat()}"

    def as_parameter(self) -> AddedParameter:
        return AddedParameter(
            name=self.name,
            region=self.region,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            value=_plain(self.value),
            unit=self.unit,
            source=self.source,
            confirmed=self.confirmed,
            file="",
            line=0,
            added_by=self.added_by_name,
            added_at=self.added_at,
            closes=self.closes,
        )


def _plain(amount: Decimal) -> Decimal:
    """8500.0000 → 8500, 0.0100 → 0.01 (as the files write them; never 8.5E+3)."""
    if amount == amount.to_integral_value():
        return amount.quantize(Decimal(1))
    return amount.normalize()


class EvaluationRun(models.Model):
    """One stored batch evaluation (``jingzhun evaluate --store``): every household's decisions
    for one income year over one area, kept as a Parquet file under ``var/evaluations/``
    (``result_file``, relative to ``VAR_DIR``: three million rows do not belong in the
    database), with the totals here and per village in :class:`EvaluationCount` for pages."""

    year = models.PositiveSmallIntegerField(_("年度"))
    area_code = models.CharField(
        _("区划代码"), max_length=15, db_index=True, help_text=_("全部区划为000000")
    )
    backend = models.CharField(_("分析后端"), max_length=16)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"))
    seconds = models.FloatField(_("用时（秒）"))
    # sha256 of every parameter version and value in force on 31 December of the year: two runs
    # with the same fingerprint used the same thresholds.
    parameter_fingerprint = models.CharField(_("参数指纹"), max_length=64)
    households = models.PositiveIntegerField(_("农户数"))
    # {decision: {status: households}} over the whole run.
    counts = models.JSONField(_("判定统计"), default=dict)
    result_file = models.CharField(_("每户结果文件"), max_length=300)
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
        verbose_name = _("批量判定结果")
        verbose_name_plural = _("批量判定结果")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.area_code} {self.year} #{self.pk}"


class EvaluationCount(models.Model):
    """Households of one village with one status of one decision in one run (compact)."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="village_counts")
    village_code = models.CharField(_("行政村代码"), max_length=15)
    decision = models.CharField(_("判定"), max_length=32)
    status = models.CharField(_("结果"), max_length=16)
    households = models.PositiveIntegerField(_("农户数"))

    class Meta:
        verbose_name = _("判定统计")
        verbose_name_plural = _("判定统计")
        indexes = [models.Index(fields=["run", "village_code"], name="evalcount_run_village")]

    def __str__(self) -> str:
        return f"{self.village_code} {self.decision} {self.status}: {self.households}"


class BackgroundJob(models.Model):
    """What every policy job worked in the background has: its question (year, area), its
    state with a progress line and an error, the lease of the process running it
    (jingzhun.core.jobs) and who started it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    year = models.PositiveSmallIntegerField(_("年度"))
    area_code = models.CharField(_("区划代码"), max_length=15, db_index=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.CharField(_("进度"), max_length=100, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    # The lease of the process running this job (jingzhun.core.jobs), while it runs.
    worker = models.CharField(_("后台进程"), max_length=64, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.area_code} {self.year} #{self.pk}"


class WhatIfRun(BackgroundJob):
    """A what-if simulation too large to answer within the request, worked in the background
    (``jingzhun.policy.tasks.run_whatif``). The overrides are kept here as the question asked;
    they are never parameter values. ``result`` is the summary the page shows (counts by area
    and the first affected households by id: names are read, in scope, when the page renders);
    ``affected_file`` (under ``VAR_DIR``) holds every affected household, which the household
    list reads for the counts' drill-downs (``whatif=RUN&decision=…&move=…``)."""

    overrides = models.JSONField(_("假设的参数值"))
    result = models.JSONField(_("结果"), null=True, blank=True)
    affected_file = models.CharField(_("受影响农户文件"), max_length=200, blank=True)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("政策模拟")
        verbose_name_plural = _("政策模拟")


class EvaluationJob(BackgroundJob):
    """A batch evaluation started from its page for the user's area, worked in the background
    (``jingzhun.policy.tasks.run_evaluation``); when done it points at the stored run."""

    run = models.ForeignKey(
        EvaluationRun,
        verbose_name=_("批量判定结果"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta(BackgroundJob.Meta):
        verbose_name = _("批量判定任务")
        verbose_name_plural = _("批量判定任务")
