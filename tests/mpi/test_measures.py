"""The Alkire–Foster measures: the worked example of the paper, an independent implementation
on generated data, and the spec's refusals."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhun.analytics.backend import DuckDBBackend
from jingzhun.mpi.measures import Measures, change, compute
from jingzhun.mpi.spec import REGISTRY_SPEC, SpecError, parse_spec, read_spec_file, spec_errors
from tests.test_citations import _file_like

SPARK = [pytest.mark.spark, pytest.mark.slow]

# Alkire & Foster (2011), J. Public Economics 95:476–487, section 2 (the matrix y and cutoffs
# z = (13, 12, 3, 1) of its illustration: four people; income, years of schooling, a health
# score and a 0/1 access indicator). The deprivation matrix is g0 = [0 0 0 0; 0 1 0 1;
# 1 1 1 1; 0 1 0 0], the counts c = (0, 2, 4, 1); with equal weights and k = 2 of 4 (k = 1/2
# here, the share of the weighted dimensions) persons 2 and 3 are poor: H = 1/2, A = 3/4,
# M0 = 3/8, and the normalised gaps of the poor are those of the paper's g1 (0.42 and 1;
# 0.04, 0.17, 0.67 and 1).
EXAMPLE = {
    "income": [13.1, 15.2, 12.5, 20.0],
    "schooling": [14, 7, 10, 11],
    "health": [4, 5, 1, 3],
    "access": [1, 0, 0, 1],
}
EXAMPLE_SPEC = {
    "indicators": [
        {"column": "income", "cutoff": 13, "weight": "1/4", "deprived": "below"},
        {"column": "schooling", "cutoff": 12, "weight": "1/4", "deprived": "below"},
        {"column": "health", "cutoff": 3, "weight": "1/4", "deprived": "below"},
        {"column": "access", "cutoff": 1, "weight": "1/4", "deprived": "below"},
    ]
}


def _exact(value: Fraction) -> Any:
    return pytest.approx(float(value), rel=1e-12, abs=1e-15)


def _backend(kind: str, request: pytest.FixtureRequest) -> Any:
    if kind == "duckdb":
        return DuckDBBackend(tables={})
    from jingzhun.analytics.spark import SparkBackend

    return SparkBackend(tables={}, session=request.getfixturevalue("spark"))


@pytest.mark.parametrize("kind", ["duckdb", pytest.param("spark", marks=SPARK)], ids=str)
def test_the_worked_example_of_alkire_and_foster_gives_the_published_figures(kind, request):
    backend = _backend(kind, request)
    table = ibis.memtable(pa.table(EXAMPLE | {"area": ["a", "a", "b", "b"]}))
    m = compute(backend.execute, table, parse_spec(EXAMPLE_SPEC), 0.5, by="area")

    assert (m.n, m.q) == (4, 2)
    assert _exact(Fraction(1, 2)) == m.H
    assert _exact(Fraction(3, 4)) == m.A
    assert _exact(Fraction(3, 8)) == m.M0
    # Censored normalised gaps: person 2 (12−7)/12 and (1−0)/1; person 3 (13−12.5)/13,
    # (12−10)/12, (3−1)/3 and 1. M1 is their mean over n·d entries, M2 that of their squares.
    gaps = [Fraction(5, 12), Fraction(1), Fraction(1, 26), Fraction(1, 6), Fraction(2, 3), 1]
    assert _exact(sum(gaps, Fraction(0)) / 16) == m.M1
    assert _exact(sum((Fraction(g) ** 2 for g in gaps), Fraction(0)) / 16) == m.M2
    by_column = {i.column: i for i in m.indicators}
    uncensored = {"income": (1, 4), "schooling": (3, 4), "health": (1, 4), "access": (2, 4)}
    censored = {"income": (1, 4), "schooling": (2, 4), "health": (1, 4), "access": (2, 4)}
    for column, (num, den) in uncensored.items():
        assert by_column[column].uncensored_headcount == _exact(Fraction(num, den))
    for column, (num, den) in censored.items():
        assert by_column[column].censored_headcount == _exact(Fraction(num, den))
        share = Fraction(1, 4) * Fraction(num, den) / Fraction(3, 8)
        assert by_column[column].contribution == _exact(share)
    groups = {g.group: g for g in m.groups}
    assert _exact(Fraction(1, 4)) == groups["a"].M0 and _exact(Fraction(1, 2)) == groups["b"].M0
    assert groups["b"].contribution == _exact(Fraction(2, 3))


def test_a_score_equal_to_k_is_poor_although_the_weights_are_not_exact_in_binary():
    # 0.1 + 0.2 is 0.30000000000000004 and 1/3 + 1/3 + 1/3 is not always 1 in floating point.
    spec = parse_spec(
        {
            "indicators": [
                {"column": c, "cutoff": 1, "weight": "1/3", "deprived": "below"}
                for c in ("a", "b", "c")
            ]
        }
    )
    con = ibis.duckdb.connect()
    t = ibis.memtable(pa.table({"a": [0, 1], "b": [0, 0], "c": [1, 1]}))
    m = compute(con.to_pyarrow, t, spec, 2 / 3)
    assert m.q == 1  # the first person, deprived in a and b: 1/3 + 1/3 = k exactly
    assert compute(con.to_pyarrow, t, spec, 1 / 3).q == 2


def test_above_cutoffs_count_values_greater_than_the_cutoff_with_gaps_clipped_at_one():
    spec = parse_spec(
        {
            "indicators": [
                {"column": "debt", "cutoff": 100, "weight": 0.5, "deprived": "above"},
                {"column": "income", "cutoff": 50, "weight": 0.5, "deprived": "below"},
            ]
        }
    )
    con = ibis.duckdb.connect()
    t = ibis.memtable(pa.table({"debt": [150, 100, 400], "income": [-10, 60, 25]}))
    m = compute(con.to_pyarrow, t, spec, 1.0)
    # Poor (both deprived): person 1 (gaps 0.5 and a negative income clipped to 1) and person 3
    # (gap 3 clipped to 1, and 0.5).
    assert m.q == 2
    assert pytest.approx((0.5 * 0.5 + 0.5 * 1 + 0.5 * 1 + 0.5 * 0.5) / 3) == m.M1


def test_people_with_a_missing_indicator_are_left_out_and_counted():
    spec = parse_spec(EXAMPLE_SPEC)
    data = {key: [*values, None] for key, values in EXAMPLE.items()}
    con = ibis.duckdb.connect()
    m = compute(con.to_pyarrow, ibis.memtable(pa.table(data)), spec, 0.5)
    assert (m.persons, m.missing, m.n, m.q) == (5, 1, 4, 2)
    assert pytest.approx(0.375) == m.M0


def test_the_change_between_two_years_is_absolute_and_relative():
    spec = parse_spec(EXAMPLE_SPEC)
    con = ibis.duckdb.connect()
    before = compute(con.to_pyarrow, ibis.memtable(pa.table(EXAMPLE)), spec, 0.5)
    better = dict(EXAMPLE, access=[1, 1, 0, 1])  # person 2 no longer poor
    after = compute(con.to_pyarrow, ibis.memtable(pa.table(better)), spec, 0.5)
    delta = change(before, after)
    assert delta["H"]["absolute"] == pytest.approx(-0.25)
    assert delta["H"]["relative"] == pytest.approx(-0.5)
    assert delta["M0"]["absolute"] == pytest.approx(0.25 - 0.375)
    assert delta["A"]["after"] == pytest.approx(1.0)


# --- an independent implementation, exact (fractions, plain Python) -------------------------


def reference(
    rows: list[dict[str, Any]],
    indicators: list[tuple[str, int, Fraction, str]],
    k: Fraction,
    by: str | None,
    weight: str | None,
) -> dict[str, Any]:
    def deprived(y: int, z: int, side: str) -> bool:
        return y < z if side == "below" else y > z

    def gap(y: int, z: int, side: str) -> Fraction:
        if z == 0:
            return Fraction(1)
        raw = Fraction(z - y, abs(z)) if side == "below" else Fraction(y - z, abs(z))
        return min(max(raw, Fraction(0)), Fraction(1))

    d = len(indicators)
    w = np.array([r[weight] if weight else 1 for r in rows], dtype=object)
    g0 = np.array(
        [[int(deprived(r[c], z, s)) for c, z, _, s in indicators] for r in rows], dtype=object
    ).reshape(len(rows), d)
    g1 = np.array(
        [
            [gap(r[c], z, s) if deprived(r[c], z, s) else Fraction(0) for c, z, _, s in indicators]
            for r in rows
        ],
        dtype=object,
    ).reshape(len(rows), d)
    weights = np.array([wt for _, _, wt, _ in indicators], dtype=object)
    score = g0.dot(weights) if rows else np.array([], dtype=object)
    poor = np.array([int(s >= k) for s in score], dtype=object)
    n = Fraction(sum(w))
    q = Fraction(sum(w * poor))
    total_score = Fraction(sum(w * poor * score))
    out: dict[str, Any] = {
        "n": n,
        "q": q,
        "H": q / n,
        "A": total_score / q if q else Fraction(0),
        "M0": total_score / n,
        "M1": Fraction(sum(w * poor * g1.dot(weights))) / n,
        "M2": Fraction(sum(w * poor * (g1 * g1).dot(weights))) / n,
        "uncensored": [Fraction(sum(w * g0[:, j])) / n for j in range(d)],
        "censored": [Fraction(sum(w * poor * g0[:, j])) / n for j in range(d)],
        "groups": {},
    }
    if by:
        for group in sorted({r[by] for r in rows}):
            mask = np.array([r[by] == group for r in rows])
            n_g = Fraction(sum(w[mask]))
            s_g = Fraction(sum((w * poor * score)[mask]))
            out["groups"][group] = {"share": n_g / n, "M0": s_g / n_g if n_g else 0}
    return out


@st.composite
def populations(draw: Any) -> dict[str, Any]:
    d = draw(st.integers(1, 5))
    raw_weights = draw(st.lists(st.integers(1, 9), min_size=d, max_size=d))
    total = sum(raw_weights)
    indicators = [
        (
            f"x{j}",
            draw(st.integers(0, 8)),
            Fraction(a, total),
            draw(st.sampled_from(["below", "above"])),
        )
        for j, a in enumerate(raw_weights)
    ]
    n = draw(st.integers(1, 25))
    rows = [
        {
            **{f"x{j}": draw(st.integers(-2, 10)) for j in range(d)},
            "area": draw(st.sampled_from(["a", "b", "c"])),
            "w": draw(st.integers(1, 5)),
        }
        for _ in range(n)
    ]
    k = draw(
        st.sampled_from(
            [Fraction(1, 10), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3), Fraction(1)]
        )
    )
    weighted = draw(st.booleans())
    return {"indicators": indicators, "rows": rows, "k": k, "weighted": weighted}


def _spec(indicators: list[tuple[str, int, Fraction, str]]) -> Any:
    return parse_spec(
        {
            "indicators": [
                {
                    "column": c,
                    "cutoff": z,
                    "weight": f"{w.numerator}/{w.denominator}",
                    "deprived": s,
                }
                for c, z, w, s in indicators
            ]
        }
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations())
def test_the_measures_agree_with_an_independent_exact_implementation(case):
    weight = "w" if case["weighted"] else None
    expected = reference(case["rows"], case["indicators"], case["k"], "area", weight)
    con = ibis.duckdb.connect()
    data = pa.Table.from_pylist(case["rows"])
    m: Measures = compute(
        con.to_pyarrow,
        ibis.memtable(data),
        _spec(case["indicators"]),
        float(case["k"]),
        by="area",
        weight=weight,
    )
    close = {"rel": 1e-9, "abs": 1e-12}
    for name in ("n", "q", "H", "A", "M0", "M1", "M2"):
        assert getattr(m, name) == pytest.approx(float(expected[name]), **close), name
    for j, ind in enumerate(m.indicators):
        assert ind.uncensored_headcount == pytest.approx(float(expected["uncensored"][j]), **close)
        assert ind.censored_headcount == pytest.approx(float(expected["censored"][j]), **close)
    # The decomposition: every group, and the totals rebuilt from the groups.
    groups = {g.group: g for g in m.groups}
    assert set(groups) == set(expected["groups"])
    for name, g in expected["groups"].items():
        assert groups[name].population_share == pytest.approx(float(g["share"]), **close)
        assert pytest.approx(float(g["M0"]), **close) == groups[name].M0
    assert sum(g.population_share for g in m.groups) == pytest.approx(1.0)
    assert sum(g.population_share * g.M0 for g in m.groups) == pytest.approx(m.M0, **close)
    assert sum(g.population_share * g.H for g in m.groups) == pytest.approx(m.H, **close)
    if m.M0 > 0:
        assert sum(i.contribution for i in m.indicators) == pytest.approx(1.0)
        assert sum(g.contribution for g in m.groups) == pytest.approx(1.0)
        assert pytest.approx(m.H * m.A, **close) == m.M0
        assert m.M2 <= m.M1 + 1e-12 and m.M1 <= m.M0 + 1e-12
    else:
        assert all(i.contribution is None for i in m.indicators)


# --- the spec's refusals -----------------------------------------------------------------------


def test_weights_that_do_not_sum_to_one_are_refused_with_their_sum():
    spec = {
        "indicators": [
            {"column": "a", "cutoff": 1, "weight": 0.5, "deprived": "below"},
            {"column": "b", "cutoff": 1, "weight": 0.4, "deprived": "below"},
        ]
    }
    errors = spec_errors(spec)
    assert any("权重之和必须为1" in e and "0.9" in e for e in errors), errors


def test_a_column_the_data_lacks_is_refused_naming_it_and_the_columns_there_are():
    errors = spec_errors(EXAMPLE_SPEC, columns=["income", "schooling", "health"])
    assert errors == [
        "第4个指标（access）的列 access 不在数据中：数据中的列有 health, income, schooling，"
        "请改正列名。"
    ]


def test_unknown_keys_a_bad_cutoff_side_and_k_are_refused_each_by_name():
    spec = {
        "k": 1.5,
        "colour": "red",
        "indicators": [
            {"column": "a", "cutoff": "low", "weight": 1, "deprived": "under", "unit": "元"}
        ],
    }
    errors = spec_errors(spec)
    joined = "\n".join(errors)
    assert "未知的设定项 colour" in joined
    assert "k（贫困临界值）必须是大于0且不大于1的数" in joined
    assert "第1个指标（a）有未知的键 unit" in joined
    assert "cutoff（剥夺临界值）必须是数字" in joined
    assert "deprived 必须是 below" in joined
    with pytest.raises(SpecError) as raised:
        parse_spec(spec)
    assert raised.value.messages == errors


@pytest.mark.parametrize("k", [0, -0.1, 1.01, "abc", True])
def test_k_outside_zero_to_one_is_refused(k):
    spec = dict(EXAMPLE_SPEC, k=k)
    assert any(e.startswith("k（贫困临界值）") for e in spec_errors(spec))


def test_a_zero_or_missing_weight_and_a_duplicated_column_are_refused():
    spec = {
        "indicators": [
            {"column": "a", "cutoff": 1, "weight": 0, "deprived": "below"},
            {"column": "a", "cutoff": 1, "deprived": "below"},
        ]
    }
    joined = "\n".join(spec_errors(spec))
    assert "第1个指标（a）的 weight（权重）必须是大于0的数" in joined
    assert "第2个指标（a）的列 a 重复" in joined


def test_the_registry_spec_is_valid_and_cites_a_document_for_every_indicator():
    raw = read_spec_file(REGISTRY_SPEC)
    spec = parse_spec(raw)
    assert spec.k == pytest.approx(1 / 3)
    for indicator in spec.indicators:
        assert indicator.source.strip() and indicator.name, indicator.column
        assert not _file_like(indicator.source), (indicator.column, indicator.source)
