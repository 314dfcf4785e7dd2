"""Entry-time (Python, one household) and batch (one Ibis query on DuckDB over in-memory
tables) evaluations agree exactly on generated households: every feature, every decision
status, the failed-criterion codes, the suggested category and risk types.

The generator aims at the edges: incomes equal to the thresholds, birthdays on 31 December
and 1 January at the age limits, missing records, blank statuses, parameters not yet in force
(2018 has no monitoring threshold), county overrides (元谋 2023, 南康 2024, 贵州 2018)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhun.policy.features import features_from_data
from jingzhun.registry import choices as c
from jingzhun.registry.models import MEASURE_FIELDS
from tests.policy.builders import batch_features, batch_rows, entry_row
from tests.quality.builders import conditions, income, measures, member

VILLAGES = ["140922100001", "532328101001", "360703100001", "520102100001"]
YEARS = [2018, 2020, 2023, 2024]
# Round figures at the thresholds of the parameter files (×3 people), and anything else.
AT_THRESHOLDS = [Decimal(v) * 3 for v in (2995, 3535, 4000, 6000, 8050, 8500)]
money = st.decimals(min_value=0, max_value=40000, places=2, allow_nan=False, allow_infinity=False)
amounts = money | st.sampled_from(AT_THRESHOLDS)


def births(year: int) -> st.SearchStrategy[dt.date | None]:
    # Just inside and just outside the school (6–15) and labour (16–59) ages on 31 December.
    edges = [
        dt.date(year - age, month, day)
        for age in (5, 6, 15, 16, 59, 60)
        for month, day in ((1, 1), (12, 31))
    ]
    return (
        st.sampled_from(edges)
        | st.dates(min_value=dt.date(1935, 1, 1), max_value=dt.date(year, 12, 31))
        | st.none()
    )


@st.composite
def household(draw: st.DrawFn, hid: int, year: int) -> dict:
    ms = []
    for k in range(draw(st.integers(min_value=0, max_value=4))):
        birth = draw(births(year))
        ms.append(
            member(
                hid * 10 + k,
                hid,
                "head" if k == 0 else "son",
                "M",
                birth or dt.date(1980, 1, 1),
                birth_date=birth,
                student_status=draw(st.sampled_from([*c.StudentStatus.values, "", "not_student"])),
                labour_skill=draw(st.sampled_from([*c.LabourSkill.values, ""])),
                health=draw(st.sampled_from(c.Health.values)),
                resident_medical_insurance=draw(st.booleans()),
                employee_medical_insurance=draw(st.booleans()),
                serious_illness_insurance=draw(st.booleans()),
            )
        )
    incomes = []
    if draw(st.integers(0, 4)):
        size = draw(st.sampled_from([3, 3, max(len(ms), 1), 0, 7]))
        parts = {
            "wage": draw(amounts),
            "business": Decimal(0),
            "pension_benefit": Decimal(0),
            "business_expense": Decimal(0),
            "compliant_out_of_pocket": draw(st.sampled_from([Decimal(0), Decimal("0.01")]) | money),
        }
        row = income(hid, size or 1, year=draw(st.sampled_from([year, year, year - 1])), **parts)
        row["household_size"] = size
        incomes.append(row)
    conds = []
    if draw(st.integers(0, 3)):
        conds.append(
            conditions(
                hid,
                year=year,
                is_dangerous_house=draw(st.booleans()),
                housing_grade=draw(st.sampled_from(["", "A", "B", "C", "D"])),
                safe_drinking_water=draw(st.booleans()),
                water_difficulty=draw(st.booleans()),
            )
        )
    aid = []
    if draw(st.integers(0, 3)):
        text = st.sampled_from(["", "", " ", "\t", "产业奖补"])
        aid.append(
            measures(
                hid,
                year=draw(st.sampled_from([year, year, year - 1])),
                **{name: draw(text) for name in MEASURE_FIELDS},
            )
        )
    identified = draw(
        st.none()
        | st.sampled_from([dt.date(year, 6, 30), dt.date(year, 7, 1), dt.date(year, 12, 31)])
        | st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2025, 6, 30))
    )
    return {
        "household": {
            "id": hid,
            "number": f"H{hid}",
            "village_code": draw(st.sampled_from(VILLAGES)),
            "household_type": draw(st.sampled_from(c.HouseholdType.values)),
            "identified_on": draw(st.none() | st.just(dt.date(2014, 6, 1))),
            "exit_year": draw(st.none() | st.integers(min_value=2014, max_value=2020)),
            "monitoring_category": draw(st.sampled_from([*c.MonitoringCategory.values, ""])),
            "monitoring_identified_on": identified,
            "risk_eliminated": draw(st.sampled_from([None, True, False])),
            "elimination_method": "",
            "no_labour_guarantee": False,
            "member_count": len(ms),
        },
        "members": ms,
        "incomes": incomes,
        "conditions": conds,
        "measures": aid,
        "risks": [],
    }


@st.composite
def registries(draw: st.DrawFn) -> tuple[int, list[dict]]:
    year = draw(st.sampled_from(YEARS))
    n = draw(st.integers(min_value=1, max_value=6))
    return year, [draw(household(hid, year)) for hid in range(1, n + 1)]


def _agree(data: tuple[int, list[dict]]) -> None:
    year, bundles = data
    batch = batch_rows(bundles, year)
    assert batch == {b["household"]["id"]: entry_row(b, year) for b in bundles}
    features = batch_features(bundles, year)
    for b in bundles:
        assert features[b["household"]["id"]] == features_from_data(**b, year=year)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries())
def test_entry_and_batch_agree_on_generated_households(data) -> None:
    _agree(data)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries())
def test_entry_and_batch_agree_on_many_generated_households(data) -> None:
    _agree(data)
