"""An area's dashboard: figures derived from the data, counted by hand here, every household
figure opening a list of exactly that many households, and the page per persona and scope."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from jingzhun.dashboards.figures import dashboard
from jingzhun.policy import parameters
from tests.conftest import login
from tests.dashboards.conftest import TODAY


def figures(items: list[Any]) -> dict[str, Any]:
    return {f.label: f.value for f in items}


def test_the_county_figures_are_counted_from_its_households(world, county) -> None:
    board = dashboard(world.approver, world.county, 2026, TODAY.date())
    monitoring = figures(board.monitoring)
    assert monitoring["农户（户）"] == 5  # the other county's household is not counted
    assert monitoring["风险未消除的监测对象"] == 2
    assert monitoring["本月新识别"] == 1
    assert monitoring["今年消除风险"] == 1
    assert figures(board.categories) == {"脱贫不稳定户": 0, "边缘易致贫户": 1, "突发严重困难户": 1}
    assert figures(board.risks) == {"因病": 1, "因自然灾害": 1}
    problems = figures(board.problems)
    assert (problems["发现问题"], problems["未销号"], problems["逾期未整改"]) == (1, 1, 1)
    assert problems["整改率"] == "0.0%"


def test_exited_incomes_are_compared_with_that_years_line(world, county) -> None:
    board = dashboard(world.approver, world.county, 2026, TODAY.date())
    year = next(y for y in board.incomes if y.year == 2024)
    line = parameters.value("poverty_line", on=2024, area_code=world.county.code).value
    assert year.line == line
    assert year.households == 2
    # 8,100 and 1,000 yuan per person: one below the line.
    assert year.below_line == 1
    assert year.average == Decimal(4550)
    assert [y.year for y in board.incomes] == [2022, 2023, 2024, 2025, 2026]


def test_the_areas_one_level_down_are_compared(world, county) -> None:
    board = dashboard(world.approver, world.county, 2026, TODAY.date())
    by_name = {ch.area.name: ch for ch in board.children}
    mine = by_name[world.township.name]
    assert (mine.households, mine.at_risk, mine.new, mine.problems_open) == (4, 1, 1, 1)
    other = by_name[world.other_township.name]
    assert (other.households, other.at_risk, other.new) == (1, 1, 0)


def total_of(client: Any, url: str) -> int:
    page = client.get(url)
    assert page.status_code == 200, url
    found = re.search(r'<strong id="total">([\d,]+)</strong>', page.content.decode())
    assert found, url
    return int(found.group(1).replace(",", ""))


def test_every_household_figure_opens_exactly_its_households(client, world, county) -> None:
    login(client, world.approver)
    board = dashboard(world.approver, world.county, 2026, TODAY.date())
    links = [
        f for f in board.monitoring + board.categories + board.risks
        if isinstance(f.value, int) and "/households/?" in f.url and f.label != "人口（人）"
    ]  # fmt: skip
    assert len(links) >= 7
    for f in links:
        assert total_of(client, f.url) == f.value, (f.label, f.url)
    for child in board.children:
        assert total_of(client, child.links["at_risk"]) == child.at_risk
        assert total_of(client, child.links["new"]) == child.new
    income = next(y for y in board.incomes if y.year == 2024)
    assert total_of(client, income.links["below_line"]) == income.below_line


def test_the_page_shows_each_level_its_own_area(client, world, county) -> None:
    page = login(client, world.approver).get("/dashboard/")
    text = page.content.decode()
    assert page.status_code == 200 and "县级工作台" in text and 'id="dashboard-data"' in text
    assert world.township.name in text  # the areas one level down
    village = login(client, world.cadre).get("/dashboard/")
    assert "村级工作台" in village.content.decode()
    assert client.get(f"/dashboard/{world.county.code}/").status_code == 404
    city = login(client, world.city_viewer).get(f"/dashboard/{world.county.code}/")
    assert city.status_code == 200 and "五台县" in city.content.decode()
    assert login(client, world.outsider).get(f"/dashboard/{world.village.code}/").status_code == 404


def test_a_list_filtered_by_monitoring_dates_says_so_and_refuses_a_bad_date(client, world, county):
    login(client, world.approver)
    page = client.get("/households/?identified_from=2026-12-01")
    assert "识别监测时间不早于2026-12-01" in page.content.decode()
    assert total_of(client, "/households/?identified_from=2026-12-01") == 1
    bad = client.get("/households/?eliminated_from=2026-13-01")
    assert "不是日期" in bad.content.decode()


def test_households_with_measures_this_year_open_as_a_list(client, world, county) -> None:
    from jingzhun.registry import actions as registry

    registry.do_set_measures(
        county["well"], actor=world.actor(world.approver), year=2026,
        values={"industry_aid": "产业奖补"},
    )  # fmt: skip
    board = dashboard(world.approver, world.county, 2026, TODAY.date())
    figure = next(f for f in board.assistance if "有帮扶措施" in f.label)
    assert figure.value == 1
    login(client, world.approver)
    assert total_of(client, figure.url) == 1
    assert "2026年有帮扶措施" in client.get(figure.url).content.decode()


def test_the_areas_one_level_down_are_on_a_map_coloured_worse_in_red(client, world, county):
    from jingzhun.areas.boundaries import do_load_boundaries, parse_boundaries
    from jingzhun.core.actions import Actor
    from jingzhun.dashboards.figures import children_map
    from tests.areas.test_boundaries import SOURCE, collection, square

    board = dashboard(world.approver, world.county, 2026, TODAY.date())
    tiles = children_map(board, "at_risk")
    assert tiles["mode"] == "tiles"  # no boundaries loaded: tiles sized by households
    by_code = {item["code"]: item for item in tiles["items"]}
    mine = by_code[world.township.code]
    assert (mine["value"], mine["size"]) == (25.0, 4)  # 1 of 4 households at risk
    assert mine["url"] == f"/dashboard/{world.township.code}/"
    assert tiles["low"] > tiles["high"]  # more at risk is worse: the scale is reversed
    quality = children_map(board, "quality")
    assert quality["low"] <= quality["high"]
    children = [ch.area for ch in board.children]
    parsed = parse_boundaries(
        collection(*((a.code, square(i, 0), a.name) for i, a in enumerate(children))), "adcode"
    )
    do_load_boundaries(actor=Actor(user=None, source="command"), parsed=parsed, source=SOURCE)
    assert children_map(board, "at_risk")["mode"] == "geo"
    page = login(client, world.approver).get("/dashboard/?map=problems").content.decode()
    assert 'data-area-map="children-map-data"' in page and 'id="children-map-data"' in page


def test_listed_supervision_under_the_area_is_counted_and_opens_the_battle_map(
    client, world, county
):
    import datetime as dt

    from jingzhun.supervision import listing_actions

    actor = world.actor(world.approver)
    listing = listing_actions.do_create_listing(
        actor=actor,
        area=world.village,
        values={
            "reason": "监测对象多", "supervisor_name": "张县长", "supervisor_post": "副县长",
            "supervising_unit": "县乡村振兴局", "starts_on": dt.date(2026, 11, 1),
            "ends_on": dt.date(2027, 3, 1),
        },
    )  # fmt: skip
    for text, deadline in (("危房改造", dt.date(2026, 12, 1)), ("饮水工程", dt.date(2027, 1, 1))):
        listing_actions.do_add_listing_task(
            actor=actor, listing=listing,
            values={"text": text, "owner_unit": "东冶村委会", "owner_person": "李支书",
                    "deadline": deadline},
        )  # fmt: skip
    board = dashboard(world.approver, world.county, 2026, TODAY.date())
    found = figures(board.problems)
    assert (found["督战中的挂牌"], found["督战任务未完成"], found["督战任务逾期未完成"]) == (
        1,
        2,
        1,
    )
    url = next(f.url for f in board.problems if f.label == "督战中的挂牌")
    assert url == f"/listings/map/?area={world.county.code}"
    assert login(client, world.approver).get(url).status_code == 200
