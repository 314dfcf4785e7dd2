"""Drawing a county's sample, entering what the surveyors found, and applying it to the
county's assessment figures that the exit decision reads — through the real actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from jingzhun.assessment import actions
from jingzhun.assessment.models import (
    AssessmentSurvey,
    CountyAssessment,
    SurveyHousehold,
    SurveyStatus,
)
from jingzhun.assessment.results import survey_rates, survey_totals
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import NotFound, PermissionDenied
from jingzhun.policy.exits import county_evaluation_for
from tests import factories
from tests.conftest import login

TODAY = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def registered(world) -> list[Any]:
    """Three exited households in each of the county's three villages, one ordinary."""
    actor = world.actor(world.reviewer)
    made = []
    for v, village in enumerate((world.village, world.sibling_village)):
        for i in range(3):
            number = f"{village.code}{v}{i:02d}"
            made.append(factories.make_household(actor, village, number, members=False))
    factories.make_household(
        world.actor(world.other_reviewer), world.far_village, "far0001", members=False,
        household_type="ordinary", exit_year=None, exited_on=None,
    )  # fmt: skip
    return made


def draw(world: Any, user: Any = None, **overrides: Any) -> AssessmentSurvey:
    values = {"villages": 3, "households_per_village": 2, "seed": "种子1", **overrides}
    return actions.do_draw_survey(
        actor=world.actor(user or world.analyst), county=world.county, year=2026, **values
    )


def test_the_sample_is_stored_with_its_seed_and_frame_and_audited(world, registered) -> None:
    survey = draw(world)
    assert survey.villages_in_frame == 3 and survey.households_in_frame == 6
    villages = list(survey.villages.order_by("position"))
    assert len(villages) == 3
    sampled = {v.village.code: v.households.count() for v in villages}
    assert sampled == {
        world.village.code: 2,
        world.sibling_village.code: 2,
        world.far_village.code: 0,
    }
    entry = AuditEntry.objects.get(action="draw_assessment_survey")
    assert entry.changes["seed"] == [None, "种子1"] and entry.changes["household_sample"] == [
        None,
        4,
    ]


def test_the_same_seed_draws_the_same_households(world, registered) -> None:
    one = draw(world, households_per_village=1)
    two = draw(world, households_per_village=1)
    three = draw(world, households_per_village=1, seed="另一个")

    def numbers(s: AssessmentSurvey) -> list[str]:
        return sorted(s.households.values_list("household__number", flat=True))

    assert numbers(one) == numbers(two)
    assert len(numbers(three)) == 2
    assert draw(world, seed="").seed  # a random seed, stored


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"villages": 0}, "villages"),
        ({"households_per_village": "两"}, "households_per_village"),
        ({"seed": "x" * 65}, "seed"),
    ],
)
def test_bad_sample_sizes_are_refused_and_nothing_is_stored(world, registered, overrides, field):
    with pytest.raises(ValidationError) as refused:
        draw(world, **overrides)
    assert field in refused.value.message_dict
    assert not AssessmentSurvey.objects.exists()


def test_only_county_staff_draw_and_only_in_their_county(world, registered) -> None:
    with pytest.raises(PermissionDenied):
        draw(world, user=world.cadre)
    with pytest.raises(PermissionDenied):
        draw(world, user=world.city_viewer)
    # An analyst cannot reach another county: it answers as if absent.
    with pytest.raises(NotFound):
        actions.do_draw_survey(
            actor=world.actor(world.analyst), county=world.other_county, year=2026,
            villages=1, households_per_village=1,
        )  # fmt: skip


def enter_all(world: Any, survey: AssessmentSurvey, wrong: int = 0) -> None:
    actor = world.actor(world.analyst)
    for i, row in enumerate(survey.households.order_by("id")):
        actions.do_record_survey_household(
            actor=actor,
            survey_household=row,
            values={
                "people": 4,
                "wrongly_exited_people": wrong if i == 0 else 0,
                "approves": i != 1,
                "surveyed_on": "2026-11-20",
            },
        )
    for village in survey.villages.all():
        actions.do_record_survey_village(
            actor=actor,
            survey_village=village,
            values={
                "non_registered_people": 100,
                "missed_poor_people": 1 if village.position == 1 else 0,
                "non_registered_households": 10,
                "non_registered_approving": 9,
            },
        )


def test_results_give_the_rates_counted_by_hand(world, registered) -> None:
    survey = draw(world)
    enter_all(world, survey, wrong=2)
    totals = survey_totals(survey)
    assert totals.missing == 0
    assert totals.assessment_counts() == {
        "sampled_exited_people": 16,  # 4 households × 4 people
        "wrongly_exited_people": 2,
        "sampled_non_registered_people": 300,
        "missed_poor_people": 1,
        "households_surveyed": 4 + 30,  # sampled households that answered + others asked
        "households_approving": 3 + 27,
    }
    rates = survey_rates(survey, totals, exited_people=24, registered_people=24)
    assert rates.wrong_exit.value == pytest.approx(2 / 16)
    assert rates.missed.value == pytest.approx(1 / 300)
    assert rates.approval.value == pytest.approx(30 / 34)
    assert rates.wrong_exit.low < 2 / 16 < rates.wrong_exit.high
    assert rates.comprehensive is None and "农村人口数" in rates.comprehensive_missing[0]


def test_a_household_result_that_cannot_be_is_refused(world, registered) -> None:
    survey = draw(world)
    row = survey.households.first()
    actor = world.actor(world.analyst)
    with pytest.raises(ValidationError) as refused:
        actions.do_record_survey_household(
            actor=actor,
            survey_household=row,
            values={"people": 3, "wrongly_exited_people": 4, "surveyed_on": "2026-12-02"},
        )
    errors = refused.value.message_dict
    assert "不能大于" in errors["wrongly_exited_people"][0]
    assert "不能晚于今天" in errors["surveyed_on"][0]
    row.refresh_from_db()
    assert row.people is None
    assert not AuditEntry.objects.filter(action="record_survey_household").exists()


def test_applying_is_refused_until_every_result_is_in(world, registered) -> None:
    survey = draw(world)
    with pytest.raises(ValidationError, match="未录入结果"):
        actions.do_apply_survey(actor=world.actor(world.approver), survey=survey)
    assert not CountyAssessment.objects.exists()


def test_applied_results_feed_the_county_exit_decision(world, registered) -> None:
    from jingzhun.assessment.actions import do_set_county_assessment

    do_set_county_assessment(
        world.county,
        actor=world.actor(world.approver),
        year=2026,
        values={"source": "县统计局", "rural_population": 1000, "remaining_poor_people": 0},
    )
    survey = draw(world)
    enter_all(world, survey, wrong=2)
    with pytest.raises(PermissionDenied):  # applying is the approver's
        actions.do_apply_survey(actor=world.actor(world.analyst), survey=survey)
    figures = actions.do_apply_survey(actor=world.actor(world.approver), survey=survey)
    assert figures.wrongly_exited_people == 2 and figures.sampled_exited_people == 16
    assert figures.rural_population == 1000  # kept
    assert "种子1" in figures.source
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.APPLIED
    found, _villages = county_evaluation_for(world.approver, world.county, 2026)
    wrong = next(c for c in found.decision.criteria if c.code == "C-WRONG-EXIT")
    assert wrong.status == "fail" and "2÷抽查的退出人口数16" in wrong.explanation
    # A later change sends the survey back to entry, to be applied again.
    row = SurveyHousehold.objects.filter(survey=survey, wrongly_exited_people=2).get()
    actions.do_record_survey_household(
        actor=world.actor(world.analyst), survey_household=row,
        values={"people": 4, "wrongly_exited_people": 0, "approves": True},
    )  # fmt: skip
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.ENTERING


def test_the_pages_show_the_sample_to_the_county_and_not_beyond(client, world, registered):
    survey = draw(world)
    page = login(client, world.analyst).get(f"/assessment/surveys/{survey.pk}/")
    assert page.status_code == 200 and "种子1" in page.content.decode()
    assert "错退率" in page.content.decode()
    listing = client.get("/assessment/surveys/")
    assert world.county.name in listing.content.decode()
    assert (
        login(client, world.city_viewer).get(f"/assessment/surveys/{survey.pk}/").status_code == 200
    )
    assert login(client, world.outsider).get(f"/assessment/surveys/{survey.pk}/").status_code == 404
    assert login(client, world.reviewer).get(f"/assessment/surveys/{survey.pk}/").status_code == 404


def test_results_are_entered_on_the_page(client, world, registered) -> None:
    survey = draw(world)
    row = survey.households.first()
    login(client, world.analyst)
    url = f"/assessment/surveys/{survey.pk}/"
    client.post(url, {"action": "household", "row": row.pk, "people": 5,
                      "wrongly_exited_people": 1, "approves": "0"})  # fmt: skip
    row.refresh_from_db()
    assert (row.people, row.wrongly_exited_people, row.approves) == (5, 1, False)
    bad = client.post(url, {"action": "household", "row": row.pk, "people": 2,
                            "wrongly_exited_people": 3}, follow=True)  # fmt: skip
    assert "不能大于" in bad.content.decode()
    row.refresh_from_db()
    assert row.people == 5
    login(client, world.cadre)
    assert client.post(url, {"action": "household", "row": row.pk, "people": 1,
                             "wrongly_exited_people": 0}).status_code == 404  # fmt: skip


def test_the_sample_list_downloads_for_the_survey_team(client, world, registered) -> None:
    survey = draw(world)
    response = login(client, world.analyst).get(f"/assessment/surveys/{survey.pk}/sample.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
