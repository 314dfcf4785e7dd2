"""Each check has a failing and a passing fixture, evaluated at entry and in batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from jingzhun.quality.checks import CATALOGUE, VILLAGE, runnable_checks, village_checks
from jingzhun.quality.context import CheckContext
from tests.quality.builders import (
    YEAR,
    batch_keys,
    conditions,
    entry_keys,
    income,
    measures,
    person_id,
    valid_household,
)

Bundle = dict[str, Any]


def _m(b: Bundle, n: int) -> dict:
    return b["members"][n]


def _set(n: int, **values: Any) -> Callable[[Bundle], None]:
    def change(b: Bundle) -> None:
        _m(b, n).update(values)

    return change


def _household(**values: Any) -> Callable[[Bundle], None]:
    def change(b: Bundle) -> None:
        b["household"].update(values)

    return change


def _hid(b: Bundle) -> int:
    return b["household"]["id"]


def _eliminated(b: Bundle) -> None:
    b["household"].update(
        household_type="monitored",
        monitoring_category="unstable_exited",
        monitoring_identified_on=dt.date(2022, 1, 10),
        risk_eliminated=True,
        risk_eliminated_on=dt.date(2023, 3, 1),
        elimination_method="assisted",
    )
    b["risks"] = [{"household_id": _hid(b), "position": 1, "kind": "accident", "remark": ""}]


def _then(*changes: Callable[[Bundle], None]) -> Callable[[Bundle], None]:
    def change(b: Bundle) -> None:
        for c in changes:
            c(b)

    return change


def _low_income(b: Bundle) -> None:
    b["incomes"] = [income(_hid(b), 3, wage=6000, business=0)]


def _risk(kind: str, remark: str = "") -> Callable[[Bundle], None]:
    def change(b: Bundle) -> None:
        b["risks"].append({"household_id": _hid(b), "position": 1, "kind": kind, "remark": remark})

    return change


def _same_id(b: Bundle) -> None:
    _m(b, 2)["id_number"] = _m(b, 0)["id_number"]


def _wrong_check_char(b: Bundle) -> None:
    number = _m(b, 0)["id_number"]
    _m(b, 0)["id_number"] = number[:17] + ("0" if number[17] != "0" else "1")


def _migrant_low_pay(b: Bundle) -> None:
    _m(b, 0).update(work_status="out_province", work_months=10)
    b["incomes"] = [income(_hid(b), 3, wage=3000)]


def _five_ones(b: Bundle) -> None:
    # Five equal digits then another: a real (if unusual) number, not a placeholder.
    _m(b, 0)["id_number"] = person_id(dt.date(1970, 3, 4), True, "111112", seq=_hid(b))


def _bad_per_capita(b: Bundle) -> None:
    b["incomes"][0]["per_capita_net"] += Decimal("5")


def _monitored(b: Bundle) -> None:
    b["household"].update(
        household_type="monitored",
        monitoring_category="marginal",
        monitoring_identified_on=dt.date(2022, 1, 10),
    )
    b["risks"] = [{"household_id": _hid(b), "position": 1, "kind": "schooling", "remark": ""}]


def _measures(**values: str) -> Callable[[Bundle], None]:
    def change(b: Bundle) -> None:
        b["measures"] = [measures(_hid(b), **values)]

    return change


# A monitored household whose son attends 中职 (Q-M-040 reads its measures).
_vocational = _then(_monitored, _set(2, student_status="secondary_vocational"))


# check code → the change that makes the valid household fail it
FAILING: dict[str, Callable[[Bundle], None]] = {
    "Q-M-001": _same_id,
    "Q-M-002": _set(0, id_number="999999197003041234"),
    "Q-M-003": _wrong_check_char,
    "Q-M-004": _set(0, birth_date=dt.date(1970, 3, 5)),
    "Q-M-005": _set(0, sex="F"),
    "Q-M-010": _set(2, labour_skill="ordinary", student_status="not_student"),
    "Q-M-011": _set(0, student_status="secondary_vocational"),
    "Q-M-012": _set(0, labour_skill="weak"),
    "Q-M-013": _set(2, education="senior"),
    "Q-M-014": _set(2, student_status="not_student"),
    "Q-M-015": _set(0, student_status="grade_8", labour_skill="none"),
    "Q-M-020": _set(1, resident_medical_insurance=False),
    "Q-M-021": _migrant_low_pay,
    "Q-M-030": _set(1, sex="M"),
    "Q-M-031": _set(2, birth_date=dt.date(1960, 1, 1)),
    "Q-M-032": _set(2, sex="F"),
    "Q-H-001": _set(1, relation="head"),
    "Q-H-010": _risk("disability"),
    "Q-H-011": _risk("illness"),
    "Q-H-012": _risk("other"),
    "Q-H-020": _then(_eliminated, _household(risk_eliminated_on=dt.date(2022, 5, 1))),
    "Q-H-021": _then(_eliminated, _low_income),
    "Q-H-022": _then(
        _eliminated, lambda b: b.update(conditions=[conditions(_hid(b), housing_grade="C")])
    ),
    "Q-H-023": _low_income,
    "Q-H-024": _then(_eliminated, _set(0, labour_skill="lost"), _set(1, labour_skill="none")),
    "Q-H-030": _household(exited_on=dt.date(2013, 1, 1)),
    "Q-H-031": _bad_per_capita,
    "Q-M-040": _then(_vocational, _measures(education_aid="助学贷款")),
    "Q-H-041": _then(_monitored, _measures(basic_guarantee="低保")),
    "Q-H-032": lambda b: b.update(incomes=[income(_hid(b), 4)]),
    "Q-H-040": _household(exit_year=None, exited_on=None),
    "Q-H-042": _household(household_type="monitored", monitoring_category="marginal"),
    "Q-H-043": lambda b: b.update(incomes=[]),
    "Q-H-044": _household(risk_eliminated=False, elimination_method="assisted"),
}

# A near miss for each check where one is instructive: the fixture stays clean.
PASSING: dict[str, Callable[[Bundle], None]] = {
    "Q-M-002": _five_ones,
    "Q-M-010": _set(2, birth_date=dt.date(2008, 1, 1), labour_skill="none"),
    "Q-M-012": _set(0, labour_skill="weak", health="chronic"),
    "Q-M-014": _set(2, student_status="grade_9"),
    "Q-M-020": _set(1, resident_medical_insurance=False, employee_medical_insurance=True),
    "Q-M-021": _then(_migrant_low_pay, lambda b: b.update(incomes=[income(_hid(b), 3, wage=4000)])),
    "Q-H-010": _then(_risk("disability"), _set(1, health="disabled")),
    "Q-H-011": _then(_risk("illness"), _set(1, health="serious")),
    "Q-H-012": _risk("other", "房屋受损"),
    "Q-H-020": _then(_eliminated, _household(risk_eliminated_on=dt.date(2022, 7, 10))),
    "Q-H-021": _eliminated,
    "Q-H-022": _then(
        _eliminated, lambda b: b.update(conditions=[conditions(_hid(b), housing_grade="B")])
    ),
    "Q-H-023": _then(
        _low_income,
        _household(
            monitoring_category="unstable_exited", monitoring_identified_on=dt.date(2022, 1, 10)
        ),
    ),
    "Q-H-024": _eliminated,
    "Q-H-031": lambda b: b.update(incomes=[income(_hid(b), 3, wage="18000.01")]),
    "Q-H-044": _eliminated,
    "Q-M-040": _then(_vocational, _measures(education_aid="雨露计划、助学贷款")),
    # Only 综合保障, but nobody of working age can work: 兜底 is the right measure.
    "Q-H-041": _then(
        _monitored,
        _measures(basic_guarantee="低保"),
        _set(0, labour_skill="lost"),
        _set(1, labour_skill="none"),
    ),
}

CTX = CheckContext(year=YEAR)
CASES = [("fail", code) for code in sorted(FAILING)] + [("pass", code) for code in sorted(PASSING)]


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], tuple[set, set]]:
    """Every fixture as its own household, evaluated at entry and in ONE batch run."""
    bundles = []
    for n, (kind, code) in enumerate(CASES, start=2):
        bundle = valid_household(hid=n)
        (FAILING if kind == "fail" else PASSING)[code](bundle)
        bundles.append(bundle)
    bundles.append(valid_household(hid=1))
    entry, batch = entry_keys(bundles, CTX), batch_keys(bundles, CTX)
    out = {}
    for n, case in enumerate(CASES, start=2):
        out[case] = ({k for k in entry if k[1] == n}, {k for k in batch if k[1] == n})
    out[("valid", "")] = ({k for k in entry if k[1] == 1}, {k for k in batch if k[1] == 1})
    return out


def test_the_valid_household_passes_every_check(results) -> None:
    assert results[("valid", "")] == (set(), set())


def test_every_runnable_check_has_a_failing_fixture() -> None:
    assert {c.code for c in runnable_checks()} == set(FAILING)


def test_village_checks_are_kept_apart_from_the_per_household_ones() -> None:
    villages = {c.code for c in village_checks()}
    assert villages == {"Q-V-001", "Q-V-002"}
    assert all(CATALOGUE[code].level == VILLAGE for code in villages)
    assert not villages & {c.code for c in runnable_checks()}


def test_a_monitored_vocational_student_without_measures_is_reported() -> None:
    # No measures recorded for the year at all: 雨露计划 is not recorded either.
    bundle = valid_household(hid=7)
    _vocational(bundle)
    bundle["measures"] = []
    son = bundle["members"][2]["id"]
    assert ("Q-M-040", 7, son) in entry_keys([bundle], CTX)
    assert ("Q-M-040", 7, son) in batch_keys([bundle], CTX)


def test_only_guarantee_needs_the_measures_of_the_review_year() -> None:
    # 2023's measures say 综合保障 only; the review year (2024) has none: nothing to report.
    bundle = valid_household(hid=8)
    _monitored(bundle)
    bundle["measures"] = [measures(8, year=2023, basic_guarantee="低保")]
    assert not any(k[0] == "Q-H-041" for k in entry_keys([bundle], CTX))
    assert not any(k[0] == "Q-H-041" for k in batch_keys([bundle], CTX))


@pytest.mark.parametrize("code", sorted(FAILING))
def test_the_failing_fixture_is_found_at_entry_and_in_batch(results, code: str) -> None:
    entry, batch = results[("fail", code)]
    assert code in {k[0] for k in entry}
    assert entry == batch


@pytest.mark.parametrize("code", sorted(PASSING))
def test_the_near_miss_passes(results, code: str) -> None:
    entry, batch = results[("pass", code)]
    assert code not in {k[0] for k in entry}
    assert entry == batch


def test_no_check_waits_for_data_any_more() -> None:
    # Q-M-040 and Q-H-041 waited for the assistance measures, which the registry now holds.
    assert [c.code for c in CATALOGUE.values() if not c.runnable] == []


def test_the_monitoring_threshold_comes_from_the_county_override() -> None:
    # 元谋 2023: 8050. A per-capita income of 7000 is below it but above the national 6000.
    def bundle_in(village: str) -> Bundle:
        b = valid_household(village=village)
        b["incomes"] = [
            income(
                1,
                3,
                year=2023,
                wage=3000,
                business=0,
                pension_benefit=0,
                business_expense=0,
                property_income=18000,
            )
        ]
        b["conditions"] = []
        return b

    ctx = CheckContext(year=2023)
    yuanmou = entry_keys([bundle_in("532328101001")], ctx)
    wutai = entry_keys([bundle_in("140922100001")], ctx)
    assert ("Q-H-023", 1, None) in yuanmou
    assert ("Q-H-023", 1, None) not in wutai
    assert batch_keys([bundle_in("532328101001")], ctx) == yuanmou
