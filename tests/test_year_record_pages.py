"""The forms of a household's yearly records (income, conditions, measures) save through the
actions and refuse a stale version."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from jingzhun.registry import actions
from jingzhun.registry.models import Income, Measures
from tests.conftest import login


def _income_form(year: int, **values) -> dict:
    data = {"year": year, "household_size": 3, "reason": ""}
    data.update({k: "0" for k in actions.INPUT_FIELDS})
    data.update({k: str(v) for k, v in values.items()})
    return data


def test_a_new_year_of_income_is_saved_from_the_page(client, world, household):
    login(client, world.cadre)
    page = client.post(
        reverse("income_create", args=[household.pk]), _income_form(2023, wage=9000), follow=True
    )
    assert "已保存2023年收入" in page.content.decode()
    income = Income.objects.get(household=household, year=2023)
    assert income.wage == Decimal("9000") and income.per_capita_net == Decimal("3000.00")


def test_a_stale_income_form_names_what_the_other_person_changed(client, world, household):
    login(client, world.cadre)
    stored = Income.objects.get(household=household, year=2024)
    seen = stored.version
    actions.do_set_income(
        household,
        actor=world.actor(world.reviewer),
        year=2024,
        values={"wage": Decimal("20000"), "business": Decimal("6000")},
        household_size=3,
        expected_version=seen,
    )
    form = _income_form(2024, wage=19000) | {"version": seen, "reason": "更正"}
    page = client.post(reverse("income_edit", args=[household.pk, 2024]), form)
    body = page.content.decode()
    assert page.status_code == 200 and "已被" in body and "20000" in body
    assert Income.objects.get(household=household, year=2024).wage == Decimal("20000")


def test_measures_are_saved_from_the_page(client, world, household):
    login(client, world.cadre)
    page = client.post(
        reverse("measures_create", args=[household.pk]),
        {"year": 2024, "education_aid": "雨露计划", "reason": ""},
        follow=True,
    )
    assert "已保存2024年帮扶措施" in page.content.decode()
    assert Measures.objects.get(household=household, year=2024).yulu_plan is True


def test_a_read_only_role_cannot_post_a_yearly_record(client, world, household):
    login(client, world.analyst)
    page = client.post(reverse("income_create", args=[household.pk]), _income_form(2023))
    assert page.status_code == 403
    assert not Income.objects.filter(household=household, year=2023).exists()
