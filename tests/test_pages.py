"""Every page renders for the right persona and refuses the wrong one like a missing record."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conftest import login


def without_tokens(content: bytes) -> bytes:
    """The page body, minus what differs per request anyway (CSRF tokens)."""
    main = re.search(rb"<main>.*</main>", content, re.S)
    assert main is not None
    return re.sub(rb'csrfmiddlewaretoken" value="[^"]+', b"", main.group(0))


def household_urls(household) -> list[str]:
    member = household.members.first()
    return [
        reverse("household_detail", args=[household.pk]),
        reverse("household_edit", args=[household.pk]),
        reverse("household_delete", args=[household.pk]),
        reverse("member_create", args=[household.pk]),
        reverse("member_edit", args=[member.pk]),
        reverse("member_remove", args=[member.pk]),
        reverse("income_create", args=[household.pk]),
        reverse("income_edit", args=[household.pk, 2024]),
        reverse("conditions_create", args=[household.pk]),
    ]


def test_every_household_page_renders_for_the_village_cadre(client, world, household):
    login(client, world.cadre)
    for url in household_urls(household):
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("persona", ["outsider", "sibling_cadre", "other_reviewer"])
def test_out_of_scope_users_get_the_same_404_as_for_a_missing_record(
    client, world, household, persona
):
    login(client, getattr(world, persona))
    missing = client.get(reverse("household_detail", args=[999_999]))
    assert missing.status_code == 404
    for url in household_urls(household):
        response = client.get(url)
        assert response.status_code == 404, url
        assert without_tokens(response.content) == without_tokens(missing.content)
    for url in household_urls(household):
        assert client.post(url, {"reason": "x", "name": "x"}).status_code == 404, url


def test_read_only_roles_see_the_household_but_cannot_open_forms(client, world, household):
    for persona in ("analyst", "inspector", "city_viewer", "province_viewer"):
        login(client, getattr(world, persona))
        assert client.get(reverse("household_detail", args=[household.pk])).status_code == 200
        assert client.get(reverse("household_edit", args=[household.pk])).status_code == 403
        assert (
            client.post(
                reverse("household_delete", args=[household.pk]), {"reason": "x"}
            ).status_code
            == 403
        )
        assert client.get(reverse("household_create")).status_code == 403


def test_home_and_area_pages_show_counts_of_the_users_area(client, world, household):
    login(client, world.reviewer)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    figures = {f.label: f.value for f in home.context["figures"]}
    assert figures["农户（户）"] == 1
    assert figures["人口（人）"] == 3
    area = client.get(reverse("area_detail", args=[world.township.code]))
    counts = {c.code: c.household_count for c in area.context["children"]}
    assert counts[world.village.code] == 1
    assert counts[world.sibling_village.code] == 0
    assert client.get(reverse("area_detail", args=[world.other_county.code])).status_code == 404


def test_login_page_and_anonymous_redirect(client, world):
    assert client.get(reverse("login")).status_code == 200
    response = client.get(reverse("household_list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_interface_is_chinese_by_default_and_english_on_request(client, world, household):
    login(client, world.cadre)
    url = reverse("household_detail", args=[household.pk])
    chinese = client.get(url).content.decode()
    assert "家庭成员" in chinese and 'lang="zh-hans"' in chinese
    client.post(reverse("set_language"), {"language": "en", "next": url})
    english = client.get(url).content.decode()
    assert "Members" in english and 'lang="en"' in english


def test_pages_load_no_asset_from_outside_the_server(client, world, household):
    login(client, world.cadre)
    page = client.get(reverse("household_list")).content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(client, world):
    login(client, world.cadre)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in page


def test_every_static_asset_the_templates_name_is_served_by_the_app(client):
    from pathlib import Path

    from django.conf import settings
    from django.contrib.staticfiles import finders

    names = set()
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        names |= set(re.findall(r"{% static '([^']+)' %}", template.read_text()))
    assert names, "templates reference static files"
    for name in names:
        assert finders.find(name), name


def test_ancestors_come_in_one_query_from_province_down(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        chain = world.village.ancestors()
    assert [a.code for a in chain] == ["140000", "140900", "140922", world.township.code]
