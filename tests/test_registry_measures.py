"""帮扶措施 per (household, year): the action, the household page and form, the REST API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import ConcurrentEditError, NotFound, PermissionDenied
from jingzhun.registry import actions
from jingzhun.registry.models import Measures
from tests.conftest import login


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _url(household, year: int | None = None) -> str:
    return f"/api/v1/households/{household.pk}/measures/" + (f"{year}/" if year else "")


# --- the action ------------------------------------------------------------------------------


def test_measures_are_stored_per_year_with_the_yulu_plan_derived(world, household):
    stored = actions.do_set_measures(
        household,
        actor=world.actor(),
        year=2024,
        values={"education_aid": " 雨露计划、 助学贷款 ", "industry_aid": "产业奖补"},
    )
    assert (stored.education_aid, stored.yulu_plan, stored.version) == (
        "雨露计划、 助学贷款",
        True,
        1,
    )
    entry = AuditEntry.objects.get(action="set_measures")
    assert entry.changes == {
        "industry_aid": [None, "产业奖补"],
        "education_aid": [None, "雨露计划、 助学贷款"],
        "yulu_plan": [None, True],
    }
    assert entry.household_id == household.pk and entry.area_code == household.village_code


def test_a_none_word_is_stored_as_blank(world, household):
    stored = actions.do_set_measures(
        household,
        actor=world.actor(),
        year=2024,
        values={"basic_guarantee": "无", "social_aid": "-"},
    )
    assert (stored.basic_guarantee, stored.social_aid) == ("", "")


def test_a_second_entry_of_the_same_year_needs_the_version_and_keeps_other_years(world, household):
    actor = world.actor()
    actions.do_set_measures(household, actor=actor, year=2023, values={"industry_aid": "旧措施"})
    first = actions.do_set_measures(household, actor=actor, year=2024, values={"health_aid": "甲"})
    with pytest.raises(ValidationError, match="已录入"):
        actions.do_set_measures(household, actor=actor, year=2024, values={"health_aid": "乙"})
    changed = actions.do_set_measures(
        household,
        actor=actor,
        year=2024,
        values={"health_aid": "乙", "education_aid": "雨露计划"},
        expected_version=first.version,
    )
    assert (changed.health_aid, changed.yulu_plan, changed.version) == ("乙", True, 2)
    assert Measures.objects.get(household=household, year=2023).industry_aid == "旧措施"
    entry = AuditEntry.objects.filter(action="set_measures").latest("id")
    assert entry.changes["health_aid"] == ["甲", "乙"]
    assert entry.changes["version"] == [1, 2]


def test_a_stale_version_says_what_the_other_person_changed(world, household):
    actor = world.actor()
    actions.do_set_measures(household, actor=actor, year=2024, values={"industry_aid": "甲"})
    actions.do_set_measures(
        household,
        actor=world.actor(world.reviewer),
        year=2024,
        values={"industry_aid": "乙"},
        expected_version=1,
    )
    with pytest.raises(ConcurrentEditError) as error:
        actions.do_set_measures(
            household, actor=actor, year=2024, values={"industry_aid": "丙"}, expected_version=1
        )
    assert error.value.changes["industry_aid"] == ("甲", "乙")
    assert Measures.objects.get(household=household).industry_aid == "乙"


def test_invalid_measures_are_refused_naming_the_field_and_nothing_is_written(world, household):
    with pytest.raises(ValidationError) as error:
        actions.do_set_measures(
            household, actor=world.actor(), year=2030, values={"finance_aid": "贷" * 201}
        )
    assert set(error.value.message_dict) == {"year", "finance_aid"}
    assert not Measures.objects.exists()
    assert not AuditEntry.objects.filter(action="set_measures").exists()


def test_a_read_only_role_and_an_outsider_cannot_set_measures(world, household):
    with pytest.raises(PermissionDenied):
        actions.do_set_measures(household, actor=world.actor(world.inspector), year=2024, values={})
    with pytest.raises(NotFound):
        actions.do_set_measures(household, actor=world.actor(world.outsider), year=2024, values={})
    assert not Measures.objects.exists()


# --- pages -----------------------------------------------------------------------------------


def test_the_form_creates_the_year_and_the_household_page_shows_it(client, world, household):
    login(client, world.cadre)
    response = client.post(
        reverse("measures_create", args=[household.pk]),
        {"year": 2024, "employment_aid": "稳岗补贴", "education_aid": "雨露计划"},
    )
    assert response.status_code == 302
    page = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert "帮扶措施" in page and "稳岗补贴" in page
    assert reverse("measures_edit", args=[household.pk, 2024]) in page
    assert Measures.objects.get(household=household).yulu_plan is True


def test_the_edit_form_changes_the_year_with_its_version(client, world, household):
    actions.do_set_measures(household, actor=world.actor(), year=2024, values={"health_aid": "甲"})
    login(client, world.cadre)
    url = reverse("measures_edit", args=[household.pk, 2024])
    assert "甲" in client.get(url).content.decode()
    response = client.post(url, {"year": 2024, "health_aid": "乙", "version": 1})
    assert response.status_code == 302
    assert Measures.objects.get(household=household).health_aid == "乙"
    stale = client.post(url, {"year": 2024, "health_aid": "丙", "version": 1}, follow=True)
    assert "已被" in stale.content.decode()
    assert Measures.objects.get(household=household).health_aid == "乙"


def test_the_form_shows_the_action_s_refusal_beside_the_field(client, world, household):
    login(client, world.cadre)
    response = client.post(
        reverse("measures_create", args=[household.pk]), {"year": 2012, "industry_aid": "甲"}
    )
    assert response.status_code == 200
    assert "年度应在2013至" in response.content.decode()
    assert not Measures.objects.exists()


def test_the_form_of_another_village_s_household_is_not_found(client, world, household):
    login(client, world.sibling_cadre)
    assert client.get(reverse("measures_create", args=[household.pk])).status_code == 404


# --- the REST API ----------------------------------------------------------------------------


def test_the_api_sets_a_year_then_changes_it_with_the_version(world, household):
    client = _api(world.cadre)
    created = client.post(
        _url(household), {"year": 2024, "education_aid": "雨露计划"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["yulu_plan"] is True
    changed = client.put(
        _url(household, 2024),
        {"industry_aid": "产业奖补", "yulu_plan": False, "version": 1},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    # yulu_plan is read-only: derived from 教育帮扶, which the PUT left as it was.
    assert (changed.json()["industry_aid"], changed.json()["yulu_plan"]) == ("产业奖补", True)
    assert [row["year"] for row in client.get(_url(household)).json()] == [2024]
    sources = set(AuditEntry.objects.filter(action="set_measures").values_list("source", flat=True))
    assert sources == {"api"}


def test_the_api_answers_400_409_403_and_404_like_the_other_yearly_records(world, household):
    client = _api(world.cadre)
    bad = client.post(_url(household), {"year": 2024, "social_aid": "捐" * 201}, format="json")
    assert bad.status_code == 400 and "social_aid" in bad.json()
    assert client.post(_url(household), {"year": 2024}, format="json").status_code == 201
    stale = client.put(_url(household, 2024), {"social_aid": "甲", "version": 5}, format="json")
    assert stale.status_code == 409
    assert client.get(_url(household, 2020)).status_code == 404
    read_only = _api(world.inspector).post(_url(household), {"year": 2023}, format="json")
    assert read_only.status_code == 403
    assert _api(world.outsider).get(_url(household)).status_code == 404
    assert _api(world.sibling_cadre).get(_url(household, 2024)).status_code == 404


def test_the_schema_lists_the_measures_endpoints(world):
    client = APIClient()
    client.force_authenticate(world.cadre)
    schema = client.get("/api/v1/schema", {"format": "json"}).json()
    assert "/api/v1/households/{household_id}/measures/" in schema["paths"]
    assert "/api/v1/households/{household_id}/measures/{year}/" in schema["paths"]
