"""Cases (办理案件): one statutory procedure for one household, step by step.

A case follows the procedure configured for its type and province
(:mod:`jingzhun.cases.procedures`).
Each step done is a :class:`CaseStep` row with who, when, the record (votes, dates, opinions),
the household's facts and the policy engine's verdict as of that step, and any override. The
final step changes the registry through the registry's own actions, with the case as the audit
source. Rows are written only by :mod:`jingzhun.cases.actions`.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from jingzhun.cases import choices as cc

# A case as labelled in the audit trail (stored in Chinese; shown translated).
CASE_LABEL = gettext_noop("案件%(number)s")


class Case(models.Model):
    number = models.CharField(_("案件编号"), max_length=32, unique=True)
    case_type = models.CharField(_("案件类型"), max_length=20, choices=cc.CaseType.choices)
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("农户"), on_delete=models.PROTECT, related_name="cases"
    )
    # The household's village code when the case opened: area scope is one range scan.
    village_code = models.CharField(_("行政村代码"), max_length=15)
    region = models.CharField(_("程序适用地区"), max_length=6)
    procedure_version = models.CharField(_("程序版本"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=12, choices=cc.CaseStatus.choices, default=cc.CaseStatus.OPEN
    )
    position = models.PositiveSmallIntegerField(_("当前环节序号"), default=0)
    step_code = models.CharField(_("当前环节"), max_length=32, blank=True)
    step_role = models.CharField(_("当前环节办理角色"), max_length=24, blank=True)
    step_since = models.DateField(_("当前环节开始日期"), null=True, blank=True)
    step_due_on = models.DateField(_("当前环节期限"), null=True, blank=True)
    due_on = models.DateField(_("决定期限"), null=True, blank=True)
    due_step = models.CharField(_("期限截止环节"), max_length=32, blank=True)
    decided_on = models.DateField(_("作出决定日期"), null=True, blank=True)
    channel = models.CharField(_("发现渠道"), max_length=20, choices=cc.Channel.choices)
    first_signal_on = models.DateField(_("首次发现风险日期"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("判定收入年度"))
    facts = models.JSONField(_("申请事项"), default=dict, blank=True)
    notice = models.ForeignKey(
        "cases.Notice",
        verbose_name=_("当前公示"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overridden = models.BooleanField(_("有违背政策判定的决定"), default=False)
    opened_on = models.DateField(_("受理日期"))
    opened_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("办理案件")
        verbose_name_plural = _("办理案件")
        constraints = [
            # One procedure at a time per household: two cadres opening cases at once cannot
            # both succeed.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="open"),
                name="case_one_open_per_household",
            )
        ]
        indexes = [
            models.Index(fields=["village_code", "status", "id"], name="case_scope_status"),
            models.Index(fields=["status", "step_role", "village_code"], name="case_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_case_type_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == cc.CaseStatus.OPEN


class CaseStep(models.Model):
    """One act on a case: a step done, a notice opened, a case sent back or refused."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("环节序号"))
    code = models.CharField(_("环节"), max_length=32)
    kind = models.CharField(_("环节类型"), max_length=20, choices=cc.StepKind.choices)
    title = models.CharField(_("环节名称"), max_length=64)
    outcome = models.CharField(_("结果"), max_length=16, choices=cc.Outcome.choices)
    on = models.DateField(_("办理日期"))
    performed_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    performed_by_name = models.CharField(_("办理人姓名"), max_length=64)
    role = models.CharField(_("办理角色"), max_length=24)
    record = models.JSONField(_("环节记录"), default=dict, blank=True)
    household_facts = models.JSONField(_("当时农户情况"), default=dict, blank=True)
    policy = models.JSONField(_("当时政策判定"), null=True, blank=True)
    is_override = models.BooleanField(_("违背政策判定"), default=False)
    override_reason = models.TextField(_("违背政策判定的理由"), blank=True)

    class Meta:
        verbose_name = _("办理环节记录")
        verbose_name_plural = _("办理环节记录")
        ordering = ["case", "id"]
        indexes = [models.Index(fields=["is_override", "case"], name="casestep_override")]

    def __str__(self) -> str:
        return f"{self.case.number} {self.title}"


class Attachment(models.Model):
    """A file kept with a step: 评议会议记录, signed consent, comparison report."""

    step = models.ForeignKey(CaseStep, on_delete=models.CASCADE, related_name="attachments")
    purpose = models.CharField(_("材料类型"), max_length=24)
    file = models.FileField(_("文件"), upload_to="cases/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class Notice(models.Model):
    """A 公示 or 公告 of one village's batch of cases — or, with another ``subject``, of an
    area's projects or fund allocations (扶贫资金项目公告公示: ``village`` is then the village,
    township or county that publishes it). Public by its link, without login, until it ends;
    it shows no ID, phone, bank or health detail, and a project or fund notice no person at
    all: its table (``columns``, ``rows``) is a copy made when it was published from project
    and fund fields only (jingzhun.projects.disclosure)."""

    kind = models.CharField(_("类型"), max_length=16, choices=cc.NoticeKind.choices)
    subject = models.CharField(
        _("公示内容"),
        max_length=16,
        choices=cc.NoticeSubject.choices,
        default=cc.NoticeSubject.HOUSEHOLDS,
    )
    village = models.ForeignKey(
        "areas.Area", verbose_name=_("行政村"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=200)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    days = models.PositiveSmallIntegerField(_("天数"))
    days_version = models.CharField(_("天数参数版本"), max_length=64, blank=True)
    place = models.CharField(_("张贴地点"), max_length=200)
    contact = models.CharField(_("异议受理"), max_length=200)
    issuer = models.CharField(_("发布单位"), max_length=100)
    token = models.CharField(_("公开链接码"), max_length=64, unique=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    closed_on = models.DateField(_("公示结束办理日期"), null=True, blank=True)
    # Project and fund notices: the paragraph and the table as published (households' notices
    # build both from their NoticeEntry rows instead).
    body = models.TextField(_("正文"), blank=True)
    columns = models.JSONField(_("表头"), default=list, blank=True)
    rows = models.JSONField(_("表格内容"), default=list, blank=True)
    # What the notice is about, for the lists per project and per year (no personal data).
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    project_ids = models.JSONField(_("涉及项目"), default=list, blank=True)

    class Meta:
        verbose_name = _("公示公告")
        verbose_name_plural = _("公示公告")
        indexes = [models.Index(fields=["village", "starts_on"], name="notice_village_start")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.token:
            self.token = secrets.token_urlsafe(24)
        super().save(*args, **kwargs)


class NoticeEntry(models.Model):
    """One household on a notice, as printed: nothing beyond these columns is ever shown."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="entries")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notice_entries")
    line = models.PositiveSmallIntegerField(_("序号"))
    group_name = models.CharField(_("村民小组"), max_length=64, blank=True)
    head_name = models.CharField(_("户主姓名"), max_length=64)
    size = models.PositiveSmallIntegerField(_("家庭人口"))
    case_type = models.CharField(_("事项"), max_length=20, choices=cc.CaseType.choices)
    reason = models.CharField(_("原因类别"), max_length=100, blank=True)
    withdrawn = models.BooleanField(_("因异议撤回复核"), default=False)

    class Meta:
        verbose_name = _("公示公告名单")
        verbose_name_plural = _("公示公告名单")
        ordering = ["notice", "line"]

    def __str__(self) -> str:
        return f"{self.notice_id}-{self.line} {self.head_name}"


class Objection(models.Model):
    """An objection raised during a 公示. It sends the case back to verification."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="objections")
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    raised_on = models.DateField(_("提出日期"))
    raised_by = models.CharField(_("提出人"), max_length=64, blank=True)
    content = models.TextField(_("异议内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.raised_on}"
