"""What a sample survey shows: its totals, 三率一度 with confidence intervals, and the reads of
surveys (scoped: a survey belongs to a county; users of that county or above see it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum

from jingzhun.areas.models import code_range
from jingzhun.assessment.estimates import Estimate, cluster_ratio, comprehensive
from jingzhun.assessment.models import (
    AssessmentSurvey,
    CountyAssessment,
    SurveyHousehold,
    SurveyVillage,
)
from jingzhun.core.actions import NotFound
from jingzhun.registry.choices import HouseholdType
from jingzhun.registry.models import Household

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

UNANSWERED = Q(people__isnull=True) | Q(wrongly_exited_people__isnull=True)
CONFIDENCE = 0.95  # the level every interval of the survey page is drawn at


def surveys_for(user: User) -> QuerySet[AssessmentSurvey]:
    """The surveys of counties in the user's area."""
    low, high = code_range(user.scope_prefix)
    return AssessmentSurvey.objects.filter(county_code__gte=low, county_code__lt=high)


def access_survey_by_id(user: User, survey_id: Any) -> AssessmentSurvey:
    """One survey in the user's area; NotFound for out of scope and absent alike."""
    try:
        return surveys_for(user).select_related("county").get(pk=int(survey_id))
    except (AssessmentSurvey.DoesNotExist, ValueError, TypeError):
        raise NotFound(survey_id) from None


def registry_people(county: Any) -> tuple[int, int]:
    """The county's exited people and all its registered people, from the registry (two sums
    over the scope index): what the 综合贫困发生率 extrapolation scales the sample rates by."""
    low, high = code_range(county.scope_prefix)
    households = Household.objects.filter(
        village_code__gte=low, village_code__lt=high, is_deleted=False
    )
    exited = households.filter(household_type=HouseholdType.EXITED).aggregate(
        n=Sum("member_count")
    )["n"]
    registered = households.aggregate(n=Sum("member_count"))["n"]
    return exited or 0, registered or 0


@dataclass
class VillageResult:
    """One sampled village's pairs: (found, sampled) for each rate."""

    village: SurveyVillage
    exited_people: int = 0
    wrongly_exited: int = 0
    households: int = 0
    approving: int = 0
    households_missing: int = 0


@dataclass
class SurveyTotals:
    villages: list[VillageResult] = field(default_factory=list)
    missing: int = 0  # sampled villages and households without a result

    def _sum(self, name: str) -> int:
        return sum(getattr(v, name) for v in self.villages)

    def _village_sum(self, name: str) -> int:
        return sum(getattr(v.village, name) or 0 for v in self.villages)

    def assessment_counts(self) -> dict[str, int]:
        """The counts the county's assessment figures take (CountyAssessment field names)."""
        return {
            "sampled_exited_people": self._sum("exited_people"),
            "wrongly_exited_people": self._sum("wrongly_exited"),
            "sampled_non_registered_people": self._village_sum("non_registered_people"),
            "missed_poor_people": self._village_sum("missed_poor_people"),
            "households_surveyed": self._sum("households"),
            "households_approving": self._sum("approving"),
        }


def survey_totals(survey: AssessmentSurvey) -> SurveyTotals:
    """Per sampled village: the exited people and wrongly exited people of its sampled
    households, the households asked (sampled exited households that answered plus the
    non-registered households surveyed) and those approving. Two queries."""
    per_village = {
        row["village_id"]: row
        for row in SurveyHousehold.objects.filter(survey=survey)
        .order_by()
        .values("village_id")
        .annotate(
            sum_people=Sum("people"),
            sum_wrong=Sum("wrongly_exited_people"),
            answered=Count("id", filter=Q(approves__isnull=False)),
            approving=Count("id", filter=Q(approves=True)),
            missing=Count(
                "id", filter=Q(people__isnull=True) | Q(wrongly_exited_people__isnull=True)
            ),
        )
    }
    totals = SurveyTotals()
    for village in SurveyVillage.objects.filter(survey=survey).select_related("village"):
        row = per_village.get(village.pk, {})
        result = VillageResult(
            village,
            exited_people=row.get("sum_people") or 0,
            wrongly_exited=row.get("sum_wrong") or 0,
            households=(row.get("answered") or 0) + (village.non_registered_households or 0),
            approving=(row.get("approving") or 0) + (village.non_registered_approving or 0),
            households_missing=row.get("missing") or 0,
        )
        totals.villages.append(result)
        totals.missing += result.households_missing + (0 if village.entered else 1)
    return totals


@dataclass(frozen=True)
class SurveyRates:
    wrong_exit: Estimate
    missed: Estimate
    approval: Estimate
    comprehensive: Estimate | None
    comprehensive_missing: tuple[str, ...]  # what the extrapolation still needs
    confidence: float


def survey_rates(
    survey: AssessmentSurvey,
    totals: SurveyTotals,
    *,
    exited_people: int,
    registered_people: int,
    confidence: float = CONFIDENCE,
) -> SurveyRates:
    """三率一度 of the survey. ``exited_people`` and ``registered_people`` are the county's
    registry figures the 综合贫困发生率 extrapolation needs beside the county's entered 农村人口数
    and 剩余建档立卡贫困人口数."""
    fraction = min(len(totals.villages) / max(survey.villages_in_frame, 1), 1.0)
    villages = totals.villages

    def rate(pairs: list[tuple[int, int]]) -> Estimate:
        return cluster_ratio(pairs, fraction_drawn=float(fraction), confidence=confidence)

    wrong = rate([(v.wrongly_exited, v.exited_people) for v in villages])
    missed = rate(
        [
            (v.village.missed_poor_people or 0, v.village.non_registered_people or 0)
            for v in villages
        ]
    )
    approval = rate([(v.approving, v.households) for v in villages])
    figures = CountyAssessment.objects.filter(county_id=survey.county_id, year=survey.year).first()
    missing = []
    rural = figures.rural_population if figures else None
    remaining = figures.remaining_poor_people if figures else None
    if not rural:
        missing.append(f"{survey.year}年农村人口数（第三方评估数据）")
    if remaining is None:
        missing.append(f"{survey.year}年剩余建档立卡贫困人口数（第三方评估数据）")
    estimate = None
    if not missing:
        assert rural is not None and remaining is not None
        estimate = comprehensive(
            remaining_poor=remaining,
            exited_people=exited_people,
            non_registered_people=max(rural - registered_people, 0),
            rural_population=rural,
            wrong_exit=wrong,
            missed=missed,
            confidence=confidence,
        )
    return SurveyRates(wrong, missed, approval, estimate, tuple(missing), confidence)
