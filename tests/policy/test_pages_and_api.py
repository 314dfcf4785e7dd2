"""The 政策判定 panel of the household page and /api/v1/households/<id>/policy/: the same
evaluation, read through the registry's scoping (out of scope → 404)."""

from __future__ import annotations

from decimal import Decimal

from jingzhun.policy.decisions import evaluate_household
from jingzhun.quality.context import default_year
from jingzhun.registry import actions
from tests.conftest import login


def test_the_household_page_shows_the_policy_panel(client, world, household) -> None:
    response = login(client, world.cadre).get(f"/households/{household.id}/?policy_year=2024")
    assert response.status_code == 200
    page = response.content.decode()
    assert "政策判定" in page
    assert "贫困户退出标准（两不愁三保障）" in page
    assert "E-INCOME" in page
    # The 2024 national poverty line in force and its version are shown beside the value.
    assert "4000.00" in page
    assert "poverty_line@000000@2020-01-01" in page
    assert "✓" in page


def test_the_panel_evaluates_the_chosen_year_and_says_what_is_missing(client, world, household):
    page = login(client, world.cadre).get(f"/households/{household.id}/?policy_year=2019")
    text = page.content.decode()
    # No 2019 income: the income criteria are unknown, naming the missing record.
    assert "无法判定：缺少当年收入记录" in text
    assert 'value="2019" selected' in text


def test_the_panel_defaults_to_the_review_year(client, world, household) -> None:
    text = login(client, world.cadre).get(f"/households/{household.id}/").content.decode()
    assert f'value="{default_year()}" selected' in text


def test_the_api_returns_every_decision_with_values_and_versions(api, world, household):
    response = api(world.cadre).get(f"/api/v1/households/{household.id}/policy/?year=2024")
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2024
    decisions = {d["code"]: d for d in body["decisions"]}
    assert set(decisions) == {"exit_standard", "monitoring", "elimination"}
    income = next(c for c in decisions["exit_standard"]["criteria"] if c["code"] == "E-INCOME")
    assert income["status"] == "pass"
    assert Decimal(income["value"]) == household.incomes.get(year=2024).per_capita_net
    assert Decimal(income["threshold"]) == Decimal(4000)
    assert income["version"] == "poverty_line@000000@2020-01-01"
    assert decisions["elimination"]["status"] == "not_applicable"


def test_the_api_answers_404_for_a_household_out_of_scope(api, world, household) -> None:
    assert api(world.outsider).get(f"/api/v1/households/{household.id}/policy/").status_code == 404
    assert (
        api(world.sibling_cadre).get(f"/api/v1/households/{household.id}/policy/").status_code
        == 404
    )
    assert api(world.approver).get(f"/api/v1/households/{household.id}/policy/").status_code == 200
    assert api(world.cadre).get("/api/v1/households/999999/policy/").status_code == 404


def test_the_api_refuses_a_year_that_is_not_one(api, world, household) -> None:
    response = api(world.cadre).get(f"/api/v1/households/{household.id}/policy/?year=abc")
    assert response.status_code == 400
    assert "year" in response.json()


def test_a_deleted_household_is_not_evaluated(api, world, household) -> None:
    actions.do_delete_household(household, actor=world.actor(), reason="重复登记")
    assert api(world.cadre).get(f"/api/v1/households/{household.id}/policy/").status_code == 404


def test_evaluating_a_stored_household_uses_a_fixed_number_of_queries(
    world, household, django_assert_num_queries, monkeypatch
) -> None:
    from jingzhun.policy import parameters

    # The parameter set re-checks the database for added values every few seconds (one count
    # query): warm it and hold it, so the count below does not depend on the clock.
    monkeypatch.setattr(parameters, "RECHECK_SECONDS", 3600)
    parameters.default_parameters()
    with django_assert_num_queries(6):
        evaluate_household(household.id, 2024, world.cadre)
