"""Village and county exit decisions read from the database: for a page (as a user, through the
registry's scoping functions) and for the batch command (a backend, the whole area).

* one village: its households evaluated one by one in Python (five queries, none per
  household) and counted (:func:`~jingzhun.policy.villages.counts_from_evaluations`);
* a county, or any area in batch: the batch household decisions aggregated per village on the
  Ibis backend (:func:`~jingzhun.policy.villages.village_counts_batch`). The county page runs
  it on an embedded DuckDB over the rows the user may see.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from jingzhun.analytics.backend import Backend, DuckDBBackend
from jingzhun.analytics.schema import TABLES, arrow_schema
from jingzhun.areas.models import Area, Level, VillageProfile, code_range
from jingzhun.assessment.models import CountyAssessment
from jingzhun.policy.criteria import FAIL, UNKNOWN
from jingzhun.policy.decisions import evaluate_data
from jingzhun.policy.parameters import ParameterSet
from jingzhun.policy.runs import sorted_pairs
from jingzhun.policy.villages import (
    AssessmentFacts,
    CountyEvaluation,
    ProfileFacts,
    VillageEvaluation,
    counts_from_evaluations,
    evaluate_county,
    evaluate_village,
    evaluate_villages,
    registered_expr,
    village_counts_batch,
)

if TYPE_CHECKING:
    from jingzhun.accounts.models import User

YEARLY = ("incomes", "conditions", "measures")


def _orm(table: str) -> list[str]:
    return [c.orm for c in TABLES[table]]


def profiles_under(prefix: str, year: int) -> dict[str, ProfileFacts]:
    low, high = code_range(prefix)
    rows = VillageProfile.objects.filter(
        village__code__gte=low, village__code__lt=high, year=year
    ).select_related("village")
    return {p.village.code: ProfileFacts.from_model(p) for p in rows}


def village_codes_under(prefix: str) -> list[str]:
    low, high = code_range(prefix)
    return list(
        Area.objects.filter(code__gte=low, code__lt=high, level=Level.VILLAGE).values_list(
            "code", flat=True
        )
    )


def assessments_under(prefix: str, year: int) -> dict[str, AssessmentFacts]:
    low, high = code_range(prefix)
    rows = CountyAssessment.objects.filter(
        county__code__gte=low, county__code__lt=high, year=year
    ).select_related("county")
    return {a.county.code: AssessmentFacts.from_model(a) for a in rows}


def _scoped_querysets(user: User, prefix: str, year: int) -> dict[str, Any]:
    from jingzhun.registry import scoping

    low, high = code_range(prefix)
    within = {"household__village_code__gte": low, "household__village_code__lt": high}
    return {
        "households": scoping.households_for(user).filter(
            village_code__gte=low, village_code__lt=high
        ),
        "members": scoping.members_for(user).filter(**within),
        "incomes": scoping.incomes_for(user).filter(year=year, **within),
        "conditions": scoping.conditions_for(user).filter(year=year, **within),
        "measures": scoping.measures_for(user).filter(year=year, **within),
    }


def village_evaluation_for(
    user: User, village: Area, year: int, *, parameters: ParameterSet | None = None
) -> VillageEvaluation:
    """The exit decision of a village the user may see (``village`` read through
    ``scoping.access_area_by_code``): every household evaluated in Python, five queries."""
    querysets = _scoped_querysets(user, village.scope_prefix, year)
    households = list(querysets["households"].order_by("id").values(*_orm("households")))
    by_household: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for table in ("members", *YEARLY):
        grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in querysets[table].order_by("id").values(*_orm(table)):
            grouped[row["household_id"]].append(row)
        by_household[table] = grouped
    evaluations = [
        evaluate_data(
            {"household": h, **{t: by_household[t].get(h["id"], []) for t in by_household}},
            year=year,
            parameters=parameters,
        )
        for h in households
    ]
    counts = counts_from_evaluations(village.code, evaluations, year)
    profile = profiles_under(village.scope_prefix, year).get(village.code)
    return evaluate_village(counts, profile, year, parameters=parameters)


def scoped_backend(user: User, prefix: str, year: int) -> DuckDBBackend:
    """An embedded DuckDB holding the rows under ``prefix`` the user may see, in the snapshot
    schema, for the batch engine (one query per table)."""
    tables: dict[str, pa.Table] = {}
    for table, queryset in _scoped_querysets(user, prefix, year).items():
        columns = TABLES[table]
        rows = list(queryset.order_by().values_list(*(c.orm for c in columns)))
        arrays = (
            [
                pa.array(v, type=c.type)
                for v, c in zip(zip(*rows, strict=True), columns, strict=True)
            ]
            if rows
            else [pa.array([], type=c.type) for c in columns]
        )
        tables[table] = pa.Table.from_arrays(arrays, schema=arrow_schema(table))
    return DuckDBBackend(tables=tables)


def evaluate_area_villages(
    backend: Backend, year: int, prefix: str, *, parameters: ParameterSet | None = None
) -> list[VillageEvaluation]:
    """Every village under ``prefix`` (batch household part)."""
    counts = village_counts_batch(backend, year, area_prefix=prefix, parameters=parameters)
    return evaluate_villages(
        counts,
        profiles_under(prefix, year),
        village_codes_under(prefix),
        year,
        parameters=parameters,
    )


def counties_from_villages(
    villages: list[VillageEvaluation],
    prefix: str,
    year: int,
    *,
    parameters: ParameterSet | None = None,
) -> list[CountyEvaluation]:
    """Every county under ``prefix`` from its villages' evaluations (a loop over villages)."""
    low, high = code_range(prefix)
    county_codes = set(
        Area.objects.filter(code__gte=low, code__lt=high, level=Level.COUNTY).values_list(
            "code", flat=True
        )
    )
    county_codes |= {v.village_code[:6] for v in villages}
    by_county: dict[str, list[VillageEvaluation]] = defaultdict(list)
    for v in villages:
        by_county[v.village_code[:6]].append(v)
    assessments = assessments_under(prefix[:6] if len(prefix) > 6 else prefix, year)
    out = []
    for code in sorted(county_codes):
        members = by_county.get(code, [])
        out.append(
            evaluate_county(
                code,
                [v.counts for v in members],
                {v.village_code: v.profile for v in members if v.profile is not None},
                [v.village_code for v in members],
                assessments.get(code),
                year,
                parameters=parameters,
            )
        )
    return out


def county_evaluation_for(
    user: User, county: Area, year: int, *, parameters: ParameterSet | None = None
) -> tuple[CountyEvaluation, list[VillageEvaluation]]:
    """The exit decision of a county the user may see, and its villages' decisions."""
    backend = scoped_backend(user, county.scope_prefix, year)
    villages = evaluate_area_villages(backend, year, county.scope_prefix, parameters=parameters)
    (found,) = counties_from_villages(villages, county.scope_prefix, year, parameters=parameters)
    return found, villages


# The households behind the exit panel's counts (the household list's ``exit_standard``):
# every registered poor household of the year, those failing the household exit standard, those
# whose data leave it unknown.
EXIT_STANDARD_STATUSES = {"registered": None, "fail": FAIL, "unknown": UNKNOWN}


def exit_households(user: User, area: Area, year: int, which: str) -> list[tuple[str, int]]:
    """(village code, household id), sorted, of the registered poor households of ``year``
    under ``area`` that the user may see, all of them (``registered``) or those whose exit
    standard has the status ``which`` (``fail``, ``unknown``): the same batch decisions the
    county panel counts (the village panel's Python evaluation agrees with them,
    tests/policy/test_village_county.py)."""
    backend = scoped_backend(user, area.scope_prefix, year)
    rows = registered_expr(backend, year, area_prefix=area.scope_prefix)
    status = EXIT_STANDARD_STATUSES[which]
    if status is not None:
        rows = rows.filter(rows.exit_standard == status)
    return sorted_pairs(backend.execute(rows.select("village_code", "household_id")))
