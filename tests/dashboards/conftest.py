"""A county with monitored households, incomes and a problem, entered through the real actions
on a fixed day (2026-12-10): the dashboards' and the standard reports' figures are counted
from it by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from jingzhun.registry import actions as registry
from jingzhun.supervision import actions as supervision
from tests import factories

TODAY = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def monitored(world: Any, village: Any, number: str, user: Any = None, **fields: Any) -> Any:
    return factories.make_household(
        world.actor(user or world.approver), village, number, members=False,
        household_type="monitored", exit_year=None, exited_on=None, **fields,
    )  # fmt: skip


@pytest.fixture
def county(world: Any) -> dict[str, Any]:
    actor = world.actor(world.approver)
    well = factories.make_household(actor, world.village, "140922100001001")
    poor = factories.make_household(actor, world.village, "140922100001002")
    registry.do_set_income(
        poor, actor=actor, year=2024, values={"wage": Decimal("3000")},
        expected_version=poor.incomes.get(year=2024).version,
    )  # fmt: skip
    new = monitored(
        world, world.village, "140922100001003", monitoring_category="marginal",
        monitoring_identified_on=dt.date(2026, 12, 1), risks=[("illness", "")],
    )  # fmt: skip
    monitored(
        world, world.village, "140922100001004", monitoring_category="marginal",
        monitoring_identified_on=dt.date(2026, 3, 1), risk_eliminated=True,
        risk_eliminated_on=dt.date(2026, 6, 1), elimination_method="assisted",
        risks=[("unsafe_water", "")],
    )  # fmt: skip
    monitored(
        world, world.far_village, "140922200001001", monitoring_category="sudden_hardship",
        monitoring_identified_on=dt.date(2026, 11, 15), risks=[("natural_disaster", "")],
    )  # fmt: skip
    monitored(
        world, world.other_county_village, "140921100001001", world.outsider,
        monitoring_category="marginal",
        monitoring_identified_on=dt.date(2026, 12, 2), risks=[("illness", "")],
    )  # fmt: skip
    supervision.do_create_problem(
        actor=world.actor(world.inspector),
        area=world.village,
        values={
            "source": "审计", "category": "资金使用", "description": "资金未按时发放",
            "found_on": "2026-10-01", "responsible_unit": "东冶村委会", "deadline": "2026-11-30",
        },
    )  # fmt: skip
    return {"well": well, "poor": poor, "new": new}
