"""Project assets (扶贫项目资产), their income and its distribution, and disposals.

An :class:`Asset` is usually created by a project (its 资产移交 step) and may be recorded without
one. Operating assets record :class:`AssetIncome` per period with the distribution
(:class:`Distribution` lines, each to one recipient — a registry household for dividends and
public-welfare wages); the lines add up to the income exactly. Disposal (处置) is a
:class:`Disposal` request approved or refused by the county. Rows are written only by
:mod:`jingzhun.assets.actions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from jingzhun.assets import choices as ac

ASSET_LABEL = gettext_noop("资产%(number)s")
MONEY = {"max_digits": 14, "decimal_places": 2}


class Asset(models.Model):
    number = models.CharField(_("资产编号"), max_length=32, unique=True)
    name = models.CharField(_("资产名称"), max_length=200)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("形成项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets",
    )
    asset_class = models.CharField(_("资产类别"), max_length=12, choices=ac.AssetClass.choices)
    kind = models.CharField(_("资产类型"), max_length=16, choices=ac.AssetKind.choices)
    # Capacity in ``capacity_unit`` (a PV station in kW).
    capacity = models.DecimalField(
        _("规模（容量）"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    capacity_unit = models.CharField(_("规模单位"), max_length=16, blank=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(_("地区代码"), max_length=15)
    owner_type = models.CharField(_("确权主体类型"), max_length=12, choices=ac.OwnerType.choices)
    owner_name = models.CharField(_("产权归属"), max_length=100)
    owner_household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("到户农户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets",
    )
    custodian = models.CharField(_("管护主体"), max_length=100)
    value = models.DecimalField(_("资产价值（元）"), **MONEY)
    built_on = models.DateField(_("建成日期"), null=True, blank=True)
    handed_over_on = models.DateField(_("移交日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ac.AssetStatus.choices, default=ac.AssetStatus.IN_USE
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("项目资产")
        verbose_name_plural = _("项目资产")
        indexes = [
            models.Index(fields=["area_code", "id"], name="asset_scope"),
            models.Index(fields=["kind", "area_code"], name="asset_kind_scope"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="asset_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class AssetIncome(models.Model):
    """An operating asset's income for one period (e.g. a PV station's electricity income for a
    month), its costs, and — in :class:`Distribution` lines — where the income went."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="incomes")
    period_kind = models.CharField(_("期间类型"), max_length=8, choices=ac.PeriodKind.choices)
    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    income = models.DecimalField(_("收益（元）"), **MONEY)
    costs = models.DecimalField(_("运营管护成本（元）"), default=0, **MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("资产收益")
        verbose_name_plural = _("资产收益")
        ordering = ["asset", "-period_start"]
        constraints = [
            # One entry per asset and period: an import run twice adds nothing.
            models.UniqueConstraint(
                fields=["asset", "period_start", "period_end"], name="asset_income_once"
            ),
            models.CheckConstraint(condition=Q(income__gte=0), name="income_not_negative"),
            models.CheckConstraint(condition=Q(costs__gte=0), name="costs_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.period_start}—{self.period_end}"

    @property
    def is_loss(self) -> bool:
        return self.costs > self.income


class Distribution(models.Model):
    """One line of an income's distribution: an amount of one kind to one recipient."""

    income = models.ForeignKey(AssetIncome, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("分配用途"), max_length=16, choices=ac.DistributionKind.choices)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("受益农户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="asset_distributions",
    )
    village_code = models.CharField(_("行政村代码"), max_length=15, blank=True)
    recipient = models.CharField(_("接收方"), max_length=100)

    class Meta:
        verbose_name = _("收益分配")
        verbose_name_plural = _("收益分配")
        ordering = ["income", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="distribution_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.recipient} {self.amount}"


class Disposal(models.Model):
    """A request to dispose of an asset (处置) and the county's decision on it."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="disposals")
    method = models.CharField(_("处置方式"), max_length=12, choices=ac.DisposalMethod.choices)
    reason = models.TextField(_("处置理由"))
    requested_on = models.DateField(_("申请日期"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("审批状态"),
        max_length=12,
        choices=ac.DisposalStatus.choices,
        default=ac.DisposalStatus.PENDING,
    )
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("资产处置")
        verbose_name_plural = _("资产处置")
        ordering = ["asset", "-id"]
        constraints = [
            # One pending request per asset: two cadres asking at once cannot both succeed.
            models.UniqueConstraint(
                fields=["asset"], condition=Q(status="pending"), name="disposal_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.get_method_display()} {self.get_status_display()}"
