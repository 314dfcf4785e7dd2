"""The staging of ledger files: one :class:`LedgerUpload` per file and area.

Status: staged (previewed, waiting for confirmation) → applied, or → discarded; failed when the
file itself is refused (unreadable, no header, no rows, too many rows). Transitions are
conditional updates in :mod:`jingzhun.ledgers.actions`. The same file (kind, area, content)
staged or applied once is never staged again: loading it returns the existing upload.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LedgerStatus(models.TextChoices):
    STAGED = "staged", _("待确认")
    APPLIED = "applied", _("已导入")
    DISCARDED = "discarded", _("已放弃")
    FAILED = "failed", _("文件被拒收")


class LedgerUpload(models.Model):
    # The ledger's kind (jingzhun.ledgers.kinds); no choices here: a ledger added later needs
    # no migration.
    kind = models.CharField(_("台账类型"), max_length=32)
    file_path = models.CharField(_("文件路径"), max_length=500)
    original_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="ledger_uploads",
    )
    # The uploader's area: the scope rows are matched and applied under, and who sees it.
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(_("范围代码"), max_length=15)
    status = models.CharField(
        _("状态"), max_length=16, choices=LedgerStatus.choices, default=LedgerStatus.STAGED
    )
    # {"rows", "create", "change", "unchanged", "refused", "empty_rows"} of the preview.
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    # {"rows": [{row, action, summary, changes, problems: [{column, value, reason, fix}]}],
    #  "notes": {note: count}, "unknown_columns": [...], "sheet", "header_row"}
    preview = models.JSONField(_("预览"), default=dict, blank=True)
    # What the apply did: counts, and the rows refused at apply (the database changed since).
    result = models.JSONField(_("导入结果"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
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
        verbose_name = _("台账导入批次")
        verbose_name_plural = _("台账导入批次")
        ordering = ["-id"]
        indexes = [models.Index(fields=["area_code", "-id"], name="ledger_upload_scope")]
        constraints = [
            # Loading the same file twice (two clicks, two windows) stages it once.
            models.UniqueConstraint(
                fields=["kind", "area_code", "sha256"],
                condition=Q(status__in=["staged", "applied"]),
                name="ledger_upload_once",
            )
        ]

    def __str__(self) -> str:
        return f"台账{self.pk} {self.original_name}"

    @property
    def source_ref(self) -> str:
        return f"ledger:{self.pk}"

    @property
    def kind_title(self) -> str:
        from jingzhun.ledgers.spec import kind_title

        return kind_title(self.kind)
