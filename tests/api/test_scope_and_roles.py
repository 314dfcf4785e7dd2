"""Every endpoint refuses what the user may not see (404, like a record that does not exist)
and refuses writes from read-only roles (403), changing nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from jingzhun.areas.models import Area
from jingzhun.audit.models import AuditEntry
from jingzhun.registry import actions
from jingzhun.registry.models import Conditions, Household, Income
from tests import factories


@dataclass
class Ids:
    household: int
    member: int
    income: int
    area: str
    version: int

    @property
    def village(self) -> str:
        return self.area


ABSENT = Ids(household=999_999, member=999_999, income=999_999, area="140922999999", version=1)


def member_body() -> dict[str, Any]:
    birth = dt.date(2019, 2, 3)
    return factories.member_data(
        "张小花",
        "granddaughter",
        birth,
        id_number=factories.id_female(birth),
        labour_skill="none",
        education="preschool",
    )


# (method, url, body) — bodies are valid, so a refusal is about who asks, not what is sent.
READS = [
    ("get", "/api/v1/households/{household}/", None),
    ("get", "/api/v1/households/{household}/members/", None),
    ("get", "/api/v1/households/{household}/incomes/", None),
    ("get", "/api/v1/households/{household}/incomes/2024/", None),
    ("get", "/api/v1/households/{household}/conditions/", None),
    ("get", "/api/v1/households/{household}/conditions/2024/", None),
    ("get", "/api/v1/members/{member}/", None),
    ("get", "/api/v1/incomes/{income}/", None),
    ("get", "/api/v1/areas/{area}/", None),
]
WRITES = [
    (
        "patch",
        "/api/v1/households/{household}/",
        lambda ids: {"version": ids.version, "address": "x"},
    ),
    (
        "put",
        "/api/v1/households/{household}/",
        lambda ids: factories.household_data(
            "140922100001001", village=ids.village, version=ids.version
        ),
    ),
    ("delete", "/api/v1/households/{household}/", lambda ids: {"reason": "重复登记"}),
    ("post", "/api/v1/households/{household}/members/", lambda ids: member_body()),
    ("patch", "/api/v1/members/{member}/", lambda ids: {"version": 1, "work_months": 2}),
    ("delete", "/api/v1/members/{member}/", lambda ids: {"reason": "死亡"}),
    ("post", "/api/v1/households/{household}/incomes/", lambda ids: {"year": 2023, "wage": "1"}),
    ("put", "/api/v1/households/{household}/incomes/2024/", lambda ids: {"wage": "1"}),
    ("post", "/api/v1/households/{household}/conditions/", lambda ids: {"year": 2024}),
    ("put", "/api/v1/households/{household}/conditions/2024/", lambda ids: {"orchard_mu": "2"}),
]


@pytest.fixture
def target(world, household) -> Ids:
    """The fixture household, with conditions for 2024 so every URL has something behind it."""
    actions.do_set_conditions(household, actor=world.actor(), year=2024, values={})
    household.refresh_from_db()
    return Ids(
        household=household.pk,
        member=household.members.get(relation="son").pk,
        income=Income.objects.get(household=household, year=2024).pk,
        area=world.village.code,
        version=household.version,
    )


def call(client, method: str, url: str, ids: Ids, body: Any) -> Any:
    data = body(ids) if body is not None else None
    return getattr(client, method)(url.format(**vars(ids)), data, format="json")


def snapshot() -> tuple:
    """Everything a refused write must leave as it was."""
    return (
        AuditEntry.objects.count(),
        list(Household.objects.values_list("id", "version", "address", "is_deleted")),
        list(Income.objects.values_list("id", "version")),
        list(Conditions.objects.values_list("id", "version")),
        Area.objects.count(),
    )


@pytest.mark.parametrize(("method", "url", "body"), READS + WRITES)
def test_out_of_scope_answers_404_exactly_like_a_missing_record(
    world, target, api, method, url, body
):
    before = snapshot()
    client = api(world.outsider)  # a village cadre of another county: may write, sees nothing here

    out_of_scope = call(client, method, url, target, body)
    missing = call(client, method, url, ABSENT, body)

    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.json() == missing.json()
    assert snapshot() == before


@pytest.mark.parametrize(("method", "url", "body"), READS)
def test_read_only_roles_can_read_in_scope(world, target, api, method, url, body):
    for persona in ("analyst", "inspector", "city_viewer"):
        response = call(api(getattr(world, persona)), method, url, target, body)
        assert response.status_code == 200, (persona, response.json())


@pytest.mark.parametrize("persona", ["analyst", "inspector", "city_viewer"])
@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_read_only_roles_get_403_on_every_write(world, target, api, persona, method, url, body):
    before = snapshot()

    response = call(api(getattr(world, persona)), method, url, target, body)

    assert response.status_code == 403
    assert "只能查看" in response.json()["detail"]
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["analyst", "inspector"])
def test_read_only_roles_get_403_creating_households_and_areas(world, api, persona):
    client = api(getattr(world, persona))
    before = snapshot()

    household = client.post(
        "/api/v1/households/",
        factories.household_data("140922100001050", village=world.village.code),
        format="json",
    )
    area = client.post(
        "/api/v1/areas/", {"parent": world.township.code, "name": "新建村"}, format="json"
    )

    assert household.status_code == 403
    assert area.status_code == 403
    assert snapshot() == before


def test_a_deleted_household_answers_404_like_a_missing_one(world, household, api):
    actions.do_delete_household(household, actor=world.actor(), reason="重复登记")
    client = api(world.cadre)

    deleted = client.get(f"/api/v1/households/{household.pk}/")
    missing = client.get(f"/api/v1/households/{ABSENT.household}/")

    assert deleted.status_code == missing.status_code == 404
    assert deleted.json() == missing.json()


def test_a_sibling_villages_cadre_does_not_see_the_household(world, household, api):
    response = api(world.sibling_cadre).get(f"/api/v1/households/{household.pk}/")

    assert response.status_code == 404
