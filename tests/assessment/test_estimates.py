"""The sampling and the interval arithmetic, against figures computed by hand."""

from __future__ import annotations

import pytest

from jingzhun.assessment.estimates import cluster_ratio, comprehensive, ratio_variance, wilson
from jingzhun.assessment.sampling import draw, draw_sample

Z95 = 1.959963984540054


def test_wilson_matches_the_published_interval_for_ten_in_a_hundred() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857–872, table I: 10/100 → 0.0552–0.1744.
    low, high = wilson(0.1, 100, Z95)
    assert round(low, 4) == 0.0552 and round(high, 4) == 0.1744


def test_wilson_for_none_found_is_zero_to_z_squared_over_n_plus_z_squared() -> None:
    low, high = wilson(0.0, 100, Z95)
    assert low == 0.0
    assert high == pytest.approx(Z95**2 / (100 + Z95**2))


def test_the_ratio_variance_is_the_linearised_variance_between_villages() -> None:
    pairs = [(1, 10), (0, 20), (3, 30)]  # R = 4/60
    r = 4 / 60
    by_hand = 3 / 2 * sum((y - r * x) ** 2 for y, x in pairs) / 60**2
    assert ratio_variance(pairs, 0.0) == pytest.approx(by_hand)
    assert ratio_variance(pairs, 0.25) == pytest.approx(0.75 * by_hand)
    assert ratio_variance(pairs[:1], 0.0) is None


def test_a_clustered_rate_has_a_wider_interval_than_the_same_rate_spread_evenly() -> None:
    even = cluster_ratio([(2, 100)] * 5)  # 10 of 500, alike in every village
    clustered = cluster_ratio([(10, 100), (0, 100), (0, 100), (0, 100), (0, 100)])
    assert even.value == clustered.value == pytest.approx(0.02)
    assert clustered.design_effect > 1 > even.design_effect
    assert clustered.high - clustered.low > even.high - even.low
    # The design effect is the between-village variance over the binomial variance.
    variance = ratio_variance([(10, 100), (0, 100), (0, 100), (0, 100), (0, 100)], 0.0)
    assert clustered.design_effect == pytest.approx(variance / (0.02 * 0.98 / 500))
    assert (clustered.low, clustered.high) == pytest.approx(
        wilson(0.02, 500 / clustered.design_effect, Z95)
    )


def test_a_rate_of_zero_takes_a_design_effect_of_one_and_says_so() -> None:
    found = cluster_ratio([(0, 40), (0, 60)])
    assert found.value == 0 and found.design_effect == 1.0 and "设计效应取1" in found.method
    assert found.high == pytest.approx(Z95**2 / (100 + Z95**2))


def test_nothing_sampled_gives_no_rate() -> None:
    found = cluster_ratio([(0, 0)])
    assert found.value is None and found.low is None


def test_the_comprehensive_incidence_extrapolates_both_rates() -> None:
    wrong = cluster_ratio([(1, 100), (1, 100)])  # 1%
    missed = cluster_ratio([(2, 400), (2, 400)])  # 0.5%
    found = comprehensive(
        remaining_poor=100,
        exited_people=20_000,
        non_registered_people=70_000,
        rural_population=100_000,
        wrong_exit=wrong,
        missed=missed,
    )
    assert found is not None
    assert found.value == pytest.approx((100 + 200 + 350) / 100_000)
    assert found.low < found.value < found.high
    assert comprehensive(
        remaining_poor=0, exited_people=1, non_registered_people=1, rural_population=0,
        wrong_exit=wrong, missed=missed,
    ) is None  # fmt: skip


def test_a_sample_depends_on_the_seed_and_the_codes_only() -> None:
    codes = [f"1409221{i:05d}" for i in range(50)]
    first = draw("种子-2026", codes, 10)
    assert first == draw("种子-2026", list(reversed(codes)), 10)
    assert first != draw("另一个种子", codes, 10)
    assert len(set(first)) == 10 and set(first) <= set(codes)
    assert sorted(draw("s", codes[:3], 10)) == sorted(codes[:3])  # fewer than asked: all


def test_the_two_stage_sample_draws_households_only_in_sampled_villages() -> None:
    frame = {f"v{i}": [f"v{i}-h{j}" for j in range(i)] for i in range(8)}
    sample = draw_sample("x", frame, villages=3, households_per_village=2)
    assert len(sample.villages) == 3
    for code in sample.villages:
        assert set(sample.households[code]) <= set(frame[code])
        assert len(sample.households[code]) == min(2, len(frame[code]))
    assert len(sample.households) == 3
