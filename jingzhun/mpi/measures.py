"""The Alkire–Foster measures as Ibis expressions: one aggregation pass over a person table.

Alkire, S. & Foster, J. (2011) "Counting and multidimensional poverty measurement", Journal of
Public Economics 95(7–8): 476–487. For person ``i`` and indicator ``j`` with achievement
``y_ij``, cutoff ``z_j`` and weight ``w_j`` (Σ w_j = 1):

* ``g0_ij`` = 1 when deprived (``below``: y < z; ``above``: y > z), else 0;
* ``c_i = Σ_j w_j g0_ij`` (the deprivation score); poor when ``c_i ≥ k`` (compared as
  ``c_i ≥ k − 1e-9``, since weights such as 1/3 are not exact in binary floating point);
* censoring: the deprivations of a person who is not poor are set to 0;
* ``H = q/n``, ``A`` = mean score of the poor, ``M0 = H × A = Σ_i c_i(k) / n``;
* normalised gaps ``g1_ij = (z − y)/z`` (``below``) or ``(y − z)/z`` (``above``) when
  deprived, clipped to [0, 1] (a negative income, or a value far above an ``above`` cutoff,
  counts as a full gap, so M2 ≤ M1 ≤ M0 holds); with ``z = 0`` the gap is the deprivation
  itself (1). ``M1 = Σ_i Σ_j w_j g1_ij(k) / n``, ``M2`` likewise with squared gaps;
* per indicator: uncensored headcount ``Σ_i g0_ij / n``, censored ``Σ_i g0_ij(k) / n``,
  contribution to M0 ``w_j × censored_j / M0``;
* by subgroup ``g``: population share ``n_g / n``, H, A, M0 of the subgroup, contribution
  ``share × M0_g / M0``; shares × subgroup figures add up to the totals.

With a sampling weight column every count is a sum of weights. A person with any indicator
missing (NULL) is left out of ``n`` (as the global MPI does) and counted in ``missing``.

The SQL side (:func:`aggregate_expr`) only builds an expression: one GROUP BY (or none) whose
columns are sums; :func:`summarise` turns its rows into :class:`Measures` in Python (a few
divisions). Totals are sums of the groups, so a decomposition costs no second pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from jingzhun.mpi.spec import Indicator, Spec

EPSILON = 1e-9
GROUP = "mpi_group"


def deprived_expr(y: ir.NumericValue, indicator: Indicator) -> ir.BooleanValue:
    z = ibis.literal(indicator.cutoff, type="float64")
    value = y.cast("float64")
    return value < z if indicator.deprived == "below" else value > z


def gap_expr(y: ir.NumericValue, indicator: Indicator) -> ir.FloatingValue:
    """The normalised gap when deprived (0 otherwise), clipped to [0, 1]."""
    z = indicator.cutoff
    value = y.cast("float64")
    if z == 0:
        raw: ir.FloatingValue = ibis.literal(1.0)
    elif indicator.deprived == "below":
        raw = (ibis.literal(z) - value) / abs(z)
    else:
        raw = (value - ibis.literal(z)) / abs(z)
    clipped = ibis.greatest(ibis.least(raw, 1.0), 0.0)
    return ibis.ifelse(deprived_expr(y, indicator), clipped, 0.0)


def person_expr(t: ir.Table, spec: Spec, k: float, *, weight: str | None = None) -> ir.Table:
    """Per person: ``mpi_w`` (its weight, 0 when an indicator is missing), ``mpi_complete``,
    ``d_j`` (g0 as 0/1), ``g_j`` (gap), ``mpi_score`` (c_i) and ``mpi_poor``."""
    complete = ibis.literal(True)
    for ind in spec.indicators:
        complete = complete & t[ind.column].notnull()
    w = t[weight].cast("float64") if weight else ibis.literal(1.0)
    columns: dict[str, ir.Value] = {
        "mpi_complete": complete,
        "mpi_w": ibis.ifelse(complete, w, 0.0),
    }
    score: ir.FloatingValue = ibis.literal(0.0)
    for j, ind in enumerate(spec.indicators):
        d = ibis.ifelse(deprived_expr(t[ind.column], ind), 1.0, 0.0).fill_null(0.0)
        columns[f"d_{j}"] = d
        columns[f"g_{j}"] = gap_expr(t[ind.column], ind).fill_null(0.0)
        score = score + d * ind.weight
    columns["mpi_score"] = score
    columns["mpi_poor"] = ibis.ifelse(complete & (score >= k - EPSILON), 1.0, 0.0)
    return t.mutate(**columns)


def aggregate_expr(
    t: ir.Table,
    spec: Spec,
    k: float,
    *,
    by: ir.Value | str | None = None,
    weight: str | None = None,
) -> ir.Table:
    """One row (per value of ``by``, in column ``mpi_group``) of sums: ``persons``,
    ``missing``, ``n``, ``q``, ``score`` (Σ c_i of the poor) and per indicator ``u_j``,
    ``c_j``, ``g1_j``, ``g2_j`` (uncensored and censored deprivations, censored gaps and
    squared gaps), all weighted."""
    if isinstance(by, str):
        by = t[by]
    if by is not None:
        t = t.mutate(**{GROUP: by.cast("string")})
    p = person_expr(t, spec, k, weight=weight)
    w, poor = p.mpi_w, p.mpi_poor
    sums: dict[str, ir.Scalar] = {
        "persons": p.count(),
        "missing": ibis.ifelse(p.mpi_complete, 0, 1).sum(),
        "n": w.sum(),
        "q": (w * poor).sum(),
        "score": (w * poor * p.mpi_score).sum(),
    }
    for j in range(len(spec.indicators)):
        d, g = p[f"d_{j}"], p[f"g_{j}"]
        sums[f"u_{j}"] = (w * d).sum()
        sums[f"c_{j}"] = (w * poor * d).sum()
        sums[f"g1_{j}"] = (w * poor * g).sum()
        sums[f"g2_{j}"] = (w * poor * g * g).sum()
    if by is None:
        return p.aggregate(**sums)
    return p.group_by(GROUP).aggregate(**sums)


@dataclass
class IndicatorMeasure:
    column: str
    name: str
    dimension: str
    weight: float
    cutoff: float
    deprived: str
    uncensored_headcount: float
    censored_headcount: float
    contribution: float | None  # share of M0; None when M0 is 0


@dataclass
class GroupMeasure:
    group: str
    persons: int
    n: float
    q: float
    population_share: float
    H: float
    A: float
    M0: float
    contribution: float | None  # share of the total M0; None when it is 0


@dataclass
class Measures:
    k: float
    persons: int  # rows read
    missing: int  # rows left out: an indicator missing
    n: float  # population (sum of weights)
    q: float  # the poor (sum of weights)
    H: float
    A: float
    M0: float
    M1: float
    M2: float
    indicators: list[IndicatorMeasure]
    groups: list[GroupMeasure] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["indicators"] = {i["column"]: i for i in data["indicators"]}
        data["groups"] = {g["group"]: g for g in data["groups"]}
        return data


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _sums(rows: list[dict[str, Any]], spec: Spec) -> dict[str, float]:
    keys = ["persons", "missing", "n", "q", "score"] + [
        f"{p}_{j}" for j in range(len(spec.indicators)) for p in ("u", "c", "g1", "g2")
    ]
    return {key: sum(float(r[key] or 0) for r in rows) for key in keys}


def summarise(table: pa.Table, spec: Spec, k: float) -> Measures:
    """:class:`Measures` from the rows of :func:`aggregate_expr` (one row, or one per group)."""
    rows = table.to_pylist()
    total = _sums(rows, spec)
    n, q = total["n"], total["q"]
    m0 = _ratio(total["score"], n)
    indicators = []
    m1 = m2 = 0.0
    for j, ind in enumerate(spec.indicators):
        censored = _ratio(total[f"c_{j}"], n)
        m1 += ind.weight * _ratio(total[f"g1_{j}"], n)
        m2 += ind.weight * _ratio(total[f"g2_{j}"], n)
        indicators.append(
            IndicatorMeasure(
                column=ind.column,
                name=ind.label,
                dimension=ind.dimension,
                weight=ind.weight,
                cutoff=ind.cutoff,
                deprived=ind.deprived,
                uncensored_headcount=_ratio(total[f"u_{j}"], n),
                censored_headcount=censored,
                contribution=ind.weight * censored / m0 if m0 else None,
            )
        )
    groups = []
    if rows and GROUP in rows[0]:
        for row in sorted(rows, key=lambda r: str(r[GROUP])):
            n_g, q_g = float(row["n"] or 0), float(row["q"] or 0)
            m0_g = _ratio(float(row["score"] or 0), n_g)
            share = _ratio(n_g, n)
            groups.append(
                GroupMeasure(
                    group=str(row[GROUP]),
                    persons=int(row["persons"] or 0),
                    n=n_g,
                    q=q_g,
                    population_share=share,
                    H=_ratio(q_g, n_g),
                    A=_ratio(float(row["score"] or 0), q_g),
                    M0=m0_g,
                    contribution=share * m0_g / m0 if m0 else None,
                )
            )
    return Measures(
        k=k,
        persons=int(total["persons"]),
        missing=int(total["missing"]),
        n=n,
        q=q,
        H=_ratio(q, n),
        A=_ratio(total["score"], q),
        M0=m0,
        M1=m1,
        M2=m2,
        indicators=indicators,
        groups=groups,
    )


def compute(
    execute: Callable[[ir.Table], pa.Table],
    t: ir.Table,
    spec: Spec,
    k: float,
    *,
    by: ir.Value | str | None = None,
    weight: str | None = None,
) -> Measures:
    """Build the aggregation over ``t``, run it with ``execute`` (a backend's ``execute``, or a
    connection's ``to_pyarrow``) and summarise: the measures, decomposed by ``by`` if given."""
    return summarise(execute(aggregate_expr(t, spec, k, by=by, weight=weight)), spec, k)


def change(before: Measures, after: Measures) -> dict[str, dict[str, float | None]]:
    """ΔH, ΔA, ΔM0 (and M1, M2) from ``before`` to ``after``: absolute (after − before) and
    relative ((after − before) ÷ before; None when before is 0)."""
    out: dict[str, dict[str, float | None]] = {}
    for name in ("H", "A", "M0", "M1", "M2"):
        a, b = getattr(before, name), getattr(after, name)
        out[name] = {
            "before": a,
            "after": b,
            "absolute": b - a,
            "relative": (b - a) / a if a else None,
        }
    return out
