"""The version lock holds on every path, races answer as conflicts, bad bodies as 400."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from jingzhun.core.actions import ConcurrentEditError
from jingzhun.registry import actions
from jingzhun.registry.models import Household, Income, Member
from tests.cases.test_races import on_postgresql, race, shanxi  # noqa: F401 (a fixture)
from tests.conftest import login


def _household_post(household: Household, **extra) -> dict:
    return {
        "village": household.village_id,
        "number": household.number,
        "household_type": household.household_type,
        "identified_on": household.identified_on.isoformat() if household.identified_on else "",
        "exit_year": household.exit_year or "",
        "exited_on": household.exited_on.isoformat() if household.exited_on else "",
        "main_cause": household.main_cause,
        "address": "新地址",
        **extra,
    }


def test_the_household_form_without_its_version_is_refused_and_changes_nothing(
    client, world, household
):
    login(client, world.cadre)
    before = (household.version, household.address)
    response = client.post(f"/households/{household.pk}/edit/", _household_post(household))
    assert response.status_code == 200
    assert "缺少版本号" in response.content.decode()
    household.refresh_from_db()
    assert (household.version, household.address) == before


def test_the_household_form_with_its_version_saves(client, world, household):
    login(client, world.cadre)
    response = client.post(
        f"/households/{household.pk}/edit/",
        _household_post(household, version=household.version),
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.address == "新地址"


def test_the_member_form_without_its_version_is_refused(client, world, household):
    login(client, world.cadre)
    member = household.members.get(relation="head")
    response = client.post(
        f"/members/{member.pk}/edit/",
        {
            "name": "改名",
            "relation": member.relation,
            "sex": member.sex,
            "id_type": member.id_type,
            "id_number": member.id_number,
            "labour_skill": member.labour_skill,
            "health": member.health,
            "ethnicity": member.ethnicity,
            "student_status": member.student_status,
            "work_status": member.work_status,
        },
    )
    assert response.status_code == 200
    assert "缺少版本号" in response.content.decode()
    assert Member.objects.get(pk=member.pk).name == member.name


def test_deleting_without_the_version_is_refused(client, world, household):
    login(client, world.cadre)
    client.post(f"/households/{household.pk}/delete/", {"reason": "重复登记"})
    assert not Household.objects.get(pk=household.pk).is_deleted


def test_a_first_save_of_a_year_entered_meanwhile_is_a_conflict_not_an_error(world, household):
    actions.do_set_income(household, actor=world.actor(), year=2023, values={"wage": "9000"})
    real_first = QuerySet.first
    calls: list[int] = []

    def first(self):  # the first look-up does not see the row the other user just wrote
        calls.append(1)
        return None if len(calls) == 1 else real_first(self)

    with mock.patch.object(QuerySet, "first", first), pytest.raises(ConcurrentEditError) as error:
        actions.do_set_income(
            household, actor=world.actor(world.reviewer), year=2023, values={"wage": "1"}
        )
    assert "2023年" in str(error.value)
    assert Income.objects.get(household=household, year=2023).wage == 9000


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_first_saves_of_one_year_at_once_give_one_save_and_one_conflict(
    shanxi,  # noqa: F811
    world,
    household,
):
    def contender(user, wage):
        return (
            lambda: None,
            lambda _: actions.do_set_income(
                household, actor=world.actor(user), year=2022, values={"wage": wage}
            ),
        )

    for _ in range(5):
        Income.objects.filter(household=household, year=2022).delete()
        outcomes = race(contender(world.cadre, "100"), contender(world.reviewer, "200"))
        errors = [o.error for o in outcomes if o.error is not None]
        # The loser either missed the winner's row (a conflict, 409) or saw it committed
        # ("已录入", 400): never an IntegrityError (500).
        assert len(errors) == 1, errors
        assert isinstance(errors[0], ConcurrentEditError | ValidationError), errors
        assert "2022年" in str(errors[0]), errors
        assert Income.objects.filter(household=household, year=2022).count() == 1


def test_a_deeply_nested_json_body_is_refused_with_400(client, world, household):
    login(client, world.cadre)
    body = "[" * 5000 + "]" * 5000
    response = client.patch(
        f"/api/v1/households/{household.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 400
    nested: dict = {}
    for _ in range(40):
        nested = {"x": nested}
    response = client.patch(
        f"/api/v1/households/{household.pk}/",
        json.dumps({"address": nested, "version": household.version}),
        content_type="application/json",
    )
    assert response.status_code == 400
    household.refresh_from_db()
    assert household.address != "x"
