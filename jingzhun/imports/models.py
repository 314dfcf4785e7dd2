"""The staging area: one Upload per file, with its status, progress and the preview.

Status: uploaded → validated → waiting (for confirmation) → applied / rejected; failed when the
file itself is refused or the background job broke. Transitions are conditional updates in
jingzhun.imports.actions. The preview (what will be created, changed, refused) is stored as
JSON on the upload; apply re-plans against the database of that moment, in one transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    NATIONAL = "national", _("国家监测系统导出表")
    HOUSEHOLDS = "households", _("本系统农户模板 / CSV / Parquet")


class Status(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    VALIDATED = "validated", _("已校验")
    WAITING = "waiting", _("待确认")
    APPLYING = "applying", _("正在导入")
    APPLIED = "applied", _("已导入")
    REJECTED = "rejected", _("已放弃")
    FAILED = "failed", _("失败")


class Upload(models.Model):
    file_path = models.CharField(_("文件路径"), max_length=500)
    original_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("文件摘要"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="uploads",
    )
    # The uploader's area when uploading: the scope the file is matched and applied under.
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(_("范围代码"), max_length=15, db_index=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("收入年度"), null=True, blank=True)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.UPLOADED
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    phase = models.CharField(_("阶段"), max_length=100, blank=True)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    preview = models.JSONField(_("预览"), default=dict, blank=True)
    result = models.JSONField(_("导入结果"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)
    # The lease of the process running this job (jingzhun.core.jobs), while it runs.
    worker = models.CharField(_("后台进程"), max_length=64, blank=True)
    # The job was interrupted (its process died): the user may run it again.
    interrupted = models.BooleanField(_("中断后可重试"), default=False)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-id"]
        indexes = [models.Index(fields=["area_code", "-id"], name="upload_scope_id")]

    def __str__(self) -> str:
        return f"导入{self.pk} {self.original_name}"

    @property
    def source_ref(self) -> str:
        return f"upload:{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in {Status.APPLIED, Status.REJECTED, Status.FAILED}

    @property
    def is_busy(self) -> bool:
        return self.status in {Status.UPLOADED, Status.VALIDATED, Status.APPLYING}
