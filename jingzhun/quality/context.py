"""What a quality run reads besides the data: the review year, the reference day, and the
policy parameters in force for each county (never literals)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa
from django.utils import timezone

from jingzhun.policy.parameters import ParameterSet, default_parameters

# Parameter name → column name in the per-county parameter table (and key in the entry dict).
PARAMETER_COLUMNS: dict[str, str] = {
    "monitoring_threshold": "p_threshold",
    "min_months_before_elimination": "p_min_months",
    "migrant_min_monthly_income": "p_migrant_min",
    "compulsory_school_age_min": "p_school_min",
    "compulsory_school_age_max": "p_school_max",
    "labour_age_min": "p_labour_min",
    "labour_age_max": "p_labour_max",
    "school_age_tolerance": "p_school_tol",
    "income_rounding_tolerance": "p_round_tol",
    "village_identical_income_min_households": "p_same_income_min",
    "village_missing_income_max_share": "p_missing_income_pct",
}
INTEGER_PARAMETERS = frozenset(
    {
        "p_min_months",
        "p_school_min",
        "p_school_max",
        "p_labour_min",
        "p_labour_max",
        "p_school_tol",
        "p_same_income_min",
    }
)


@dataclass(frozen=True)
class CheckContext:
    """``year`` is the income year under review; ages are counted on ``as_of`` (its 31 December),
    and parameters are those in force for that year (see jingzhun.policy.parameters)."""

    year: int
    parameters: ParameterSet = field(default_factory=default_parameters)

    @property
    def as_of(self) -> dt.date:
        return dt.date(self.year, 12, 31)

    def params_for(self, county_code: str) -> dict[str, Decimal | int | None]:
        """Parameter values for one county (``None`` where no value is in force: checks that need
        it then report nothing, in both entry and batch)."""
        values: dict[str, Decimal | int | None] = {}
        for name, column in PARAMETER_COLUMNS.items():
            p = self.parameters.value_or_none(name, on=self.year, area_code=county_code)
            if p is None:
                values[column] = None
            elif column in INTEGER_PARAMETERS:
                values[column] = int(p.value)
            else:
                values[column] = p.value
        return values

    def params_table(self, county_codes: list[str]) -> pa.Table:
        rows = [{"county_code": code, **self.params_for(code)} for code in county_codes]
        fields = [pa.field("county_code", pa.string())]
        for column in PARAMETER_COLUMNS.values():
            fields.append(
                pa.field(
                    column, pa.int32() if column in INTEGER_PARAMETERS else pa.decimal128(14, 2)
                )
            )
        schema = pa.schema(fields)
        return pa.Table.from_pylist(rows, schema=schema)


def default_year(today: dt.date | None = None) -> int:
    """The income year a county reviews by default: last year (this year's incomes are not in).
    "Today" is the project's local day (Asia/Shanghai), as everywhere else: on 1 January before
    08:00 a server clock in UTC would still be in the old year."""
    return (today or timezone.localdate()).year - 1
