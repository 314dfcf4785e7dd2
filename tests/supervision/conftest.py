"""A county with problems entered through the real actions, on a fixed day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from jingzhun.supervision import actions
from jingzhun.supervision.models import Problem

TODAY = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    """Every test runs on 2026-12-01."""
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def values(**overrides: Any) -> dict[str, Any]:
    return {
        "source": "审计",
        "category": "资金使用",
        "description": "到户产业奖补资金未按时发放",
        "found_on": "2026-10-08",
        "responsible_unit": "东冶村村民委员会",
        "responsible_person": "李支书",
        "deadline": "2026-12-31",
        "measures": "11月底前发放到户并公示",
        **overrides,
    }


def new_problem(world: Any, area: Any = None, user: Any = None, **overrides: Any) -> Problem:
    return actions.do_create_problem(
        actor=world.actor(user or world.inspector),
        area=area or world.village,
        values=values(**overrides),
    )


def rectified(world: Any, problem: Problem, user: Any = None) -> Problem:
    """Evidence recorded and closing asked for, by the staff of the problem's area."""
    actor = world.actor(user or world.cadre)
    actions.do_add_problem_evidence(actor=actor, problem=problem, text="已发放到户，公示无异议")
    return actions.do_submit_problem_closing(actor=actor, problem=problem)
