"""Every criterion with a passing, a failing and an unknown household (plain dicts, no
database), the explanation's content, and the catalogue's own rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from jingzhun.policy.criteria import CRITERIA, FAIL, PASS, UNKNOWN
from tests.policy.builders import bundle, monitored_household, results, set_income

Data = dict[str, Any]
Change = Callable[[Data], Any]


def _member(data: Data, index: int, **values: Any) -> None:
    data["members"][index].update(values)


def _conditions(**values: Any) -> Change:
    return lambda d: d["conditions"][0].update(values)


def _no(key: str) -> Change:
    return lambda d: d.update({key: []})


def _all_members(**values: Any) -> Change:
    return lambda d: [m.update(values) for m in d["members"]]


def _same(d: Data) -> None:
    return None


LOW_INCOME = lambda d: set_income(d, wage=9000)  # noqa: E731 (3000 per person)
MID_INCOME = lambda d: set_income(d, wage=15000)  # noqa: E731 (5000 per person)
HIGH_INCOME = lambda d: set_income(d, wage=24300)  # noqa: E731 (8100 per person)
NO_LABOUR = _all_members(labour_skill="none")

# code → (make it pass, make it fail, make it unknown), each applied to a monitored 脱贫户 of
# three with a 2024 income of 8100 per person (see tests/policy/builders.py).
FIXTURES: dict[str, tuple[Change, Change, Change]] = {
    "E-INCOME": (HIGH_INCOME, LOW_INCOME, _no("incomes")),
    "E-CLOTHING": (HIGH_INCOME, LOW_INCOME, _no("incomes")),
    "E-FOOD": (_same, _conditions(safe_drinking_water=False), _no("conditions")),
    "E-EDUCATION": (
        _same,
        lambda d: _member(d, 2, student_status="not_student"),
        lambda d: _member(d, 2, student_status=""),
    ),
    "E-MEDICAL": (
        lambda d: _member(d, 0, resident_medical_insurance=False, employee_medical_insurance=True),
        lambda d: _member(d, 0, resident_medical_insurance=False),
        _no("members"),
    ),
    "E-SERIOUS-ILLNESS": (
        _same,
        lambda d: _member(d, 1, serious_illness_insurance=False),
        _no("members"),
    ),
    "E-HOUSING": (
        _conditions(housing_grade="B"),
        _conditions(housing_grade="C"),
        _no("conditions"),
    ),
    "M-INCOME": (MID_INCOME, HIGH_INCOME, _no("incomes")),
    "M-SPENDING": (
        lambda d: set_income(d, wage=24300, compliant_out_of_pocket=9000),
        HIGH_INCOME,
        _no("incomes"),
    ),
    "M-RISK-ILLNESS": (lambda d: _member(d, 1, health="serious"), _same, _no("members")),
    "M-RISK-DISABILITY": (lambda d: _member(d, 1, health="disabled"), _same, _no("members")),
    "M-RISK-LABOUR": (
        NO_LABOUR,
        _same,
        lambda d: [_member(d, 0, labour_skill=""), _member(d, 1, labour_skill="none")],
    ),
    "M-RISK-HOUSING": (
        _conditions(is_dangerous_house=True, housing_grade="D"),
        _same,
        _no("conditions"),
    ),
    "M-RISK-WATER": (_conditions(water_difficulty=True), _same, _no("conditions")),
    "R-INCOME": (HIGH_INCOME, MID_INCOME, _no("incomes")),
    "R-EDUCATION": (
        _same,
        lambda d: _member(d, 2, student_status="not_student"),
        lambda d: _member(d, 2, birth_date=None),
    ),
    "R-MEDICAL": (_same, _all_members(resident_medical_insurance=False), _no("members")),
    "R-SERIOUS-ILLNESS": (_same, _all_members(serious_illness_insurance=False), _no("members")),
    "R-HOUSING": (_same, _conditions(is_dangerous_house=True), _no("conditions")),
    "R-WATER": (_same, _conditions(water_difficulty=True), _no("conditions")),
    "R-MONTHS": (
        lambda d: d["household"].update(monitoring_identified_on=dt.date(2024, 6, 30)),
        lambda d: d["household"].update(monitoring_identified_on=dt.date(2024, 7, 1)),
        lambda d: d["household"].update(monitoring_identified_on=None),
    ),
    "R-MEASURE": (
        _same,
        lambda d: d["measures"][0].update(industry_aid=" ", health_aid=""),
        lambda d: d["measures"][0].update(year=2023),
    ),
    "R-LABOUR": (
        _same,
        NO_LABOUR,
        lambda d: [_member(d, 0, labour_skill=""), _member(d, 1, birth_date=None)],
    ),
}


def test_every_criterion_has_its_three_fixtures() -> None:
    assert set(FIXTURES) == set(CRITERIA)


@pytest.mark.parametrize("code", sorted(FIXTURES))
@pytest.mark.parametrize("expected", [PASS, FAIL, UNKNOWN])
def test_each_criterion_passes_fails_and_is_unknown_on_its_fixture(code, expected) -> None:
    data = monitored_household()
    change = FIXTURES[code][[PASS, FAIL, UNKNOWN].index(expected)]
    change(data)
    result = results(data)[code]
    assert result.status == expected, result.explanation
    if expected == UNKNOWN:
        assert result.missing
        assert result.explanation.startswith("无法判定：缺少")
    else:
        assert result.value is not None and result.threshold is not None


def test_an_unknown_income_names_the_missing_record_never_passes() -> None:
    data = bundle()
    data["incomes"] = []
    result = results(data)["E-INCOME"]
    assert result.status == UNKNOWN
    assert result.missing == ("当年收入记录",)
    assert result.explanation == "无法判定：缺少当年收入记录。"


def test_the_explanation_gives_the_value_the_threshold_and_the_version() -> None:
    data = set_income(bundle(), wage=9000)
    result = results(data)["E-INCOME"]
    assert result.status == FAIL
    assert str(result.value) == "3000.00"
    assert str(result.threshold) == "4000.00"
    assert result.version == "poverty_line@000000@2020-01-01"
    assert result.explanation == (
        "不符合：当年人均纯收入为3000.00；"
        "当年人均纯收入应高于贫困线4000.00（参数版本 poverty_line@000000@2020-01-01）。"
    )


def test_a_parameter_not_yet_in_force_makes_the_criterion_unknown() -> None:
    # No monitoring threshold before the 2020 guidance: in 2019 there is nothing to compare with.
    data = set_income(bundle(), year=2019, wage=9000)
    result = results(data, 2019)["M-INCOME"]
    assert result.status == UNKNOWN
    assert result.missing == ("防返贫监测线参数（当年无生效值）",)


def test_incomes_equal_to_a_threshold_are_neither_above_nor_below_it() -> None:
    found = results(set_income(bundle(), wage=12000))  # 4000 per person = the 2024 line
    assert found["E-INCOME"].status == FAIL
    found = results(set_income(bundle(), wage=18000))  # 6000 = the monitoring threshold
    assert found["M-INCOME"].status == FAIL
    assert found["R-INCOME"].status == FAIL


def test_spending_is_subtracted_per_person_rounded_to_the_fen() -> None:
    data = set_income(bundle(), wage=20000, compliant_out_of_pocket="0.01")
    result = results(data)["M-SPENDING"]
    assert str(result.value) == "6666.66"  # (20000 − 0.01) ÷ 3 = 6666.663…


def test_a_household_without_members_is_unknown_for_every_member_criterion() -> None:
    data = bundle()
    data["members"] = []
    found = results(data)
    for code in ("E-EDUCATION", "E-MEDICAL", "E-SERIOUS-ILLNESS", "R-LABOUR", "M-RISK-ILLNESS"):
        assert found[code].status == UNKNOWN, code
        assert found[code].missing, code


def test_one_out_of_school_child_fails_even_when_another_status_is_blank() -> None:
    data = bundle()
    data["members"].append({**data["members"][2], "id": 99, "student_status": ""})
    _member(data, 2, student_status="not_student")
    assert results(data)["E-EDUCATION"].status == FAIL


def test_the_clothing_criterion_explains_that_it_is_judged_by_income() -> None:
    assert "没有“不愁穿”的字段" in CRITERIA["E-CLOTHING"].rationale
    assert CRITERIA["E-CLOTHING"].parameter == "poverty_line"


def test_criteria_name_their_parameter_and_never_hold_a_threshold() -> None:
    for criterion in CRITERIA.values():
        if criterion.parameter is None:
            assert criterion.constant in (0, True, False), criterion.code
