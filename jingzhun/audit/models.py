from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    FORM = "form", _("页面表单")
    API = "api", _("接口")
    IMPORT = "import", _("导入")
    COMMAND = "command", _("命令行")
    DEMO = "demo", _("演示数据")
    SYSTEM = "system", _("系统")
    CASE = "case", _("办理程序")


class AuditEntry(models.Model):
    """One change to one domain record (or one read of personal data): who, when, from where,
    old and new values, why.

    Written by the action functions in the same transaction as the change itself, never by
    signals. Rows are only ever inserted, and each carries a hash over its own content and the
    hash of the entry before it (``seq`` orders them): editing or deleting any entry breaks the
    chain, which ``jingzhun audit verify`` checks (jingzhun.audit.chain).
    """

    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    source_ref = models.CharField(_("来源标识"), max_length=200, blank=True)
    action = models.CharField(_("操作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    object_label = models.CharField(_("对象"), max_length=200, blank=True)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("农户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    area_code = models.CharField(_("区划代码"), max_length=15, db_index=True)
    changes = models.JSONField(_("变更内容"), default=dict)
    reason = models.TextField(_("原因"), blank=True)
    # The hash chain: position, the previous entry's hash, this entry's hash (sha256 hex).
    seq = models.PositiveBigIntegerField(_("序号"), unique=True, null=True)
    prev_hash = models.CharField(_("前一条摘要"), max_length=64, blank=True)
    hash = models.CharField(_("摘要"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["household", "-at"], name="audit_household_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_label}"


class AuditHead(models.Model):
    """The end of the audit hash chain (one row): the last entry's position and hash. Writers
    lock it to append, so entries are chained in commit order; ``verify`` compares the chain's
    end with it, so deleting the newest entries is found too."""

    seq = models.PositiveBigIntegerField(_("最后序号"), default=0)
    hash = models.CharField(_("最后摘要"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("审计链末端")
        verbose_name_plural = _("审计链末端")

    def __str__(self) -> str:
        return f"{self.seq} {self.hash[:12]}"
