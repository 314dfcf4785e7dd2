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
