"""Households through the API: list, filters, keyset pages, create, update, delete, masking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from jingzhun.audit.models import AuditEntry
from jingzhun.registry import actions
from jingzhun.registry.models import Household
from tests import factories

LIST = "/api/v1/households/"


def detail(household: Household) -> str:
    return f"/api/v1/households/{household.pk}/"


def make_households(world, count: int, start: int = 0) -> list[Household]:
    """Households with a risk each (so the list has a related table to read), no members."""
    return [
        actions.do_create_household(
            actor=world.actor(),
            village=world.village,
            data=factories.household_data(f"1409221000{i:05d}"),
            risks=[("illness", ""), ("other", "房屋漏雨")],
        )
        for i in range(start, start + count)
    ]


def new_household_body(world, number: str = "140922100001099", **overrides) -> dict:
    body = factories.household_data(number, village=world.village.code)
    body.update(overrides)
    return body


# --- Reading -----------------------------------------------------------------------------------


def test_the_list_shows_only_households_under_the_users_area(world, household, api):
    other = factories.make_household(
        world.actor(world.reviewer), world.sibling_village, "140922100002001"
    )

    cadre_ids = [row["id"] for row in api(world.cadre).get(LIST).json()["results"]]
    reviewer_ids = [row["id"] for row in api(world.reviewer).get(LIST).json()["results"]]
    outsider_rows = api(world.outsider).get(LIST).json()["results"]

    assert cadre_ids == [household.pk]
    assert sorted(reviewer_ids) == sorted([household.pk, other.pk])
    assert outsider_rows == []


def test_the_list_returns_codes_with_chinese_labels(world, household, api):
    row = api(world.cadre).get(LIST).json()["results"][0]

    assert row["household_type"] == "exited"
    assert row["household_type_display"] == "脱贫户"
    assert row["main_cause_display"] == "因病"
    assert row["village"] == world.village.code
    assert row["head_name"] == "张建国"
    assert row["member_count"] == 3
    assert "count" not in api(world.cadre).get(LIST).json()  # keyset pages never COUNT


def test_labels_follow_the_requests_language_and_match_the_models_display(world, household, api):
    client = api(world.cadre)
    chinese = client.get(LIST).json()["results"][0]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the user's pick of language
    english = client.get(LIST).json()["results"][0]

    assert english["household_type_display"] != chinese["household_type_display"]
    with translation.override("en"):
        assert english["household_type_display"] == household.get_household_type_display()
        assert english["main_cause_display"] == household.get_main_cause_display()
    # A code outside the value list (written by raw SQL, say) is shown as itself, as the model's
    # own display does, rather than failing the page.
    Household.objects.filter(pk=household.pk).update(main_cause="unheard_of")
    row = api(world.cadre).get(LIST).json()["results"][0]
    assert row["main_cause_display"] == "unheard_of"


def test_the_list_filters_like_the_list_page(world, household, api):
    monitored = actions.do_create_household(
        actor=world.actor(),
        village=world.village,
        data=factories.household_data(
            "140922100001002",
            household_type="monitored",
            monitoring_category="marginal",
            monitoring_identified_on=dt.date(2022, 3, 1),
            exit_year=None,
            exited_on=None,
        ),
        risks=[("illness", "")],
    )
    client = api(world.cadre)

    def ids(**params: str) -> list[int]:
        response = client.get(LIST, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(household_type="monitored") == [monitored.pk]
    assert ids(monitoring_category="marginal") == [monitored.pk]
    assert ids(risk="illness") == [monitored.pk]
    assert ids(year="2024") == [household.pk]
    assert ids(q="张建国") == [household.pk]
    head_id = household.members.get(relation="head").id_number
    assert ids(q=head_id.lower()) == [household.pk]
    assert sorted(ids(q="1409221000010")) == sorted([household.pk, monitored.pk])  # number prefix
    assert sorted(ids(area=world.village.code)) == sorted([household.pk, monitored.pk])
    assert ids(area=world.other_county_village.code) == []  # out of scope: nothing


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("household_type", "rich"),
        ("monitoring_category", "x"),
        ("risk", "boredom"),
        ("year", "abc"),
    ],
)
def test_an_invalid_filter_value_is_a_400_naming_the_parameter(world, api, param, value):
    response = api(world.cadre).get(LIST, {param: value})

    assert response.status_code == 400
    assert list(response.json()) == [param]


def test_keyset_pages_return_every_household_exactly_once(world, api):
    created = {h.pk for h in make_households(world, 7)}
    client = api(world.cadre)

    seen: list[int] = []
    url: str | None = f"{LIST}?page_size=3"
    pages = 0
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        pages += 1

    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == created
    assert seen == sorted(seen)


def test_the_list_costs_the_same_number_of_queries_for_3_or_30_households(world, api):
    client = api(world.reviewer)
    make_households(world, 3)
    client.get(LIST)  # warm caches that are not per request (content types, …)
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(LIST).json()["results"]) == 3
    make_households(world, 27, start=3)
    with CaptureQueriesContext(connection) as thirty:
        assert len(client.get(LIST).json()["results"]) == 30

    assert len(thirty) == len(three)
    assert len(three) <= 4  # scope area, households, risks (+ the user's area)


def test_the_detail_shows_one_household_with_its_risks(world, api):
    [household] = make_households(world, 1)

    body = api(world.cadre).get(detail(household)).json()

    assert body["id"] == household.pk
    assert body["risks"] == [
        {"kind": "illness", "kind_display": "因病", "remark": ""},
        {"kind": "other", "kind_display": "其他", "remark": "房屋漏雨"},
    ]
    assert body["version"] == household.version


# --- Masking -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["cadre", "reviewer", "approver", "admin"])
def test_roles_that_handle_paperwork_see_personal_numbers_in_full(world, household, api, persona):
    client = api(getattr(world, persona))
    row = client.get(detail(household)).json()
    member = client.get(f"{detail(household)}members/").json()[0]

    assert row["phone"] == "13912345678"
    assert row["bank_account"] == "6228480012345678901"
    assert member["id_number"] == household.members.get(pk=member["id"]).id_number


@pytest.mark.parametrize("persona", ["analyst", "inspector", "city_viewer", "province_viewer"])
def test_other_roles_see_personal_numbers_masked(world, household, api, persona):
    client = api(getattr(world, persona))
    rows = [client.get(detail(household)).json(), client.get(LIST).json()["results"][0]]
    members = client.get(f"{detail(household)}members/").json()
    member = client.get(f"/api/v1/members/{members[0]['id']}/").json()

    for row in rows:
        assert row["phone"] == "139****5678"
        assert row["bank_account"] == "***************8901"
    for shown in [*members, member]:
        full = household.members.get(pk=shown["id"]).id_number
        assert shown["id_number"] == full[:4] + "*" * 10 + full[-4:]
        assert full not in str(shown)


# --- Creating ----------------------------------------------------------------------------------


def test_a_cadre_creates_a_household_with_risks_and_an_api_audit_entry(world, api):
    body = new_household_body(
        world,
        household_type="monitored",
        monitoring_category="marginal",
        monitoring_identified_on="2023-04-01",
        exit_year=None,
        exited_on=None,
        risks=[{"kind": "illness", "remark": "慢性病"}],
    )

    response = api(world.cadre).post(LIST, body, format="json")

    assert response.status_code == 201, response.json()
    created = Household.objects.get(pk=response.json()["id"])
    assert created.village == world.village
    assert created.monitoring_category == "marginal"
    assert [(r.kind, r.remark) for r in created.risks.all()] == [("illness", "慢性病")]
    assert response.json()["risks"][0]["kind_display"] == "因病"
    entry = AuditEntry.objects.get(action="create_household", object_id=str(created.pk))
    assert entry.source == "api"
    assert entry.actor == world.cadre


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {"household_type": "monitored", "exit_year": None, "exited_on": None},
            "monitoring_category",
        ),
        ({"household_type": "rich"}, "household_type"),
        ({"phone": "123"}, "phone"),
        ({"number": "140922100001001"}, "number"),  # already used by the fixture household
        ({"village": "140921000000"}, "village"),  # not a village the cadre sees
        ({"risks": [{"kind": "illness"}, {"kind": "illness"}]}, "risks"),
    ],
)
def test_an_invalid_household_is_a_400_naming_the_field_and_stores_nothing(
    world, household, api, overrides, field
):
    households_before = Household.objects.count()
    audit_before = AuditEntry.objects.count()

    response = api(world.cadre).post(LIST, new_household_body(world, **overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Household.objects.count() == households_before
    assert AuditEntry.objects.count() == audit_before


def test_a_household_cannot_be_created_outside_the_users_villages(world, api):
    response = api(world.cadre).post(
        LIST, new_household_body(world, village=world.sibling_village.code), format="json"
    )

    assert response.status_code == 400
    assert "village" in response.json()


# --- Updating ----------------------------------------------------------------------------------


def test_patch_changes_the_fields_given_and_writes_an_api_audit_entry(world, household, api):
    response = api(world.cadre).patch(
        detail(household),
        {"version": household.version, "address": "东冶村3组12号", "reason": "入户核实"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["address"] == "东冶村3组12号"
    assert response.json()["version"] == household.version + 1
    household.refresh_from_db()
    assert household.address == "东冶村3组12号"
    assert household.phone == "13912345678"  # untouched
    entry = AuditEntry.objects.get(action="update_household", household=household)
    assert entry.source == "api"
    assert entry.changes["address"] == ["", "东冶村3组12号"]
    assert entry.reason == "入户核实"


def test_patch_without_a_version_is_refused(world, household, api):
    response = api(world.cadre).patch(detail(household), {"address": "x"}, format="json")

    assert response.status_code == 400
    assert "version" in response.json()
    household.refresh_from_db()
    assert household.address == ""


def test_patch_with_a_stale_version_is_a_409_saying_what_changed_and_changes_nothing(
    world, household, api
):
    seen = household.version
    api(world.reviewer).patch(
        detail(household), {"version": seen, "address": "审核员填写的地址"}, format="json"
    )

    response = api(world.cadre).patch(
        detail(household),
        {"version": seen, "address": "村干部的地址", "bank_name": "农行"},
        format="json",
    )

    assert response.status_code == 409
    body = response.json()
    assert body["changed_by"] == "reviewer"
    assert body["changes"]["address"] == {"seen": "", "now": "审核员填写的地址"}
    household.refresh_from_db()
    assert household.address == "审核员填写的地址"
    assert household.bank_name == ""
    assert household.version == seen + 1


def test_put_replaces_the_household_clearing_what_is_left_out(world, api):
    [household] = make_households(world, 1)
    body = {
        "version": household.version,
        "village": world.village.code,
        "number": household.number,
        "household_type": "ordinary",
    }

    response = api(world.cadre).put(detail(household), body, format="json")

    assert response.status_code == 200, response.json()
    household.refresh_from_db()
    assert household.household_type == "ordinary"
    assert household.phone == ""
    assert household.exit_year is None
    assert household.risks.count() == 0


def test_an_invalid_change_is_a_400_naming_the_field_and_changes_nothing(world, household, api):
    response = api(world.cadre).patch(
        detail(household),
        {"version": household.version, "household_type": "monitored"},
        format="json",
    )

    assert response.status_code == 400
    assert "monitoring_category" in response.json()
    household.refresh_from_db()
    assert household.household_type == "exited"


# --- Deleting ----------------------------------------------------------------------------------


def test_delete_needs_a_reason(world, household, api):
    response = api(world.cadre).delete(detail(household))

    assert response.status_code == 400
    assert "reason" in response.json()
    household.refresh_from_db()
    assert not household.is_deleted


@pytest.mark.parametrize("reason_in", ["body", "query"])
def test_delete_is_a_soft_delete_with_the_reason_audited(world, household, api, reason_in):
    client = api(world.cadre)
    if reason_in == "body":
        response = client.delete(detail(household), {"reason": "重复登记"}, format="json")
    else:
        response = client.delete(f"{detail(household)}?reason=重复登记")

    assert response.status_code == 204
    household.refresh_from_db()
    assert household.is_deleted
    assert client.get(detail(household)).status_code == 404
    assert client.get(LIST).json()["results"] == []
    entry = AuditEntry.objects.get(action="delete_household", household=household)
    assert (entry.source, entry.reason) == ("api", "重复登记")
