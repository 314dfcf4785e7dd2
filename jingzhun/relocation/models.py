"""Resettlement sites (集中安置点), relocated households (易地扶贫搬迁户), their members' jobs after
the move and the follow-up support they receive (后续扶持).

One source of truth: the relocation record (:class:`Relocation`) is where a household's move is
entered. Its actions copy 是否易地扶贫搬迁户, 搬迁方式, 安置方式 and 安置点 into the registry's
生产生活条件 of every year entered from the year of the move on, through the registry's own
action (docs/relocation.md); the registry's fields are never the place to enter a move.

Rows are changed only by the action functions in :mod:`jingzhun.relocation.actions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from jingzhun.relocation import choices as c

# Records as labelled in the audit trail (stored in Chinese; shown translated).
RELOCATION_LABEL = gettext_noop("易地扶贫搬迁记录")
JOB_LABEL = gettext_noop("搬迁后就业：%(name)s")
MEASURE_LABEL = gettext_noop("后续扶持：%(kind)s")


class ResettlementSite(models.Model):
    name = models.CharField(_("安置点名称"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    # The area's code, copied so that scope is one range scan (like a household's village).
    area_code = models.CharField(_("所在区划代码"), max_length=15, db_index=True, editable=False)
    resettlement_type = models.CharField(
        _("安置方式"), max_length=20, choices=c.ResettlementType.choices
    )
    capacity_households = models.PositiveIntegerField(_("设计安置户数"))
    capacity_people = models.PositiveIntegerField(_("设计安置人数"))
    built_year = models.PositiveSmallIntegerField(_("建成年度"))
    services = models.JSONField(_("配套设施"), default=list, blank=True)
    managing_unit = models.CharField(_("管理单位"), max_length=100)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("集中安置点")
        verbose_name_plural = _("集中安置点")
        ordering = ["area_code", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="site_unique_name_in_area")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def service_labels(self) -> list[str]:
        labels = dict(c.SiteService.choices)
        return [str(labels.get(s, s)) for s in self.services]


class Relocation(models.Model):
    """A household's move (one per household)."""

    household = models.OneToOneField(
        "registry.Household",
        verbose_name=_("农户"),
        on_delete=models.PROTECT,
        related_name="relocation",
    )
    # The household's village when it moved (its 迁出村), kept even if the registry's village
    # changes later; the 整村搬迁 figures count these.
    origin_village = models.ForeignKey(
        "areas.Area", verbose_name=_("迁出村"), on_delete=models.PROTECT, related_name="+"
    )
    origin_village_code = models.CharField(
        _("迁出村代码"), max_length=15, db_index=True, editable=False
    )
    moved_on = models.DateField(_("搬迁入住日期"))
    mode = models.CharField(_("搬迁方式"), max_length=16, choices=c.RelocationMode.choices)
    site = models.ForeignKey(
        ResettlementSite,
        verbose_name=_("安置点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="relocations",
    )
    resettlement_type = models.CharField(
        _("安置方式"), max_length=20, choices=c.ResettlementType.choices, blank=True
    )
    people = models.PositiveSmallIntegerField(_("搬迁人数"))
    housing_area_m2 = models.DecimalField(
        _("安置住房面积（平方米）"), max_digits=8, decimal_places=2
    )
    whole_village = models.BooleanField(_("整村搬迁"), default=False)
    old_house_demolished = models.BooleanField(_("旧房已拆除复垦"), default=False)
    demolished_on = models.DateField(_("拆旧复垦日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("易地扶贫搬迁户")
        verbose_name_plural = _("易地扶贫搬迁户")
        ordering = ["-moved_on", "id"]
        indexes = [models.Index(fields=["site", "id"], name="relocation_site_id")]

    def __str__(self) -> str:
        return RELOCATION_LABEL


class MemberJob(models.Model):
    """One working-age member's work after the move (one row per member, changed in place; the
    audit trail keeps the earlier values)."""

    relocation = models.ForeignKey(Relocation, on_delete=models.CASCADE, related_name="jobs")
    member = models.OneToOneField(
        "registry.Member",
        verbose_name=_("家庭成员"),
        on_delete=models.PROTECT,
        related_name="relocation_job",
    )
    employed = models.BooleanField(_("是否就业"))
    place = models.CharField(_("就业地点"), max_length=16, choices=c.JobPlace.choices, blank=True)
    channel = models.CharField(
        _("就业渠道"), max_length=16, choices=c.JobChannel.choices, blank=True
    )
    employer = models.CharField(_("就业单位或岗位"), max_length=100, blank=True)
    since = models.DateField(_("就业起始日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("搬迁后就业")
        verbose_name_plural = _("搬迁后就业")
        ordering = ["relocation", "member_id"]

    def __str__(self) -> str:
        return JOB_LABEL % {"name": self.member.name}


class FollowUpMeasure(models.Model):
    relocation = models.ForeignKey(Relocation, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("扶持措施"), max_length=24, choices=c.MeasureKind.choices)
    aim = models.CharField(_("扶持目标"), max_length=16, choices=c.MeasureAim.choices)
    on = models.DateField(_("实施日期"))
    amount = models.DecimalField(
        _("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("后续扶持措施")
        verbose_name_plural = _("后续扶持措施")
        ordering = ["relocation", "-on", "-id"]

    def __str__(self) -> str:
        return MEASURE_LABEL % {"kind": self.get_kind_display()}
