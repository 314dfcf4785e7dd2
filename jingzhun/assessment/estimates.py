"""三率一度 from a sample survey, with confidence intervals. Pure functions.

Each rate is the assessment's own ratio (错退率 = wrongly exited people found ÷ exited people
sampled; 漏评率 = missed poor people found ÷ non-registered people checked; 群众认可度 =
approving households ÷ households surveyed), the figures the county-exit decision reads.

The interval treats the sampled villages as clusters, since people of one village (and of one
household) are alike: the ratio's variance is the linearised (Taylor) variance between
villages, with the finite-population correction for the share of villages drawn,

    v(R) = (1 − f) · n/(n − 1) · Σᵢ (yᵢ − R·xᵢ)² / (Σᵢ xᵢ)²,

which gives a design effect against simple random sampling, deff = v(R) ÷ (R(1 − R)/Σx).
The interval is Wilson's score interval on the effective sample size Σx ÷ deff (Wilson 1927;
Kish 1965, Survey Sampling, ch. 6). Wilson's interval stays inside [0, 1] and is sound for
rates near 0 — where 错退率 and 漏评率 lie. With fewer than two villages, or a rate of 0 or 1,
no design effect can be estimated and deff is taken as 1 (stated on the page).

综合贫困发生率 is estimated by extrapolating the two sample rates to the county: (remaining
registered poor + 错退率 × exited people + 漏评率 × non-registered rural people) ÷ rural
population, its variance the sum of the two rates' variances so weighted (each read from its
interval's half-width; the two samples are independent); a normal interval, clipped to [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class Estimate:
    """A ratio with its interval, all as fractions (0.021 = 2.1%)."""

    numerator: int
    denominator: int
    value: float | None  # None: nothing sampled yet
    low: float | None
    high: float | None
    clusters: int
    design_effect: float
    method: str

    @property
    def percent(self) -> float | None:
        return None if self.value is None else 100 * self.value


def z_value(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson's score interval for a proportion ``p`` observed on ``n`` (possibly effective)."""
    if n <= 0:
        return 0.0, 1.0
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # At p = 0 (or 1) the bound is exactly 0 (or 1); say so rather than leave rounding dust.
    low = 0.0 if p <= 0 else max(0.0, centre - half)
    high = 1.0 if p >= 1 else min(1.0, centre + half)
    return low, high


def ratio_variance(pairs: Sequence[tuple[int, int]], fraction_drawn: float) -> float | None:
    """v(R) of ``Σy ÷ Σx`` over clusters ``(y, x)``; None with fewer than two clusters."""
    n = len(pairs)
    total_x = sum(x for _, x in pairs)
    if n < 2 or total_x == 0:
        return None
    r = sum(y for y, _ in pairs) / total_x
    spread = sum((y - r * x) ** 2 for y, x in pairs)
    return (1 - fraction_drawn) * n / (n - 1) * spread / (total_x * total_x)


def cluster_ratio(
    pairs: Sequence[tuple[int, int]], *, fraction_drawn: float = 0.0, confidence: float = 0.95
) -> Estimate:
    """The ratio ``Σy ÷ Σx`` of the clusters ``(y, x)`` (found, sampled per village) with the
    Wilson interval on the effective sample size."""
    pairs = [(y, x) for y, x in pairs if x]
    y_total = sum(y for y, _ in pairs)
    x_total = sum(x for _, x in pairs)
    if x_total == 0:
        return Estimate(0, 0, None, None, None, len(pairs), 1.0, "")
    p = y_total / x_total
    deff = 1.0
    method = "Wilson（设计效应取1）"
    variance = ratio_variance(pairs, fraction_drawn)
    if variance is not None and 0 < p < 1:
        deff = max(variance / (p * (1 - p) / x_total), 1e-9)
        method = "Wilson（按村整群估计设计效应）"
    low, high = wilson(p, x_total / deff, z_value(confidence))
    return Estimate(y_total, x_total, p, low, high, len(pairs), deff, method)


def comprehensive(
    *,
    remaining_poor: int,
    exited_people: int,
    non_registered_people: int,
    rural_population: int,
    wrong_exit: Estimate,
    missed: Estimate,
    confidence: float = 0.95,
) -> Estimate | None:
    """综合贫困发生率 extrapolated from the two sample rates; None while either rate or the
    population is unknown."""
    if wrong_exit.value is None or missed.value is None or rural_population <= 0:
        return None
    z = z_value(confidence)
    wrongly = wrong_exit.value * exited_people
    missing = missed.value * non_registered_people
    value = (remaining_poor + wrongly + missing) / rural_population

    def variance(e: Estimate) -> float:
        assert e.low is not None and e.high is not None
        return ((e.high - e.low) / (2 * z)) ** 2

    spread = math.sqrt(
        exited_people**2 * variance(wrong_exit) + non_registered_people**2 * variance(missed)
    )
    half = z * spread / rural_population
    return Estimate(
        round(remaining_poor + wrongly + missing),
        rural_population,
        value,
        max(0.0, value - half),
        min(1.0, value + half),
        wrong_exit.clusters,
        1.0,
        "按抽样比例推算，正态近似",
    )
