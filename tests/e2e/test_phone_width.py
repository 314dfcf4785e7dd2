"""The pages a village cadre uses in the field work on a 390 px wide phone: nothing scrolls
sideways (tables scroll inside their own box or become cards), and the menu folds into a
button that opens it."""

from __future__ import annotations

import pytest

from jingzhun.cases import choices as cc
from tests.cases.helpers import new_household, open_case, people_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Not is_mobile: a mobile browser zooms a too-wide page out to fit, which would hide the overflow
# this test looks for.
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True}
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def test_the_cadres_field_pages_fit_a_phone_without_sideways_scrolling(
    shanxi, media, world, household, log_in
):
    people = people_of(world)
    case = open_case(people, new_household(world), cc.CaseType.MONITORING)
    page = log_in(world.cadre, **PHONE)
    paths = [
        "/",
        "/households/",
        f"/households/?q={household.number[:9]}",
        f"/households/{household.pk}/",
        f"/households/{household.pk}/edit/",
        f"/households/{household.pk}/cases/new/",
        f"/cases/{case.pk}/",
        "/cases/",
        "/cases/notices/",
        "/alerts/",
    ]
    wide = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        overflow = page.evaluate(OVERFLOW)
        if overflow > 0:
            wide[path] = overflow
    assert wide == {}, f"pages wider than the phone (extra px): {wide}"

    # The menu is a button: its links are hidden until it is pressed.
    page.goto("/")
    nav = page.locator("header.top nav")
    assert not nav.is_visible()
    page.locator("label.menu-button").click()
    assert nav.is_visible()
    nav.get_by_role("link", name="农户").click()
    page.wait_for_url("**/households/")


def test_the_household_page_draws_its_income_chart(shanxi, world, household, log_in):
    page = log_in(world.cadre, **PHONE)
    page.goto(f"/households/{household.pk}/")
    chart = page.locator("[data-chart]")
    chart.wait_for()
    page.wait_for_function("document.querySelector('[data-chart]').dataset.drawn === '1'")
    assert chart.locator("svg").count() >= 1
    assert page.evaluate(OVERFLOW) <= 0
