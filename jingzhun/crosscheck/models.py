"""Department batches, their records, the links of records to registry members, and alerts.

A batch is a dated delivery of one dataset kind for one area; its records are normalised as
they are loaded; each record is linked (or not) to a member; rules turn linked records into
alerts, which a village cadre verifies (核实) and closes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Alerts and batches as labelled in the audit trail (stored in Chinese; shown translated).
ALERT_LABEL = gettext_noop("%(rule)s：%(number)s")
BATCH_LABEL = gettext_noop("%(department)s“%(kind)s”%(date)s")


class BatchStatus(models.TextChoices):
    STAGED = "staged", _("待确认")
    APPLIED = "applied", _("已比对")
    REFUSED = "refused", _("已拒绝")
    DISCARDED = "discarded", _("已放弃")


class Source(models.TextChoices):
    PAGE = "page", _("页面上传")
    COMMAND = "command", _("命令行")
    API = "api", _("部门系统推送")


class Batch(models.Model):
    kind = models.CharField(_("数据类型"), max_length=32, db_index=True)
    department = models.CharField(_("部门"), max_length=32)
    as_of = models.DateField(_("数据截止日期"))
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    original_name = models.CharField(_("文件名"), max_length=255, blank=True)
    sha256 = models.CharField(_("内容摘要"), max_length=64, db_index=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("范围"), on_delete=models.PROTECT)
    area_code = models.CharField(_("范围代码"), max_length=15, db_index=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.STAGED
    )
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    refusals = models.JSONField(_("拒绝的行"), default=list, blank=True)
    notes = models.JSONField(_("说明"), default=list, blank=True)
    error = models.TextField(_("拒绝原因"), blank=True)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    feed = models.ForeignKey(
        "crosscheck.FeedToken",
        verbose_name=_("推送令牌"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    # The background comparison's queue task while one is queued or running (its failure, when
    # the worker dies, leaves the batch staged: nothing of it was written, it can be retried).
    task_id = models.CharField(_("后台任务"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    applied_at = models.DateTimeField(_("比对时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("部门数据批次")
        verbose_name_plural = _("部门数据批次")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.department} {self.kind} {self.as_of}"


class Record(models.Model):
    """One row of a batch, normalised: the identifying fields, the date and amount the rules
    read, a category (status, rating, assistance type) and the rest as ``details``."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(_("数据类型"), max_length=32)
    row = models.PositiveIntegerField(_("行号"))
    name = models.CharField(_("姓名"), max_length=64)
    name_norm = models.CharField(_("姓名（比对）"), max_length=64, db_index=True)
    id_number = models.CharField(_("证件号码"), max_length=32, blank=True, db_index=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=1, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    area_code = models.CharField(_("地址所在区划"), max_length=15, blank=True)
    event_date = models.DateField(_("事项日期"))
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2, null=True, blank=True)
    category = models.CharField(_("类别"), max_length=32, blank=True)
    details = models.JSONField(_("其他信息"), default=dict, blank=True)
    # What makes two records the same signal (same person, kind, date, category and amount):
    # a later batch that repeats it raises no second alert while one is open.
    signal_key = models.CharField(_("信号标识"), max_length=64, db_index=True)

    class Meta:
        verbose_name = _("部门数据记录")
        verbose_name_plural = _("部门数据记录")
        ordering = ["batch_id", "row"]

    def __str__(self) -> str:
        return f"{self.name} {self.event_date}"


class Method(models.TextChoices):
    EXACT_ID = "exact_id", _("证件号码一致")
    PROBABILISTIC = "probabilistic", _("概率匹配")


class LinkStatus(models.TextChoices):
    PROPOSED = "proposed", _("待核实")
    CONFIRMED = "confirmed", _("核实无误")
    REJECTED = "rejected", _("关联错误")


class Link(models.Model):
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="links")
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    village_code = models.CharField(_("行政村代码"), max_length=15, db_index=True)
    method = models.CharField(_("关联方式"), max_length=16, choices=Method.choices)
    probability = models.FloatField(_("匹配概率"))
    weight = models.FloatField(_("匹配权重"), default=0)
    # [[field label, level label, weight], …]: which fields agreed and what each counted.
    reasons = models.JSONField(_("匹配依据"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=LinkStatus.choices, default=LinkStatus.PROPOSED
    )

    class Meta:
        verbose_name = _("记录关联")
        verbose_name_plural = _("记录关联")

    def __str__(self) -> str:
        return f"{self.record_id} → {self.member_id} ({self.probability:.3f})"


class RejectedPair(models.Model):
    """A person (by ``person_key``: the ID number, or the name and birth date) whom a cadre said
    is not this member: the pair is never linked again."""

    person_key = models.CharField(_("人员标识"), max_length=96)
    member = models.ForeignKey("registry.Member", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("原因"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("已否定的关联")
        verbose_name_plural = _("已否定的关联")
        constraints = [
            models.UniqueConstraint(fields=["person_key", "member"], name="rejected_pair_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_key} ≠ {self.member_id}"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待核实")
    CONFIRMED = "confirmed", _("情况属实")
    NOT_CONFIRMED = "not_confirmed", _("情况不属实")
    WRONG_LINK = "wrong_link", _("关联错误（不是此人）")


class Alert(models.Model):
    rule = models.CharField(_("预警规则"), max_length=40, db_index=True)
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="alerts")
    link = models.ForeignKey(Link, on_delete=models.PROTECT, related_name="alerts")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="alerts"
    )
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+")
    village_code = models.CharField(_("行政村代码"), max_length=15)
    signal_on = models.DateField(_("发现风险日期"))
    raised_on = models.DateField(_("预警日期"))
    due_on = models.DateField(_("核实期限"))
    status = models.CharField(
        _("状态"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    # [[label, value], …]: the values the rule compared (the record's and the registry's, the
    # threshold and its parameter version).
    values = models.JSONField(_("比对数值"), default=list, blank=True)
    key = models.CharField(_("预警标识"), max_length=120, db_index=True)
    outcome = models.TextField(_("核实情况"), blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    decided_on = models.DateField(_("核实日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("部门预警")
        verbose_name_plural = _("部门预警")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["village_code", "status"], name="alert_scope_status")]

    def __str__(self) -> str:
        return f"{self.rule} {self.household_id}"


class FeedToken(models.Model):
    """A department system's key: it may push records of one dataset kind into one area and
    nothing else (it is not a user and reads nothing of the registry). Stored hashed."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("数据类型"), max_length=32)
    department = models.CharField(_("部门"), max_length=32)
    area = models.ForeignKey("areas.Area", verbose_name=_("范围"), on_delete=models.PROTECT)
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    prefix = models.CharField(_("令牌前缀"), max_length=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("部门推送令牌")
        verbose_name_plural = _("部门推送令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"
