"""The figures of a county's third-party exit assessment (贫困县退出第三方评估), one row per
county and year, from which 三率一度 is computed (jingzhun.policy.counties). Every figure may be
left empty until the assessment reports it: the rate reading it is then "unknown"."""

from __future__ import annotations

from django.conf import settings
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


# --- the sample survey behind the figures (抽样调查) -----------------------------------------

SURVEY_LABEL = gettext_noop("%(area)s%(year)s年第三方评估抽样调查")


class SurveyStatus(models.TextChoices):
    ENTERING = "entering", _("录入调查结果")
    APPLIED = "applied", _("已计入评估数据")


class AssessmentSurvey(models.Model):
    """A sample survey of one county and year in the way a third-party assessment draws it:
    villages first, then exited households in each sampled village (jingzhun.assessment.sampling
    says how, reproducibly from ``seed``). Its results give the four rates with their
    confidence intervals (jingzhun.assessment.estimates) and, applied, the county's
    :class:`CountyAssessment` figures the exit decision reads."""

    county = models.ForeignKey(
        Area, verbose_name=_("县"), on_delete=models.PROTECT, related_name="surveys"
    )
    county_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    seed = models.CharField(_("抽样种子"), max_length=64)
    village_sample = models.PositiveIntegerField(_("抽取村数"))
    household_sample = models.PositiveIntegerField(_("每村抽取脱贫户数"))
    villages_in_frame = models.PositiveIntegerField(_("抽样框村数"))
    households_in_frame = models.PositiveIntegerField(_("抽样框脱贫户数"))
    status = models.CharField(
        _("状态"), max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.ENTERING
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽样人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    drawn_at = models.DateTimeField(_("抽样时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("第三方评估抽样调查")
        verbose_name_plural = _("第三方评估抽样调查")
        ordering = ["-year", "county_code", "-id"]

    def __str__(self) -> str:
        return f"{self.county.name}{self.year}年第三方评估抽样调查"


class SurveyVillage(models.Model):
    """A sampled village and what the surveyors found among its non-registered rural people
    (漏评: poor people who should have been registered) and households (群众认可度)."""

    survey = models.ForeignKey(
        AssessmentSurvey, verbose_name=_("抽样调查"), on_delete=models.CASCADE,
        related_name="villages",
    )  # fmt: skip
    village = models.ForeignKey(
        Area, verbose_name=_("行政村"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField(_("抽样顺序"))
    exited_households = models.PositiveIntegerField(_("村脱贫户数"))
    non_registered_people = _count(_("核查的非建档立卡人口数"))
    missed_poor_people = _count(_("发现的漏评人口数"))
    non_registered_households = _count(_("调查的非建档立卡户数"))
    non_registered_approving = _count(_("其中认可户数"))
    surveyed_on = models.DateField(_("调查日期"), null=True, blank=True)
    notes = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("抽样村")
        verbose_name_plural = _("抽样村")
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "village"], name="survey_village_once")
        ]

    def __str__(self) -> str:
        return self.village.name

    @property
    def entered(self) -> bool:
        return self.non_registered_people is not None and self.missed_poor_people is not None


class SurveyHousehold(models.Model):
    """A sampled exited household and what the surveyors found: how many of its people still
    fall below the exit standard (错退), and whether the household approves of the work."""

    survey = models.ForeignKey(
        AssessmentSurvey, verbose_name=_("抽样调查"), on_delete=models.CASCADE,
        related_name="households",
    )  # fmt: skip
    village = models.ForeignKey(
        SurveyVillage, verbose_name=_("抽样村"), on_delete=models.CASCADE, related_name="households"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField(_("抽样顺序"))
    people = _count(_("家庭人口数"))
    wrongly_exited_people = _count(_("错退人口数"))
    approves = models.BooleanField(_("是否认可"), null=True, blank=True)
    surveyed_on = models.DateField(_("调查日期"), null=True, blank=True)
    notes = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("抽样户")
        verbose_name_plural = _("抽样户")
        ordering = ["survey", "village__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "household"], name="survey_household_once")
        ]

    def __str__(self) -> str:
        return self.household.number
