"""Training, scoring, reasons and the backtest figures, on the small history."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from jingzhun.risk import metrics
from jingzhun.risk.backtest import backtest, fit, rank, training_years, year_frame
from jingzhun.risk.reasons import HIDDEN_HEALTH, reason_record, reason_text
from tests.risk.conftest import history_backend

pytestmark = pytest.mark.django_db


def test_it_trains_only_on_years_whose_outcome_is_known_before_the_scored_year(
    world, history, snapshot_dir
):
    backend = history_backend()
    assert training_years(backend, 2024) == [2021, 2022, 2023]
    assert training_years(backend, 2023) == [2021, 2022]


def test_the_households_about_to_fall_rank_first_with_their_fall_as_the_reason(
    world, history, snapshot_dir
):
    # Ten households are too few for the trees (40 rows per leaf): the logistic model learns.
    model, frame, reasons = rank(
        history_backend(), 2023, kind="logistic", today=dt.date(2023, 12, 31)
    )
    order = frame.sort_values("score", ascending=False).index.tolist()
    falling_next = {history.households[k].pk for k in ("c", "h")}  # 2024 falls, 2023 drop
    # The two households whose wages dropped in 2023 come right after those already low.
    already_low = {history.households[k].pk for k in ("a", "b", "e", "f")}
    assert set(order[: len(already_low | falling_next)]) == already_low | falling_next
    c = history.households["c"].pk
    assert reasons[c], "a household near the top has reasons"
    assert {name for name, _ in reasons[c]} & {
        "wage_change",
        "income_change",
        "income_per_capita",
        "income_to_threshold",
        "transfer_share",
    }
    assert all(effect > 0 for _, effect in reasons[c])
    assert model.training_years == [2021, 2022]


def test_the_model_is_deterministic(world, history, snapshot_dir):
    backend = history_backend()
    frame = year_frame(backend, 2023, with_labels=False)
    first = fit(backend, 2023).score(frame)
    second = fit(backend, 2023).score(frame)
    assert np.array_equal(first, second)


def test_the_backtest_reports_the_model_against_the_income_rule(world, history, snapshot_dir):
    report = backtest(history_backend(), 2023)
    assert report["outcome_year"] == 2024
    hgb = report["models"]["hgb"]["all"]
    assert hgb["households"] == 10
    assert hgb["outcomes"] == 6  # a, b, e, f still low; c and h fall in 2024
    assert hgb["baseline"]["flagged"] == 4  # income within the range in 2023: a, b, e, f
    assert {"hgb", "logistic", "hgb_dated_only"} <= set(report["models"])
    assert len(report["models"]["hgb"]["calibration"]["reliability"]) == 10


def test_precision_among_the_top_share_counts_outcomes_in_the_first_rows():
    scores = np.array([0.9, 0.8, 0.1, 0.2] + [0.0] * 36)
    outcomes = np.array([1, 0, 1, 0] + [0] * 36)
    assert metrics.precision_at(scores, outcomes, 0.05) == 0.5  # top 2 of 40
    assert metrics.auc(scores, np.zeros(40, dtype=int)) is None


def test_the_reliability_table_puts_each_probability_in_its_bin():
    table = metrics.reliability(np.array([0.05, 0.15, 0.95, 1.0]), np.array([0, 1, 1, 1]))
    assert [row["households"] for row in table] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert table[9]["observed"] == 1.0


def test_reasons_read_as_sentences_and_hide_health_from_roles_without_it():
    fall = reason_record("income_change", -0.38, 0.2)
    assert reason_text(fall, sees_health=False) == "人均纯收入较上年下降38%"
    ill = reason_record("serious_ill_members", 2.0, 0.1)
    assert reason_text(ill, sees_health=True) == "家中有2名大病患者"
    assert reason_text(ill, sees_health=False) == HIDDEN_HEALTH
    assert reason_text(reason_record("wage_change", float("nan"), 0.1), sees_health=True) == (
        "工资性收入较上年变化：无记录"
    )
