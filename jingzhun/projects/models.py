"""The county project library (项目库), its money and its benefit links to households.

A :class:`Project` follows the life cycle configured for its type and region in the procedure
files (``cases/procedures/*.yaml``, ``project_types``; :mod:`jingzhun.cases.procedures`): its
current step, the roles that may do it and its due date are stored on the row, each step done
is a :class:`ProjectStep`. Money: :class:`BudgetLine` (planned, by fund source),
:class:`Allocation` (下达) and :class:`Disbursement` (拨付). :class:`Benefit` links a project
to the registry households it benefits (带贫益贫 / 利益联结). Rows are written only by
:mod:`jingzhun.projects.actions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from jingzhun.projects import choices as pc

# A project as labelled in the audit trail (stored in Chinese; shown translated).
PROJECT_LABEL = gettext_noop("项目%(number)s")
MONEY = {"max_digits": 14, "decimal_places": 2}


class Project(models.Model):
    number = models.CharField(_("项目编号"), max_length=32, unique=True)
    name = models.CharField(_("项目名称"), max_length=200)
    project_type = models.CharField(_("项目类型"), max_length=24, choices=pc.ProjectType.choices)
    # The village, township or county the project serves; its code is copied for the scope
    # (everything under an area is one range scan, as for households).
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("实施地区"), on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(_("地区代码"), max_length=15)
    year = models.PositiveSmallIntegerField(_("年度"))
    implementing_unit = models.CharField(_("实施单位"), max_length=100)
    content = models.TextField(_("建设内容和规模"))
    starts_on = models.DateField(_("计划开工日期"), null=True, blank=True)
    ends_on = models.DateField(_("计划完工日期"), null=True, blank=True)
    # 绩效目标: [{"indicator": …, "target": …, "actual": …}, …]
    targets = models.JSONField(_("绩效目标"), default=list, blank=True)
    # The life cycle (jingzhun.cases.procedures.project_procedure_for).
    region = models.CharField(_("程序适用地区"), max_length=6)
    procedure_type = models.CharField(_("程序"), max_length=24)
    procedure_version = models.CharField(_("程序版本"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=12, choices=pc.ProjectStatus.choices, default=pc.ProjectStatus.OPEN
    )
    position = models.PositiveSmallIntegerField(_("当前环节序号"), default=0)
    step_code = models.CharField(_("当前环节"), max_length=32, blank=True)
    # ",village_cadre,county_approver," — the roles that may do the current step.
    step_roles = models.CharField(_("当前环节办理角色"), max_length=120, blank=True)
    step_since = models.DateField(_("当前环节开始日期"), null=True, blank=True)
    step_due_on = models.DateField(_("当前环节期限"), null=True, blank=True)
    approved_on = models.DateField(_("批复入库日期"), null=True, blank=True)
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申报人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    # Bumped first by every allocation and disbursement: the row lock that makes "not above the
    # budget / the allocation" hold when two people record money at once.
    funds_version = models.PositiveIntegerField(_("资金版本"), default=0)

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        indexes = [
            models.Index(fields=["area_code", "year", "id"], name="project_scope_year"),
            models.Index(fields=["status", "step_code", "area_code"], name="project_step"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def is_open(self) -> bool:
        return self.status == pc.ProjectStatus.OPEN

    @property
    def roles(self) -> list[str]:
        return [r for r in self.step_roles.split(",") if r]


class ProjectStep(models.Model):
    """One step of a project done (or sent back, or refused): who, when, the decision."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("环节序号"))
    code = models.CharField(_("环节"), max_length=32)
    kind = models.CharField(_("环节类型"), max_length=20, choices=pc.ProjectStepKind.choices)
    title = models.CharField(_("环节名称"), max_length=64)
    outcome = models.CharField(_("结果"), max_length=12, choices=pc.StepOutcome.choices)
    decision = models.CharField(_("意见"), max_length=12, choices=pc.Decision.choices, blank=True)
    on = models.DateField(_("办理日期"))
    note = models.TextField(_("说明"), blank=True)
    document = models.CharField(_("文号"), max_length=100, blank=True)
    attachment = models.FileField(_("附件"), upload_to="projects/%Y/%m/", blank=True)
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

    class Meta:
        verbose_name = _("项目办理环节")
        verbose_name_plural = _("项目办理环节")
        ordering = ["project", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.title}"


class BudgetLine(models.Model):
    """The planned amount of one fund source for a project (the budget by source)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget")
    source = models.CharField(_("资金来源"), max_length=16, choices=pc.FundSource.choices)
    amount = models.DecimalField(_("计划金额（元）"), **MONEY)

    class Meta:
        verbose_name = _("项目预算")
        verbose_name_plural = _("项目预算")
        ordering = ["project", "source"]
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="budget_one_per_source"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.get_source_display()} {self.amount}"


class Allocation(models.Model):
    """Money of one source made available to a project (资金下达), by a document (文号)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="allocations")
    source = models.CharField(_("资金来源"), max_length=16, choices=pc.FundSource.choices)
    on = models.DateField(_("下达日期"))
    amount = models.DecimalField(_("下达金额（元）"), **MONEY)
    document = models.CharField(_("下达文号"), max_length=100)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("资金下达")
        verbose_name_plural = _("资金下达")
        ordering = ["project", "on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.document} {self.amount}"


class Disbursement(models.Model):
    """Money of one source paid out for a project (资金拨付), with its voucher (凭证号)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="disbursements")
    source = models.CharField(_("资金来源"), max_length=16, choices=pc.FundSource.choices)
    on = models.DateField(_("拨付日期"))
    amount = models.DecimalField(_("拨付金额（元）"), **MONEY)
    voucher = models.CharField(_("凭证号"), max_length=64)
    payee = models.CharField(_("收款单位"), max_length=100)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("资金拨付")
        verbose_name_plural = _("资金拨付")
        ordering = ["project", "on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="disbursement_positive"),
            # One voucher is paid once per project and source (an import run twice adds nothing).
            models.UniqueConstraint(
                fields=["project", "source", "voucher"], name="disbursement_voucher_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher} {self.amount}"


class Benefit(models.Model):
    """How one registry household benefits from a project (带贫益贫 / 利益联结), and how much a
    year."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="benefits")
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("受益农户"),
        on_delete=models.PROTECT,
        related_name="project_benefits",
    )
    # The household's village when linked: the household page reads its links by household,
    # the project's list by project.
    village_code = models.CharField(_("行政村代码"), max_length=15)
    kind = models.CharField(_("联结方式"), max_length=16, choices=pc.BenefitKind.choices)
    amount_per_year = models.DecimalField(_("年收益（元）"), **MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("带贫益贫（利益联结）")
        verbose_name_plural = _("带贫益贫（利益联结）")
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "household", "kind"], name="benefit_once_per_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_per_year__gte=0), name="benefit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.household_id} {self.get_kind_display()}"
