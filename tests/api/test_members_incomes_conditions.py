"""A household's members, yearly incomes and conditions through the API."""

from __future__ import annotations

import datetime as dt

from jingzhun.audit.models import AuditEntry
from jingzhun.registry.models import Conditions, Income, Member
from tests import factories


def members_url(household) -> str:
    return f"/api/v1/households/{household.pk}/members/"


def incomes_url(household, year: int | None = None) -> str:
    return f"/api/v1/households/{household.pk}/incomes/" + (f"{year}/" if year else "")


def conditions_url(household, year: int | None = None) -> str:
    return f"/api/v1/households/{household.pk}/conditions/" + (f"{year}/" if year else "")


def grandchild(**overrides) -> dict:
    birth = dt.date(2019, 2, 3)
    return factories.member_data(
        "张小花",
        "granddaughter",
        birth,
        id_number=factories.id_female(birth),
        labour_skill="none",
        education="preschool",
        **overrides,
    )


# --- Members -----------------------------------------------------------------------------------


def test_a_member_is_added_with_sex_and_birth_date_taken_from_the_id(world, household, api):
    response = api(world.cadre).post(members_url(household), grandchild(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["sex"], body["sex_display"]) == ("F", "女")
    assert body["birth_date"] == "2019-02-03"
    assert body["relation_display"] == "之孙女"
    household.refresh_from_db()
    assert household.member_count == 4
    entry = AuditEntry.objects.get(action="add_member", object_id=str(body["id"]))
    assert entry.source == "api"


def test_the_member_list_shows_current_members_in_order(world, household, api):
    body = api(world.cadre).get(members_url(household)).json()

    assert [m["name"] for m in body] == ["张建国", "李秀英", "張小明"]


def test_an_id_number_with_a_wrong_check_digit_is_a_400_and_stores_nothing(world, household, api):
    data = grandchild()
    last = data["id_number"][-1]
    data["id_number"] = data["id_number"][:-1] + ("0" if last != "0" else "1")

    response = api(world.cadre).post(members_url(household), data, format="json")

    assert response.status_code == 400
    assert "校验位" in response.json()["id_number"][0]
    assert household.members.count() == 3


def test_a_second_head_is_a_400_on_relation_and_stores_nothing(world, household, api):
    birth = dt.date(1960, 1, 1)
    data = factories.member_data("王大", "head", birth, id_number=factories.id_male(birth))

    response = api(world.cadre).post(members_url(household), data, format="json")

    assert response.status_code == 400
    assert "relation" in response.json()
    assert household.members.count() == 3


def test_patching_a_member_needs_the_version_and_is_audited(world, household, api):
    member = household.members.get(relation="spouse")
    url = f"/api/v1/members/{member.pk}/"
    client = api(world.cadre)

    assert client.patch(url, {"phone": "13800001111"}, format="json").status_code == 400
    response = client.patch(url, {"phone": "13800001111", "version": member.version}, format="json")

    assert response.status_code == 200, response.json()
    member.refresh_from_db()
    assert member.phone == "13800001111"
    entry = AuditEntry.objects.get(action="update_member", object_id=str(member.pk))
    assert entry.source == "api"


def test_patching_a_member_with_a_stale_version_is_a_409_and_changes_nothing(world, household, api):
    member = household.members.get(relation="spouse")
    url = f"/api/v1/members/{member.pk}/"
    api(world.reviewer).patch(url, {"work_months": 6, "version": member.version}, format="json")

    response = api(world.cadre).patch(
        url, {"work_months": 3, "version": member.version}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["changes"]["work_months"] == {"seen": 0, "now": 6}
    member.refresh_from_db()
    assert member.work_months == 6


def test_removing_a_member_needs_a_reason_and_is_audited(world, household, api):
    member = household.members.get(relation="son")
    url = f"/api/v1/members/{member.pk}/"
    client = api(world.cadre)

    assert client.delete(url).status_code == 400
    response = client.delete(url, {"reason": "户籍迁出"}, format="json")

    assert response.status_code == 204
    household.refresh_from_db()
    assert household.member_count == 2
    assert client.get(url).status_code == 404
    entry = AuditEntry.objects.get(action="remove_member", object_id=str(member.pk))
    assert (entry.source, entry.reason) == ("api", "户籍迁出")


# --- Incomes -----------------------------------------------------------------------------------


def test_an_income_year_is_created_with_derived_fields(world, household, api):
    response = api(world.cadre).post(
        incomes_url(household),
        {
            "year": 2023,
            "wage": "12000",
            "dibao_benefit": "2400",
            "business_expense": "600",
            "per_capita_net": "999999",
        },  # derived fields are read-only: ignored
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["household_size"] == 3
    assert body["transfer"] == "2400.00"
    assert body["net_income"] == "13800.00"
    assert body["per_capita_net"] == "4600.00"
    assert Income.objects.get(household=household, year=2023).per_capita_net == 4600
    entry = AuditEntry.objects.get(action="set_income", object_id=str(body["id"]))
    assert entry.source == "api"


def test_put_sets_one_years_income_and_leaves_other_years(world, household, api):
    client = api(world.cadre)
    client.post(incomes_url(household), {"year": 2023, "wage": "9000"}, format="json")

    stale = client.put(incomes_url(household, 2024), {"wage": "30000"}, format="json")
    version = client.get(incomes_url(household, 2024)).json()["version"]
    response = client.put(
        incomes_url(household, 2024), {"wage": "30000", "version": version}, format="json"
    )

    assert stale.status_code == 400, "an existing year is not overwritten without its version"
    assert "year" in stale.json()
    assert response.status_code == 200, response.json()
    assert response.json()["per_capita_net"] == "10000.00"
    assert Income.objects.get(household=household, year=2023).wage == 9000
    years = [row["year"] for row in client.get(incomes_url(household)).json()]
    assert years == [2024, 2023]
    assert client.get(incomes_url(household, 2024)).json()["wage"] == "30000.00"


def test_an_income_is_read_by_its_id(world, household, api):
    income = Income.objects.get(household=household, year=2024)

    body = api(world.analyst).get(f"/api/v1/incomes/{income.pk}/").json()

    assert (body["year"], body["per_capita_net"]) == (2024, "8100.00")


def test_a_negative_income_is_a_400_naming_the_field_and_stores_nothing(world, household, api):
    response = api(world.cadre).post(
        incomes_url(household), {"year": 2023, "wage": "-100"}, format="json"
    )

    assert response.status_code == 400
    assert "wage" in response.json()
    assert not Income.objects.filter(household=household, year=2023).exists()


def test_an_income_with_a_stale_version_is_a_409(world, household, api):
    income = Income.objects.get(household=household, year=2024)
    client = api(world.cadre)
    client.put(
        incomes_url(household, 2024), {"wage": "1", "version": income.version}, format="json"
    )

    response = client.put(
        incomes_url(household, 2024), {"wage": "2", "version": income.version}, format="json"
    )

    assert response.status_code == 409
    income.refresh_from_db()
    assert income.wage == 1


# --- Conditions --------------------------------------------------------------------------------


def test_conditions_are_set_per_year_with_labels(world, household, api):
    client = api(world.cadre)

    created = client.post(
        conditions_url(household),
        {"year": 2024, "housing_area_m2": "85.5", "housing_grade": "B", "main_fuel": "coal"},
        format="json",
    )
    changed = client.put(
        conditions_url(household, 2024), {"has_sanitary_toilet": True, "version": 1}, format="json"
    )

    assert created.status_code == 201, created.json()
    assert created.json()["main_fuel_display"] == "煤炭"
    assert changed.status_code == 200, changed.json()
    row = Conditions.objects.get(household=household, year=2024)
    assert (row.housing_area_m2, row.has_sanitary_toilet, row.version) == (85.5, True, 2)
    assert client.get(conditions_url(household)).json()[0]["housing_grade_display"] == "B级"
    sources = set(
        AuditEntry.objects.filter(action="set_conditions").values_list("source", flat=True)
    )
    assert sources == {"api"}


def test_invalid_conditions_are_a_400_naming_the_field(world, household, api):
    response = api(world.cadre).post(
        conditions_url(household),
        {"year": 2024, "housing_grade": "D", "is_dangerous_house": False},
        format="json",
    )

    assert response.status_code == 400
    assert "is_dangerous_house" in response.json()
    assert not Conditions.objects.filter(household=household).exists()


def test_an_absent_year_is_a_404(world, household, api):
    assert api(world.cadre).get(conditions_url(household, 2020)).status_code == 404
    assert api(world.cadre).get(incomes_url(household, 2020)).status_code == 404


def test_removed_members_are_not_listed(world, household, api):
    member = Member.objects.get(household=household, relation="son")
    api(world.cadre).delete(f"/api/v1/members/{member.pk}/?reason=死亡")

    names = [m["name"] for m in api(world.cadre).get(members_url(household)).json()]

    assert names == ["张建国", "李秀英"]
