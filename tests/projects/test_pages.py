"""The project and asset pages per persona: scoped lists with their query counts pinned, 404
outside the area, the next step offered to the role that may do it, the funds page with the
industry-share check, the xlsx reports against hand-computed figures, and the household page's
card of benefit links in one query."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jingzhun.assets import actions as asset_actions
from jingzhun.projects import actions
from tests import factories
from tests.conftest import login
from tests.projects import helpers as h


@pytest.fixture
def library(world):
    household = factories.make_household(world.actor(), world.village, number="140922100001001")
    a = h.approved(world)
    b = h.approved(
        world,
        area=world.far_village,
        by=world.approver,
        project_type="infrastructure",
        name="南村饮水工程",
        budget={"central": "200000"},
    )
    h.allocate(world, a, "300000")
    h.disburse(world, a, "150000")
    h.allocate(world, b, "100000")
    actions.do_link_benefit(
        a, actor=h.actor(world.cadre), household=household, kind="dividend", amount_per_year="600"
    )
    return {"a": a, "b": b, "household": household}


def _get(client, name, *args, **query):
    url = reverse(name, args=args)
    return client.get(url, query)


def test_the_project_list_is_scoped_per_persona(client, world, library):
    a, b = library["a"], library["b"]
    for user, shown, hidden in (
        (world.cadre, [a], [b]),
        (world.reviewer, [a], [b]),
        (world.approver, [a, b], []),
        (world.inspector, [a, b], []),
        (world.outsider, [], [a, b]),
    ):
        login(client, user)
        page = _get(client, "projects:list").content.decode()
        for p in shown:
            assert p.number in page, (user.username, p.name)
        for p in hidden:
            assert p.number not in page, (user.username, p.name)


def test_a_project_of_another_area_answers_404(client, world, library):
    login(client, world.outsider)
    assert _get(client, "projects:detail", library["a"].pk).status_code == 404
    login(client, world.sibling_cadre)
    assert _get(client, "projects:detail", library["a"].pk).status_code == 404
    response = client.post(reverse("projects:allocation", args=[library["a"].pk]), {})
    assert response.status_code == 404


def test_the_project_list_makes_the_same_few_queries_for_one_or_many_projects(
    client, world, library
):
    login(client, world.approver)
    with CaptureQueriesContext(connection) as few:
        assert _get(client, "projects:list").status_code == 200
    for n in range(5):
        h.new_project(world, name=f"项目{n}", by=world.approver, area=world.sibling_village)
    with CaptureQueriesContext(connection) as many:
        assert _get(client, "projects:list", year=h.today().year).status_code == 200
    assert len(many) == len(few) <= 12


def test_the_asset_list_makes_the_same_few_queries_for_one_or_many_assets(client, world):
    def add(n):
        asset_actions.do_create_asset(
            actor=h.actor(world.cadre),
            name=f"光伏{n}",
            asset_class="operating",
            kind="pv_station",
            area=world.village,
            owner_type="collective",
            owner_name="东冶村",
            custodian="东冶村",
            value="1",
            capacity="10",
        )

    add(0)
    login(client, world.cadre)
    with CaptureQueriesContext(connection) as few:
        assert _get(client, "assets:list").status_code == 200
    for n in range(1, 6):
        add(n)
    with CaptureQueriesContext(connection) as many:
        assert _get(client, "assets:list").status_code == 200
    assert len(many) == len(few) <= 10


def test_the_project_page_offers_the_next_step_to_its_role_only(client, world, library):
    project = library["a"]  # waiting at 实施: village cadre, township reviewer or county
    login(client, world.cadre)
    page = _get(client, "projects:detail", project.pk).content.decode()
    assert 'id="next-step"' in page and 'name="step_code" value="implementation"' in page
    assert "张建国" in page  # the beneficiary, in the cadre's own village
    login(client, world.inspector)
    page = _get(client, "projects:detail", project.pk).content.decode()
    assert 'id="next-step"' in page and 'name="step_code"' not in page
    response = client.post(reverse("projects:step", args=[project.pk]), {"on": h.today()})
    assert response.status_code == 403


def test_a_cadre_does_the_step_through_the_page(client, world, library):
    project = library["a"]
    login(client, world.cadre)
    response = client.post(
        reverse("projects:step", args=[project.pk]),
        {"version": project.version, "step_code": "implementation", "on": h.today().isoformat()},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.step_code == "acceptance"


def test_an_over_disbursement_through_the_page_shows_the_reason_and_changes_nothing(
    client, world, library
):
    project = library["a"]
    login(client, world.approver)
    before = h.snapshot()
    response = client.post(
        reverse("projects:disbursement", args=[project.pk]),
        {
            "source": "central",
            "on": h.today().isoformat(),
            "amount": "150000.01",
            "voucher": "PZ-X",
            "payee": "公司",
        },
        follow=True,
    )
    assert "超出已下达资金0.01元" in response.content.decode()
    assert h.snapshot() == before


def test_the_funds_page_shows_progress_and_the_industry_share_check(client, world, library):
    login(client, world.approver)
    page = _get(client, "projects:funds", year=h.today().year).content.decode()
    # Central: planned 500,000, allocated 400,000, disbursed 150,000 (37.50%).
    assert "500,000.00" in page and "400,000.00" in page and "37.50%" in page
    # Industry share of central allocations: 300,000 / 400,000 = 75.00% against 60%.
    assert 'id="industry-share"' in page and "75.00%" in page and "达标" in page


def test_the_funds_xlsx_holds_the_hand_computed_figures(client, world, library):
    login(client, world.approver)
    response = _get(client, "projects:funds", year=h.today().year, format="xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    central = next(r for r in rows if r[1] == "中央财政衔接资金")
    assert central[2:7] == [500000, 400000, 150000, 80, 37.5]
    total = next(r for r in rows if r[1] == "合计")
    assert total[2:5] == [600000, 400000, 150000]
    by_area = book.worksheets[1]
    names = [r[1].value for r in by_area.iter_rows(min_row=4) if r[1].value]
    assert world.township.name in names and world.other_township.name in names


def test_the_benefit_report_counts_projects_and_households(client, world, library):
    login(client, world.approver)
    response = _get(client, "projects:report", year=h.today().year, format="xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = {r[1].value: [c.value for c in r[2:6]] for r in sheet.iter_rows(min_row=4) if r[1].value}
    assert rows["产业发展"] == [1, 1, 1, 600]
    assert rows["基础设施"] == [1, 0, 0, 0]
    assert rows["合计"] == [2, 1, 1, 600]


def test_the_household_page_shows_its_benefit_links_in_one_query(client, world, library):
    household = library["household"]
    login(client, world.cadre)
    url = reverse("household_detail", args=[household.pk])
    page = client.get(url).content.decode()
    assert 'id="benefits"' in page and library["a"].name in page and "入股分红" in page
    with CaptureQueriesContext(connection) as with_one:
        client.get(url)
    h.walk(world, library["a"], until="handover")  # (no new link)
    b = h.approved(world, name="东冶村冷库", budget={"county": "50000"})
    actions.do_link_benefit(
        b, actor=h.actor(world.cadre), household=household, kind="wages", amount_per_year="2400"
    )
    with CaptureQueriesContext(connection) as with_two:
        page = client.get(url).content.decode()
    assert "东冶村冷库" in page
    assert len(with_two) == len(with_one)


def test_the_asset_report_shows_the_pv_share_and_exports_it(client, world):
    for n, (area, capacity) in enumerate(((world.village, "300"), (world.county, "700"))):
        asset_actions.do_create_asset(
            actor=h.actor(world.approver),
            name=f"光伏{n}",
            asset_class="operating",
            kind="pv_station",
            area=area,
            owner_type="collective",
            owner_name="村集体",
            custodian="村集体",
            value="1",
            capacity=capacity,
        )
    login(client, world.approver)
    page = _get(client, "assets:report").content.decode()
    assert "30.00" in page
    response = _get(client, "assets:report", format="xlsx")
    sheet = load_workbook(io.BytesIO(response.content))["光伏装机容量"]
    rows = {r[1].value: r for r in sheet.iter_rows(min_row=4) if r[1].value}
    assert rows["村级光伏电站合计"][4].value == 300
    assert rows["村级光伏电站合计"][5].value == 30
    login(client, world.outsider)
    assert _get(client, "assets:report", area=world.county.code).status_code == 404


def test_the_disclosure_list_publishes_an_annual_plan(client, world, library):
    login(client, world.approver)
    response = client.post(
        reverse("projects:disclosures"),
        {
            "kind": "plan",
            "year": h.today().year,
            "starts_on": h.today().isoformat(),
            "place": "县政府网站",
            "contact": "县乡村振兴局",
        },
    )
    assert response.status_code == 302
    listing = _get(client, "projects:disclosures").content.decode()
    assert "年度巩固拓展脱贫攻坚成果和乡村振兴项目计划公告" in listing
    login(client, world.inspector)
    response = client.post(reverse("projects:disclosures"), {"kind": "plan"})
    assert response.status_code == 403


def test_money_is_plain_decimal_in_the_figures(world, library):
    from jingzhun.projects import queries

    figures = queries.fund_figures(world.cadre, year=h.today().year)
    assert figures.total.planned == Decimal("400000")  # the cadre sees the village's project


def test_the_home_worklist_lists_projects_waiting_for_my_role(client, world):
    project = h.new_project(world)  # waiting at 论证审核: the county approver
    login(client, world.approver)
    items = {i.key: i for i in client.get(reverse("home")).context["items"]}
    assert items["projects"].count == 1 and project.number in items["projects"].lines[0].text
    login(client, world.cadre)
    items = {i.key for i in client.get(reverse("home")).context["items"]}
    assert "projects" not in items
