"""The reports against the hand-computed figures of the fixture (conftest.py), their xlsx, and
the pages per persona: scope, refusals, forms, the household page's card, query counts."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from jingzhun.exports.models import ExportLog
from jingzhun.policy.parameters import value
from jingzhun.relocation import queries
from jingzhun.relocation.models import FollowUpMeasure, MemberJob, Relocation, ResettlementSite
from tests import factories
from tests.conftest import login
from tests.relocation.conftest import DAY, head

pytestmark = pytest.mark.django_db


def test_working_age_comes_from_the_policy_parameters(world):
    low = int(value("labour_age_min", on=DAY, area_code=world.village.code).value)
    high = int(value("labour_age_max", on=DAY, area_code=world.village.code).value)
    assert queries.working_ages(world.village.code, DAY) == (low, high) == (16, 59)


def test_the_site_figures_match_the_hand_computed_ones(world, county):
    f = queries.site_figures(world.approver, [county.site], DAY)[county.site.pk]
    assert (f.households, f.people_moved, f.people, f.working_age) == (2, 6, 6, 4)
    assert (f.working_age_employed, f.employed) == (1, 1)
    assert f.without_employment == [county.rb.pk]
    assert f.labour_without_employment == 1
    listed = queries.households_without_employment(world.approver, f.without_employment, DAY)
    assert [(r["household"].number, r["people"], r["working_age"]) for r in listed] == [
        (county.b.number, 3, 2)
    ]


def test_a_site_counts_only_the_households_of_the_users_area(world, county):
    f = queries.site_figures(world.sibling_cadre, [county.site], DAY)[county.site.pk]
    assert f.households == 0  # the site's households are all of 东冶村


def test_relocation_by_year_matches_the_hand_computed_figures(world, county):
    figures = queries.by_year(world.approver)
    assert figures["years"] == [
        {"year": 2018, "villages": 1, "households": 2, "people": 6},
        {"year": 2019, "villages": 0, "households": 1, "people": 3},
    ]
    assert [(r["year"], r["area_code"], r["households"]) for r in figures["rows"]] == [
        (2018, world.township.code, 2),
        (2019, world.township.code, 1),
    ]
    # A village cadre: their own village only.
    assert queries.by_year(world.cadre)["years"] == [
        {"year": 2018, "villages": 1, "households": 2, "people": 6}
    ]
    assert queries.by_year(world.outsider)["years"] == []


def _sheet_rows(content: bytes, name: str) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(r) for r in book[name].iter_rows(values_only=True)]


def test_the_site_workbook_holds_the_figures_and_the_download_is_logged(client, world, county):
    login(client, world.approver)
    response = client.get(reverse("relocation:site_export", args=[county.site.pk]))
    assert response.status_code == 200
    summary = _sheet_rows(response.content, "安置点汇总")
    assert summary[0][0] == "五台县易地扶贫搬迁集中安置点就业情况统计表"
    assert summary[3] == (
        "东冶移民新村",
        world.township.name,
        "县城或城镇安置",
        3,
        10,
        2,
        6,
        6,
        4,
        1,
        1,
        1,
        1,
    )
    jobless = _sheet_rows(response.content, "无就业人员户")
    assert jobless[3][1:] == (county.b.number, "张建国", "东冶村", 3, 2)
    detail = _sheet_rows(response.content, "搬迁户明细")
    assert [row[1] for row in detail[3:]] == [county.a.number, county.b.number]
    log = ExportLog.objects.get()
    assert (log.what, log.row_count, log.user) == ("relocation", 2, world.approver)


def test_the_year_workbook_holds_the_years(client, world, county):
    login(client, world.approver)
    response = client.get(reverse("relocation:report_export"))
    years = _sheet_rows(response.content, "分年度汇总")
    assert years[3:] == [(2018, 1, 2, 6), (2019, 0, 1, 3)]
    assert len(_sheet_rows(response.content, "搬迁户明细")) == 3 + 3


PAGES = ("relocation:list", "relocation:sites", "relocation:report")


@pytest.mark.parametrize(
    "persona", ["cadre", "reviewer", "approver", "analyst", "inspector", "city_viewer"]
)
def test_every_in_area_persona_reads_the_pages(client, world, county, persona):
    login(client, getattr(world, persona))
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 200
    assert client.get(reverse("relocation:site", args=[county.site.pk])).status_code == 200
    page = client.get(reverse("relocation:household", args=[county.a.pk]))
    assert page.status_code == 200
    assert "东冶扶贫车间" in page.content.decode()


def test_an_outsider_sees_none_of_it(client, world, county):
    login(client, world.outsider)
    assert client.get(reverse("relocation:site", args=[county.site.pk])).status_code == 404
    assert client.get(reverse("relocation:household", args=[county.a.pk])).status_code == 404
    listing = client.get(reverse("relocation:list")).content.decode()
    assert county.a.number not in listing
    assert client.get(reverse("relocation:sites")).content.decode().count("东冶移民新村") == 0


def test_the_sibling_cadre_sees_the_site_but_not_the_other_villages_households(
    client, world, county
):
    login(client, world.sibling_cadre)
    page = client.get(reverse("relocation:site", args=[county.site.pk])).content.decode()
    assert "东冶移民新村" in page and county.b.number not in page
    assert client.get(reverse("relocation:household", args=[county.a.pk])).status_code == 404


def test_the_list_filters_by_site_year_mode_and_employment(client, world, county):
    login(client, world.approver)
    url = reverse("relocation:list")

    def numbers(**params) -> list[str]:
        html = client.get(url, params).content.decode()
        return [h.number for h in (county.a, county.b, county.c) if h.number in html]

    assert numbers() == [county.a.number, county.b.number, county.c.number]
    assert numbers(site=county.site.pk) == [county.a.number, county.b.number]
    assert numbers(year=2019) == [county.c.number]
    assert numbers(mode="dispersed") == [county.c.number]
    assert numbers(without_employment="1") == [county.b.number, county.c.number]


def test_the_list_pins_its_queries(client, world, county, django_assert_max_num_queries):
    cadre = world.actor(world.cadre)
    for i in range(5):  # more rows must not mean more queries
        h = factories.make_household(cadre, world.village, number=f"14092210000130{i}")
        from jingzhun.relocation import actions

        actions.do_record_relocation(
            actor=cadre, household=h, moved_on="2020-01-01", mode="dispersed", housing_area_m2=60
        )
    login(client, world.approver)
    client.get(reverse("relocation:list"))
    with django_assert_max_num_queries(6):
        assert client.get(reverse("relocation:list")).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("relocation:sites")).status_code == 200


def test_the_household_page_shows_the_card_with_one_more_query(client, world, county):
    login(client, world.cadre)
    html = client.get(reverse("household_detail", args=[county.a.pk])).content.decode()
    assert 'id="relocation"' in html and "东冶移民新村" in html
    plain = client.get(
        reverse(
            "household_detail",
            args=[
                factories.make_household(world.actor(), world.village, number="140922100001199").pk
            ],
        )
    ).content.decode()
    assert 'id="relocation"' not in plain and "录入易地搬迁" in plain


def test_the_cadre_records_a_move_a_job_and_a_measure_through_the_forms(client, world, site):
    household = factories.make_household(world.actor(), world.village, number="140922100001150")
    login(client, world.cadre)
    url = reverse("relocation:household", args=[household.pk])
    response = client.post(
        url,
        {"moved_on": "2019-08-01", "mode": "centralised", "site": site.pk, "housing_area_m2": "70"},
    )
    assert response.status_code == 302
    relocation = Relocation.objects.get(household=household)
    response = client.post(
        reverse("relocation:job", args=[household.pk]),
        {
            "member": head(household).pk,
            "employed": "1",
            "place": "local",
            "channel": "public_welfare",
            "since": "2019-10-01",
        },
    )
    assert response.status_code == 302
    assert MemberJob.objects.get(relocation=relocation).channel == "public_welfare"
    response = client.post(
        reverse("relocation:measure", args=[household.pk]),
        {"kind": "fee_relief", "on": "2020-01-01", "amount": "300"},
    )
    assert response.status_code == 302
    assert FollowUpMeasure.objects.get(relocation=relocation).aim == "stay"


def test_a_refused_form_comes_back_with_the_reason_and_nothing_changed(client, world, site):
    household = factories.make_household(world.actor(), world.village, number="140922100001151")
    login(client, world.cadre)
    response = client.post(
        reverse("relocation:household", args=[household.pk]),
        {"moved_on": "2026-01-01", "mode": "dispersed", "housing_area_m2": "70"},
    )
    assert response.status_code == 400
    assert "晚于今天" in response.content.decode()
    assert not Relocation.objects.exists()


def test_a_job_for_another_households_member_comes_back_refused(client, world, county):
    login(client, world.cadre)
    response = client.post(
        reverse("relocation:job", args=[county.a.pk]),
        {"member": head(county.b).pk, "employed": "0"},
    )
    assert response.status_code == 400
    assert "不是户" in response.content.decode()


def test_the_inspector_may_not_write_and_the_cadre_may_not_create_a_site(client, world, county):
    login(client, world.inspector)
    response = client.post(
        reverse("relocation:household", args=[county.b.pk]), {"mode": "dispersed"}
    )
    assert response.status_code == 403
    login(client, world.cadre)
    assert client.get(reverse("relocation:site_new")).status_code == 403
    # The site is seen county-wide but edited only from an area that holds it.
    assert client.get(reverse("relocation:site_edit", args=[county.site.pk])).status_code == 404
    login(client, world.analyst)
    assert client.get(reverse("relocation:site_edit", args=[county.site.pk])).status_code == 403


def test_the_reviewer_creates_and_edits_a_site_through_the_forms(client, world):
    login(client, world.reviewer)
    response = client.post(
        reverse("relocation:site_new"),
        {
            "name": "南坡安置小区",
            "area": world.township.code,
            "resettlement_type": "central_village",
            "capacity_households": 40,
            "capacity_people": 120,
            "built_year": 2018,
            "services": ["school", "shop"],
            "managing_unit": "南坡村委会",
        },
    )
    assert response.status_code == 302
    site = ResettlementSite.objects.get(name="南坡安置小区")
    assert site.services == ["school", "shop"]
    response = client.post(
        reverse("relocation:site_edit", args=[site.pk]),
        {
            "name": "南坡安置小区",
            "area": site.area_code,
            "resettlement_type": "central_village",
            "capacity_households": 50,
            "capacity_people": 150,
            "built_year": 2018,
            "services": ["school"],
            "managing_unit": "南坡村委会",
            "version": site.version,
        },
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.capacity_households, site.services, site.version) == (50, ["school"], 2)


def test_nothing_depends_on_the_real_clock(world, county):
    assert county.ra.moved_on < dt.date(2025, 6, 30)
