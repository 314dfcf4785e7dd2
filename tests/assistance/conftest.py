"""A county with cadres, households to pair and visit, on a fixed day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from jingzhun.assistance import actions
from jingzhun.assistance.models import Cadre
from jingzhun.policy.parameters import invalidate_cache
from tests import factories

TODAY = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    """Every test runs on 2026-12-01."""
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def fresh_parameters():
    """Tests add parameter values in transactions that roll back; SQLite may reuse their ids,
    so the cached parameter set is dropped around each test."""
    invalidate_cache()
    yield
    invalidate_cache()


@pytest.fixture
def homes(world: Any) -> dict[str, Any]:
    """Two 脱贫户 in 东冶村, one 一般农户 in 西冶村, one 脱贫户 in 南村 (other township)."""
    return {
        "a": factories.make_household(world.actor(), world.village, number="140922100001001"),
        "b": factories.make_household(world.actor(), world.village, number="140922100001002"),
        "ordinary": factories.make_household(
            world.actor(world.sibling_cadre),
            world.sibling_village,
            number="140922100002001",
            household_type="ordinary",
            identified_on=None,
            exit_year=None,
            exited_on=None,
            main_cause="",
            poverty_attribute="",
            identification_standard="",
        ),
        "far": factories.make_household(
            world.actor(world.approver), world.far_village, number="140922200001001"
        ),
    }


def new_cadre(world: Any, area: Any = None, name: str = "王帮扶", **values: Any) -> Cadre:
    return actions.do_save_cadre(
        actor=world.actor(world.approver),
        values={"name": name, "unit": "县农业农村局", "area": area or world.township, **values},
    )
