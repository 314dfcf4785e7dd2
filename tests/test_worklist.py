"""The home worklist per persona and the drill-down links: every line and figure opens a list
whose total is the number shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from jingzhun.accounts.roles import Role
from jingzhun.cases import choices as cc
from jingzhun.policy.models import EvaluationRun
from jingzhun.registry import actions
from tests import factories
from tests.cases.helpers import at, monitored, new_household, open_case, people_of, walk
from tests.conftest import login

YEAR = 2024
TODAY = dt.date(2025, 3, 10)


@pytest.fixture
def stored_run(world, settings, tmp_path):
    """A county run of 2024: one 脱贫户 well above the line, one below it (not monitored), one
    monitored household below it, and a household of another county."""
    settings.SNAPSHOT_DIR = tmp_path / "snapshot"
    settings.VAR_DIR = tmp_path / "var"
    actor = world.actor(world.approver)
    rich = factories.make_household(actor, world.village, number="140922100001001")
    poor = factories.make_household(actor, world.far_village, number="140922100002001")
    watched = monitored(world)
    for household in (poor, watched):
        income = household.incomes.get(year=YEAR)
        actions.do_set_income(
            household,
            actor=actor,
            year=YEAR,
            values={"wage": Decimal(6000), "business": Decimal(0), "business_expense": Decimal(0)},
            expected_version=income.version,
            reason="核实后更正",
        )
    factories.make_household(
        world.actor(world.outsider), world.other_county_village, number="140921100001001"
    )
    call_command(
        "evaluate",
        year=YEAR,
        area=world.county.code,
        store=True,
        stdout=StringIO(),
        stderr=StringIO(),
    )
    return {"rich": rich, "poor": poor, "watched": watched, "run": EvaluationRun.objects.get()}


def _item(response, key):
    return next((i for i in response.context["items"] if i.key == key), None)


def test_the_county_home_lists_households_in_the_range_that_are_not_monitored(
    stored_run, world, client
):
    login(client, world.approver)
    with at(TODAY):
        home = client.get(reverse("home"))
    item = _item(home, "unmonitored")
    assert item is not None and item.count == 1  # the monitored one is not on it
    listed = client.get(item.url)
    assert listed.context["total"] == 1
    assert [h.pk for h in listed.context["rows"]] == [stored_run["poor"].pk]
    # Its line: exited households below the year's threshold (脱贫不稳定户), the same one.
    (line,) = item.lines
    assert "unstable_exited" in line.url
    assert client.get(line.url).context["total"] == 1


def test_a_village_cadre_sees_only_the_villages_own_part_of_the_run(stored_run, world, client):
    login(client, world.cadre)  # the poor household is in another township's village
    with at(TODAY):
        home = client.get(reverse("home"))
    assert _item(home, "unmonitored") is None
    url = reverse("household_list") + f"?run={stored_run['run'].pk}&decision=unmonitored"
    assert client.get(url).context["total"] == 0


def test_an_evaluation_filter_by_failed_criterion_lists_those_households(stored_run, world, client):
    login(client, world.approver)
    run = stored_run["run"]
    url = reverse("household_list")
    failing = client.get(url, {"run": run.pk, "decision": "monitoring", "status": "pass"})
    assert {h.pk for h in failing.context["rows"]} == {
        stored_run["poor"].pk,
        stored_run["watched"].pk,
    }
    assert failing.context["total"] == 2
    by_income = client.get(
        url, {"run": run.pk, "decision": "exit_standard", "failed": "E-INCOME"}
    ).context
    assert stored_run["rich"].pk not in {h.pk for h in by_income["rows"]}
    # Combined with a registry filter: only the monitored one.
    both = client.get(
        url,
        {"run": run.pk, "decision": "monitoring", "status": "pass", "household_type": "monitored"},
    )
    assert [h.pk for h in both.context["rows"]] == [stored_run["watched"].pk]
    assert both.context["total"] == 1
    bad = client.get(url, {"run": run.pk, "decision": "monitoring", "status": "maybe"})
    assert "status" in bad.context["errors"] and bad.context["total"] == 0


def test_an_evaluation_list_pages_by_keyset_without_losing_or_repeating(
    stored_run, world, client, settings
):
    settings.JINGZHUN_PAGE_SIZE = 1
    login(client, world.approver)
    params = {"run": stored_run["run"].pk, "decision": "monitoring", "status": "pass"}
    seen = []
    response = client.get(reverse("household_list"), params)
    while True:
        seen += [h.pk for h in response.context["rows"]]
        after = response.context["next_after"]
        if not after:
            break
        response = client.get(reverse("household_list"), params | {"after": after})
    assert sorted(seen) == sorted([stored_run["poor"].pk, stored_run["watched"].pk])


def test_the_household_list_filters_by_income_range_of_a_year(stored_run, world, client):
    login(client, world.approver)
    url = reverse("household_list")
    low = client.get(url, {"year": YEAR, "income_max": "3000"}).context
    assert {h.pk for h in low["rows"]} == {stored_run["poor"].pk, stored_run["watched"].pk}
    assert low["total"] == 2
    high = client.get(url, {"year": YEAR, "income_min": "3000"}).context
    assert [h.pk for h in high["rows"]] == [stored_run["rich"].pk]
    no_year = client.get(url, {"income_min": "3000"}).context
    assert "year" in no_year["errors"]
    assert "income_min" in client.get(url, {"year": YEAR, "income_min": "abc"}).context["errors"]


def test_the_headline_figures_open_lists_with_the_same_count(stored_run, world, client):
    login(client, world.approver)
    with at(TODAY):
        home = client.get(reverse("home"))
    filtered = [f for f in home.context["figures"] if "?" in f.url]
    assert len(filtered) == 4  # 脱贫户, 监测户, 风险未消除, 一般农户
    for figure in filtered:
        assert client.get(figure.url).context["total"] == figure.value, figure.label
    # The area's households and people open the whole list (not counted again: it is the area).
    at_risk = next(f for f in home.context["figures"] if f.url.endswith("at_risk=1"))
    assert at_risk.value == 1


def test_the_reviewer_home_lists_a_case_waiting_with_days_left_and_the_overdue_first(world, client):
    people = people_of(world)
    household = new_household(world)
    case = walk(people, open_case(people, household, cc.CaseType.MONITORING), until="review")
    assert case.step_role == Role.TOWNSHIP_REVIEWER
    login(client, world.reviewer)
    with at(TODAY):
        home = client.get(reverse("home"))
    item = _item(home, "cases")
    assert item is not None and item.count == 1
    assert item.lines[0].url == reverse("cases:detail", args=[case.pk])
    assert item.lines[0].note  # days left or overdue
    # The cadre has nothing waiting for their role.
    login(client, world.cadre)
    with at(TODAY):
        assert _item(client.get(reverse("home")), "cases") is None
    # The overview's count of this step opens the household.
    login(client, world.approver)
    with at(TODAY):
        overview = client.get(reverse("cases:overview"))
    (row,) = [r for r in overview.context["by_step"] if r.step_code == case.step_code]
    url = (
        reverse("household_list")
        + f"?area={world.county.code}&case_type={row.case_type}&step={row.step_code}"
    )
    assert url.split("?")[1] in overview.content.decode().replace("&amp;", "&")
    listed = client.get(url)
    assert listed.context["total"] == row.open == 1
    assert [h.pk for h in listed.context["rows"]] == [household.pk]


def test_a_user_without_anything_to_do_is_told_so(world, client):
    login(client, world.sibling_cadre)
    with at(TODAY):
        page = client.get(reverse("home")).content.decode()
    assert 'id="work-none"' in page


def test_the_home_page_pins_its_queries(stored_run, world, client, django_assert_num_queries):
    people = people_of(world)
    walk(people, open_case(people, new_household(world), cc.CaseType.MONITORING), until="review")
    login(client, world.approver)
    with at(TODAY):
        client.get(reverse("home"))  # sessions, caches
        with django_assert_num_queries(QUERIES_HOME):
            client.get(reverse("home"))


# Session and user, the cases' count, overdue count and first lines, notices ending, objections,
# quality runs, the evaluation run and its counts, alerts' counts and first lines, projects
# waiting for my role (a count; their first lines only when there are some), the figures.
QUERIES_HOME = 15


def test_the_household_page_charts_incomes_against_the_years_lines(stored_run, world, client):
    login(client, world.approver)
    page = client.get(reverse("household_detail", args=[stored_run["poor"].pk]))
    chart = page.context["income_chart"]
    assert chart["years"] == ["2024"]
    income, line, threshold = chart["series"]
    assert income["data"] == [2000.0]
    assert line["data"][0] is not None and threshold["data"][0] >= line["data"][0]
    html = page.content.decode()
    assert "vendor/echarts-5.6.0.min.js" in html and 'id="income-chart-data"' in html
    # Own data before the verdict: members and incomes come before the policy panel.
    assert html.index("家庭成员") < html.index('id="policy"')


def test_a_village_list_offers_its_groups_and_filters_by_one(world, client):
    from jingzhun.areas.actions import do_create_area

    system = world.actor(world.admin)
    first = do_create_area(world.village, actor=system, name="一组")
    second = do_create_area(world.village, actor=system, name="二组")
    actor = world.actor()
    ours = factories.make_household(actor, world.village, number="140922100001011", group=first)
    factories.make_household(actor, world.village, number="140922100001012", group=second)
    login(client, world.cadre)
    page = client.get(reverse("household_list"))
    assert [g.pk for g in page.context["groups"]] == [first.pk, second.pk]
    listed = client.get(reverse("household_list"), {"group": first.code})
    assert [h.pk for h in listed.context["rows"]] == [ours.pk]
    assert listed.context["total"] == 1


def test_a_household_cannot_join_another_villages_group(world):
    from django.core.exceptions import ValidationError

    from jingzhun.areas.actions import do_create_area

    elsewhere = do_create_area(world.sibling_village, actor=world.actor(world.admin), name="一组")
    with pytest.raises(ValidationError) as refused:
        factories.make_household(
            world.actor(), world.village, number="140922100001013", group=elsewhere
        )
    assert "group" in refused.value.message_dict


def test_a_city_viewer_home_rolls_up_the_latest_run_of_each_county(stored_run, world, client):
    # An older run of the whole county is replaced by nothing newer; a township's newer run
    # inside it would overlap and is not counted twice.
    call_command(
        "evaluate",
        year=YEAR,
        area=world.other_township.code,
        store=True,
        stdout=StringIO(),
        stderr=StringIO(),
    )
    login(client, world.city_viewer)
    with at(TODAY):
        home = client.get(reverse("home"))
    item = _item(home, "unmonitored")
    assert item is not None and item.count == 1  # the poor household, counted once
    (line,) = item.lines
    assert client.get(line.url).context["total"] == 1


def test_new_quality_findings_roll_up_each_countys_runs_for_a_city_viewer(world, client):
    """Each county's latest run against that county's run before (same year), the increases
    added per check; a village cadre sees only the village's part."""
    from django.utils import timezone

    from jingzhun.quality.checks import CATALOGUE
    from jingzhun.quality.models import QualityCount, QualityRun

    code = sorted(CATALOGUE)[0]

    def run(area, findings: dict[str, int]) -> QualityRun:
        stored = QualityRun.objects.create(
            area_code=area.code, year=YEAR, status="done", finished_at=timezone.now()
        )
        QualityCount.objects.bulk_create(
            QualityCount(run=stored, check_code=code, village_code=v, findings=n)
            for v, n in findings.items()
        )
        return stored

    village, other = world.village.code, world.other_county_village.code
    run(world.county, {village: 2})
    run(world.other_county, {other: 5})
    run(world.county, {village: 3})  # +1
    run(world.other_county, {other: 9})  # +4
    login(client, world.city_viewer)
    item = _item(client.get(reverse("home")), "quality")
    assert item is not None and item.count == 5
    (line,) = item.lines
    assert line.url == f"/households/?check={code}"  # the list rolls up the same latest runs
    login(client, world.cadre)
    item = _item(client.get(reverse("home")), "quality")
    assert item is not None and item.count == 1  # the village's part of its county's run
