"""Households for the policy tests (plain dicts, the snapshot's column names) and the two
evaluations side by side."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa

from jingzhun.analytics.backend import DuckDBBackend
from jingzhun.analytics.schema import rows_to_arrow
from jingzhun.policy.criteria import Result
from jingzhun.policy.decisions import HouseholdEvaluation, evaluate_batch, evaluate_data
from jingzhun.policy.features import features_expr
from tests.quality.builders import (  # noqa: F401 (re-exported for the policy tests)
    conditions,
    income,
    measures,
    member,
    valid_household,
)

YEAR = 2024


def bundle(**household: Any) -> dict[str, Any]:
    """The quality tests' valid 脱贫户 of three (2024 income 8100 per person, a safe house,
    safe water, a pupil in grade 7, 2024 measures), with household fields overridden."""
    data = copy.deepcopy(valid_household())
    data["household"].update(household)
    return data


def monitored_household(**household: Any) -> dict[str, Any]:
    """A 脱贫不稳定户 monitored since 15 January 2024 whose risk is not yet eliminated."""
    defaults = {
        "household_type": "monitored",
        "monitoring_category": "unstable_exited",
        "monitoring_identified_on": dt.date(2024, 1, 15),
        "risk_eliminated": False,
    }
    return bundle(**(defaults | household))


def set_income(data: dict[str, Any], year: int = YEAR, **values: Any) -> dict[str, Any]:
    """Replace the household's income records with one of ``year`` (``wage`` etc. in yuan)."""
    size = len(data["members"]) or 1
    parts = {"wage": 0, "business": 0, "pension_benefit": 0, "business_expense": 0} | values
    data["incomes"] = [income(data["household"]["id"], size, year=year, **parts)]
    return data


def evaluate(data: dict[str, Any], year: int = YEAR) -> HouseholdEvaluation:
    return evaluate_data(data, year=year)


def results(data: dict[str, Any], year: int = YEAR) -> dict[str, Result]:
    found = evaluate(data, year)
    return {r.code: r for d in found.decisions for r in (*d.criteria, *d.signals)}


def _tables(bundles: list[dict[str, Any]]) -> dict[str, pa.Table]:
    rows: dict[str, list[dict]] = {
        "households": [b["household"] for b in bundles],
        "members": [m for b in bundles for m in b["members"]],
        "incomes": [i for b in bundles for i in b["incomes"]],
        "conditions": [x for b in bundles for x in b["conditions"]],
        "measures": [x for b in bundles for x in b["measures"]],
        "risks": [x for b in bundles for x in b.get("risks", [])],
    }
    return {name: rows_to_arrow(name, values) for name, values in rows.items()}


def backend_for(bundles: list[dict[str, Any]]) -> DuckDBBackend:
    return DuckDBBackend(tables=_tables(bundles))


def batch_rows(bundles: list[dict[str, Any]], year: int = YEAR) -> dict[int, dict[str, Any]]:
    table = evaluate_batch(backend_for(bundles), year)
    return {row["household_id"]: row for row in table.to_pylist()}


def batch_features(bundles: list[dict[str, Any]], year: int = YEAR) -> dict[int, dict[str, Any]]:
    backend = backend_for(bundles)
    table = backend.execute(features_expr(backend, year))
    return {row["household_id"]: row for row in table.to_pylist()}


def entry_row(data: dict[str, Any], year: int = YEAR) -> dict[str, Any]:
    """The entry-time evaluation in the batch table's shape."""
    found = evaluate(data, year)
    row: dict[str, Any] = {
        "household_id": data["household"]["id"],
        "village_code": data["household"]["village_code"],
    }
    for d in found.decisions:
        row[d.code] = d.status
        row[f"{d.code}_failed"] = ",".join(d.failed)
    row["suggested_category"] = found.suggested_category
    row["risk_types"] = ",".join(found.risk_types)
    row["under_monitoring"] = bool(found.features.get("under_monitoring"))
    return row


def money(value: str | int) -> Decimal:
    return Decimal(str(value))
