"""The area tree through the API."""

from __future__ import annotations

from jingzhun.areas.models import Area
from jingzhun.audit.models import AuditEntry

LIST = "/api/v1/areas/"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


def test_the_list_holds_the_users_area_and_what_lies_beneath(world, api):
    reviewer_codes = codes(api(world.reviewer).get(LIST))

    assert reviewer_codes[0] == world.township.code
    assert set(reviewer_codes) == {
        world.township.code,
        world.village.code,
        world.sibling_village.code,
    }
    assert codes(api(world.cadre).get(LIST)) == [world.village.code]


def test_the_list_filters_by_parent_code_and_level(world, api):
    client = api(world.approver)

    assert codes(client.get(LIST, {"parent": world.township.code})) == [
        world.village.code,
        world.sibling_village.code,
    ]
    villages = codes(client.get(LIST, {"level": "5"}))
    assert set(villages) == {
        world.village.code,
        world.sibling_village.code,
        world.far_village.code,
    }
    assert codes(client.get(LIST, {"parent": world.other_county.code})) == []


def test_an_invalid_level_is_a_400_naming_the_parameter(world, api):
    response = api(world.approver).get(LIST, {"level": "9"})

    assert response.status_code == 400
    assert list(response.json()) == ["level"]


def test_the_detail_shows_an_area_with_its_parent_and_level_label(world, api):
    body = api(world.cadre).get(f"{LIST}{world.village.code}/").json()

    assert body == {
        "code": world.village.code,
        "name": "东冶村",
        "level": 5,
        "level_display": "村",
        "parent": world.township.code,
    }


def test_a_reviewer_creates_a_village_with_an_api_audit_entry(world, api):
    response = api(world.reviewer).post(
        LIST, {"parent": world.township.code, "name": "新建村"}, format="json"
    )

    assert response.status_code == 201, response.json()
    area = Area.objects.get(code=response.json()["code"])
    assert (area.name, area.parent, area.level) == ("新建村", world.township, 5)
    entry = AuditEntry.objects.get(action="create_area", object_id=str(area.pk))
    assert entry.source == "api"


def test_a_cadre_creates_a_group_in_their_village(world, api):
    response = api(world.cadre).post(
        LIST, {"parent": world.village.code, "name": "一组"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["level_display"] == "组"


def test_a_cadre_may_not_create_a_village(world, api):
    before = Area.objects.count()

    response = api(world.cadre).post(
        LIST, {"parent": world.village.parent.code, "name": "新建村"}, format="json"
    )

    # The cadre does not see the township: it reads as an unknown parent.
    assert response.status_code == 400
    assert "parent" in response.json()
    assert Area.objects.count() == before


def test_a_duplicate_name_is_a_400_naming_the_field(world, api):
    response = api(world.reviewer).post(
        LIST, {"parent": world.township.code, "name": "东冶村"}, format="json"
    )

    assert response.status_code == 400
    assert "name" in response.json()


def test_a_read_only_role_is_refused_before_its_body_is_read(world, api):
    before = Area.objects.count()
    for user in (world.analyst, world.inspector, world.city_viewer):
        response = api(user).post(LIST, {}, format="json")

        assert response.status_code == 403, (user.username, response.json())
    assert Area.objects.count() == before
