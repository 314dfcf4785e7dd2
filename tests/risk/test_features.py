"""Features for year N are built from what was known on 31 December of N, and nothing later."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
import pytest

from jingzhun.registry import actions
from jingzhun.registry.models import Member
from jingzhun.risk import signals
from jingzhun.risk.backtest import year_frame
from jingzhun.risk.features import FEATURE_NAMES
from jingzhun.risk.labels import build_labels
from tests import factories
from tests.risk.conftest import history_backend, set_incomes

pytestmark = pytest.mark.django_db


def test_it_builds_income_and_family_features_of_the_year(world, history, snapshot_dir):
    frame = year_frame(history_backend(), 2023, with_labels=False)
    b = frame.loc[history.households["b"].pk]  # 20,000 wages in 2022, 6,000 in 2023
    # (6000 + 6000 + 1800 - 1500) / 3 = 4100, from (20000 + 6000 + 1800 - 1500) / 3 = 8766.67
    assert b["income_per_capita"] == pytest.approx(4100)
    assert b["income_change"] == pytest.approx((4100 - 8766.67) / 8766.67, abs=1e-4)
    assert b["wage_change"] == pytest.approx(-0.7)
    assert b["income_to_threshold"] == pytest.approx(4100 / 6000)
    assert b["household_size"] == 3
    assert b["students"] == 1  # the son, in grade 7
    assert b["labour_count"] == 2
    assert b["dependants_ratio"] == pytest.approx(1 / 3)
    assert b["registered_poor"] == 1
    assert b["monitored_at_cutoff"] == 0
    assert b["alerts_health"] == 0  # no department data: absent signals count 0
    assert math.isnan(b["dangerous_house"])  # no conditions recorded for 2023


def test_a_household_without_an_income_of_the_year_is_not_ranked(world, history, snapshot_dir):
    late = factories.make_household(world.actor(world.admin), world.village, number="x0001")
    frame = year_frame(history_backend(), 2023, with_labels=False)
    assert late.pk not in frame.index  # its only income is 2024's
    assert history.households["a"].pk in frame.index


def test_the_outcome_is_a_fall_below_the_line_or_entering_monitoring_the_next_year(
    world, history, snapshot_dir
):
    labels = build_labels(history_backend(), 2022)
    for key, household in history.households.items():
        assert labels[household.pk] == int(
            history.falls[key] is not None and history.falls[key] <= 2023
        ), key


def test_features_of_a_year_do_not_change_when_the_next_year_changes(world, history, snapshot_dir):
    target = history.households["d"]
    before = year_frame(history_backend(), 2023, with_labels=False)

    # Everything about 2024 changes: its income, its conditions, the monitoring that starts,
    # and a member's health, recorded today (after the cut-off of 2023).
    set_incomes(world, target, {2024: 100})
    actions.do_set_conditions(
        target,
        actor=world.actor(world.admin),
        year=2024,
        values={"is_dangerous_house": True, "housing_grade": "D", "water_difficulty": True},
    )
    target.refresh_from_db()
    actions.do_update_household(
        target,
        actor=world.actor(world.admin),
        changes={
            "household_type": "monitored",
            "monitoring_category": "unstable_exited",
            "monitoring_identified_on": dt.date(2024, 3, 1),
        },
        expected_version=target.version,
        risks=[("illness", "")],
    )
    head = Member.objects.get(household=target, relation="head")
    actions.do_update_member(
        head,
        actor=world.actor(world.admin),
        changes={"health": "serious"},
        expected_version=head.version,
    )

    after = year_frame(history_backend(), 2023, with_labels=False)
    pd.testing.assert_frame_equal(before, after)
    # …while the outcome of 2023, which is about 2024, does see them.
    assert build_labels(history_backend(), 2023)[target.pk] == 1
    # and the ranking of 2024 (health as known today) sees the illness.
    today = year_frame(history_backend(), 2024, with_labels=False, health_as_of=dt.date(9000, 1, 1))
    assert today.loc[target.pk, "serious_ill_members"] == 1


def test_health_then_is_the_old_value_of_the_first_change_after_the_cut_off(world, household):
    member = Member.objects.get(household=household, relation="head")
    for new in ("chronic", "serious"):
        member.refresh_from_db()
        actions.do_update_member(
            member,
            actor=world.actor(),
            changes={"health": new},
            expected_version=member.version,
        )
    assert signals.health_at(dt.date(2020, 12, 31))[member.pk] == "healthy"


def test_every_feature_is_a_number(world, history, snapshot_dir):
    frame = year_frame(history_backend(), 2024, with_labels=True)
    assert list(frame.columns[1 : 1 + len(FEATURE_NAMES)]) == list(FEATURE_NAMES)
    assert all(frame[name].dtype == "float64" for name in FEATURE_NAMES)
    assert Decimal(6000)  # the national default threshold the fixtures are built around
