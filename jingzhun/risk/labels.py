"""The outcome a household is ranked for: in year N+1 it entered monitoring (its monitoring
identification date falls in N+1) or its per-capita net income fell below N+1's monitoring
threshold. Read only here, never by the features."""

from __future__ import annotations

import pandas as pd

from jingzhun.analytics.backend import Backend
from jingzhun.policy.parameters import ParameterSet
from jingzhun.risk.features import thresholds


def build_labels(
    backend: Backend, year: int, *, parameters: ParameterSet | None = None
) -> pd.Series:
    """{household id: 1 if the outcome happened in ``year`` + 1 else 0} for every household."""
    outcome_year = year + 1
    h = backend.table("households")
    households = backend.execute(h.select("id", "village_code", "monitoring_identified_on"))
    frame = households.to_pandas().set_index("id")
    entered = pd.to_datetime(frame["monitoring_identified_on"], errors="coerce").dt.year
    t = backend.table("incomes")
    incomes = backend.execute(
        t.filter(t.year == outcome_year).select("household_id", "per_capita_net")
    ).to_pandas()
    income = incomes.set_index("household_id")["per_capita_net"].astype("float64")
    income = income.reindex(frame.index)
    county = frame["village_code"].str[:6]
    line = county.map(thresholds(county.tolist(), outcome_year, parameters)).astype("float64")
    below = (income < line).fillna(False)
    label = (entered == outcome_year) | below
    label.name = "outcome"
    return label.astype(int).sort_index()
