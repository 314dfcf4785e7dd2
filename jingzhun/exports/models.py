"""The export log: who exported what scope, in which layout, how many rows.

Exports of personal data are what inspectors ask about, so every export leaves one row here,
written by :mod:`jingzhun.exports.actions` (started, then finished with its row count).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.audit.models import Source


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导出中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ExportWhat(models.TextChoices):
    HOUSEHOLDS = "households", _("农户")
    MEMBERS = "members", _("家庭成员")
    INCOMES = "incomes", _("年度收入")
    QUALITY = "quality", _("质量报告")
    FAILED_ROWS = "failed_rows", _("导入失败行")
    AUDIT = "audit", _("审计记录")
    REPORT = "report", _("统计报表")
    RELOCATION = "relocation", _("易地扶贫搬迁报表")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel（xlsx）")
    CSV = "csv", _("CSV")
    PARQUET = "parquet", _("Parquet")
    PDF = "pdf", _("PDF")


class ExportLayout(models.TextChoices):
    PROJECT = "project", _("本系统格式（每类记录一张表）")
    NATIONAL = "national", _("全国监测系统格式（每人一行）")


class ExportLog(models.Model):
    started_at = models.DateTimeField(_("开始时间"), db_index=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导出人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user_name = models.CharField(_("导出人姓名"), max_length=150)
    role = models.CharField(_("角色"), max_length=32, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    # The exported scope: the filter's area if one was chosen, else the user's own area.
    area_code = models.CharField(_("导出范围代码"), max_length=15, db_index=True)
    what = models.CharField(_("导出内容"), max_length=16, choices=ExportWhat.choices)
    format = models.CharField(_("文件格式"), max_length=8, choices=ExportFormat.choices)
    layout = models.CharField(_("版式"), max_length=16, choices=ExportLayout.choices)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    masked = models.BooleanField(_("个人号码已脱敏"))
    status = models.CharField(_("状态"), max_length=16, choices=ExportStatus.choices)
    row_count = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    file_name = models.CharField(_("文件"), max_length=200, blank=True)
    error = models.TextField(_("错误"), blank=True)
    # The lease of the process running this job (jingzhun.core.jobs), while it runs.
    worker = models.CharField(_("后台进程"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.user_name} {self.what}.{self.format}"
