"""The battle map (作战图) and a listing's progress chart in a browser: tiles without
boundaries, a choropleth once every township has one, a click opening the listing, all within
a phone's width and the Content-Security-Policy (no inline script)."""

from __future__ import annotations

import json

import pytest

from jingzhun.areas.boundaries import do_load_boundaries, parse_boundaries
from jingzhun.areas.models import Area
from jingzhun.core.actions import Actor
from jingzhun.supervision.listings import TaskStatus
from tests.supervision.listing_helpers import new_listing, new_task, report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True}
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def _boundaries(county: Area) -> None:
    townships = list(Area.objects.filter(parent=county).order_by("code"))
    features = [
        {
            "type": "Feature",
            "properties": {"code": a.code},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1], [i, 0]]],
            },
        }
        for i, a in enumerate(townships)
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features})
    do_load_boundaries(
        actor=Actor(user=None, source="command"),
        parsed=parse_boundaries(text, "code"),
        source="测试用示意形状",
    )


def test_the_battle_map_draws_tiles_then_a_choropleth_and_opens_the_listing(shanxi, world, log_in):
    listing = new_listing(world)
    report(world, new_task(world, listing), TaskStatus.DONE, user=world.reviewer)
    new_task(world, listing, deadline="2099-12-31")
    page = log_in(world.approver, **PHONE)
    page.goto("/listings/map/")
    box = page.locator("[data-area-map]")
    box.locator("svg").first.wait_for()
    assert box.get_attribute("data-drawn") == "tiles"
    assert page.evaluate(OVERFLOW) <= 0
    # The listed township's tile reads 50% and opens the listing.
    tile = box.locator("svg text", has_text="50%").first
    tile.click(force=True)
    page.wait_for_url(f"**/listings/{listing.pk}/")
    page.locator("[data-chart] svg").first.wait_for()
    assert page.evaluate(OVERFLOW) <= 0

    _boundaries(world.county)
    page.goto("/listings/map/")
    box = page.locator("[data-area-map]")
    box.locator("svg path").first.wait_for()
    assert box.get_attribute("data-drawn") == "geo"
