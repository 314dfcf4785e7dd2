"""The dashboards in the real browser: the charts are drawn (ECharts, from the project's own
files, under the Content-Security-Policy), a figure and a chart's bar open the households
behind them, and the page fits a phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True}


def test_the_county_dashboard_draws_its_charts_and_opens_the_lists(shanxi, world, log_in):
    actor = world.actor(world.approver)
    factories.make_household(actor, world.village, "140922100001001")
    factories.make_household(
        actor, world.village, "140922100001002", members=False, household_type="monitored",
        exit_year=None, exited_on=None, monitoring_category="marginal",
        monitoring_identified_on=dt.date(2024, 1, 5), risks=[("illness", "")],
    )  # fmt: skip
    page = log_in(world.approver)
    page.goto("/dashboard/")
    assert "县级工作台" in page.content()
    drawn = page.locator('[data-dashboard][data-drawn="1"]')
    drawn.first.wait_for()
    names = {drawn.nth(i).get_attribute("data-dashboard") for i in range(drawn.count())}
    assert {"categories", "risks", "incomes", "children"} <= names
    assert page.locator('[data-dashboard="risks"] svg path').count() > 0  # bars were drawn
    # The townships on the map (tiles: no boundaries loaded in this test).
    page.locator('[data-area-map][data-drawn="tiles"]').wait_for()
    assert page.locator("#children-map svg").count() == 1

    page.get_by_role("link", name=re.compile("风险未消除的监测对象")).first.click()
    page.wait_for_url("**/households/?*at_risk=1*")
    assert page.locator("#total").inner_text() == "1"

    # A township's row opens the township's own dashboard.
    page.goto("/dashboard/")
    page.get_by_role("link", name=world.township.name).first.click()
    page.wait_for_url(f"**/dashboard/{world.township.code}/")
    assert "乡级工作台" in page.content()


def test_the_village_dashboard_fits_a_phone(shanxi, world, log_in):
    page = log_in(world.cadre, **PHONE)
    response = page.goto("/dashboard/")
    assert response is not None and response.status == 200
    page.locator('[data-dashboard="incomes"][data-drawn="1"]').wait_for()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
