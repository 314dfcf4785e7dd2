"""The figures of a county's third-party exit assessment (贫困县退出第三方评估), one row per
county and year, from which 三率一度 is computed (jingzhun.policy.counties). Every figure may be
left empty until the assessment reports it: the rate reading it is then "unknown"."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from jingzhun.areas.models import Area


def _count(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, null=True, blank=True)


# A county's assessment data as labelled in the audit trail (stored in Chinese; shown translated).
ASSESSMENT_LABEL = gettext_noop("%(area)s%(year)s年第三方评估数据")


class CountyAssessment(models.Model):
    county = models.ForeignKey(
        Area, verbose_name=_("县"), on_delete=models.PROTECT, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    sampled_exited_people = _count(_("抽查的退出人口数"))
    wrongly_exited_people = _count(_("发现的错退人口数"))
    sampled_non_registered_people = _count(_("抽查村非建档立卡农村人口数"))
    missed_poor_people = _count(_("发现的漏评人口数"))
    households_surveyed = _count(_("调查户数"))
    households_approving = _count(_("认可户数"))
    remaining_poor_people = _count(_("剩余建档立卡贫困人口数"))
    rural_population = _count(_("农村人口数"))
    source = models.CharField(_("数据来源"), max_length=200)
    notes = models.TextField(_("备注"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("县级第三方评估数据")
        verbose_name_plural = _("县级第三方评估数据")
        ordering = ["county__code", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year"], name="county_assessment_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county.name}{self.year}年第三方评估数据"


ASSESSMENT_COUNTS = (
    "sampled_exited_people",
    "wrongly_exited_people",
    "sampled_non_registered_people",
    "missed_poor_people",
    "households_surveyed",
    "households_approving",
    "remaining_poor_people",
    "rural_population",
)
ASSESSMENT_FIELDS = (*ASSESSMENT_COUNTS, "source", "notes")
