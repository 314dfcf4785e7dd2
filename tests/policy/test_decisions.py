"""Decisions: how criteria combine, when a decision does not apply, the no-labour exception,
the suggested monitoring category and risk types, and year boundaries (the value in force on
31 December of the year asked; a 2018 re-run gives the 2018 answer)."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.accounts.models import User
from jingzhun.accounts.roles import Role
from jingzhun.policy.criteria import FAIL, NOT_APPLICABLE, PASS, UNKNOWN
from jingzhun.policy.decisions import combine
from tests.policy.builders import (
    batch_rows,
    bundle,
    entry_row,
    evaluate,
    monitored_household,
    results,
    set_income,
)


@pytest.mark.parametrize(
    ("statuses", "how", "expected"),
    [
        ([PASS, PASS], "all", PASS),
        ([PASS, FAIL, UNKNOWN], "all", FAIL),
        ([PASS, UNKNOWN], "all", UNKNOWN),
        ([FAIL, FAIL], "any", FAIL),
        ([FAIL, PASS, UNKNOWN], "any", PASS),
        ([FAIL, UNKNOWN], "any", UNKNOWN),
    ],
)
def test_criteria_combine_all_or_any(statuses, how, expected) -> None:
    assert combine(statuses, how) == expected


def test_a_household_meeting_every_standard_passes_the_exit_standard() -> None:
    found = evaluate(bundle())
    assert found.status("exit_standard") == PASS
    assert found.decision("exit_standard").failed == ()


def test_the_exit_standard_lists_every_failed_criterion() -> None:
    data = set_income(bundle(), wage=9000)
    data["conditions"][0].update(housing_grade="D")
    decision = evaluate(data).decision("exit_standard")
    assert decision.status == FAIL
    assert decision.failed == ("E-INCOME", "E-CLOTHING", "E-HOUSING")


def test_elimination_does_not_apply_to_a_household_not_under_monitoring() -> None:
    assert evaluate(bundle()).status("elimination") == NOT_APPLICABLE
    eliminated = monitored_household(risk_eliminated=True)
    assert evaluate(eliminated).status("elimination") == NOT_APPLICABLE


def test_a_monitored_household_with_labour_meeting_everything_may_be_eliminated() -> None:
    data = monitored_household(monitoring_identified_on=dt.date(2024, 3, 1))
    found = evaluate(data)
    assert found.status("elimination") == PASS


def test_a_household_without_working_age_labour_is_not_eliminated_and_stays_monitored() -> None:
    data = monitored_household(monitoring_identified_on=dt.date(2024, 3, 1))
    for m in data["members"]:
        m["labour_skill"] = "lost" if m["relation"] == "head" else "none"
    found = evaluate(data)
    assert found.status("elimination") == FAIL
    assert found.decision("elimination").failed == ("R-LABOUR",)
    assert "lack_labour" in found.risk_types


def test_labour_outside_the_working_ages_does_not_count() -> None:
    data = monitored_household(monitoring_identified_on=dt.date(2024, 3, 1))
    for m in data["members"]:
        m["birth_date"] = dt.date(1960, 1, 1)  # 64 on 31 December 2024
    assert results(data)["R-LABOUR"].status == FAIL


def test_the_category_follows_income_and_registration() -> None:
    exited = set_income(bundle(), wage=15000)  # 5000 per person, below 6000
    assert evaluate(exited).suggested_category == "unstable_exited"
    never = set_income(
        bundle(household_type="ordinary", identified_on=None, exit_year=None), wage=15000
    )
    assert evaluate(never).suggested_category == "marginal"
    sudden = set_income(bundle(), wage=24300, compliant_out_of_pocket=9000)
    found = evaluate(sudden)
    assert found.status("monitoring") == PASS
    assert found.suggested_category == "sudden_hardship"
    assert evaluate(bundle()).suggested_category == ""


def test_risk_types_follow_the_data() -> None:
    data = bundle()
    data["members"][0]["health"] = "chronic"
    data["members"][1]["health"] = "disabled"
    data["conditions"][0].update(safe_drinking_water=False, is_dangerous_house=True)
    assert evaluate(data).risk_types == ("illness", "disability", "unsafe_housing", "unsafe_water")


def test_a_role_that_does_not_see_health_gets_no_signal_resting_on_it() -> None:
    data = bundle()
    data["members"][0]["health"] = "chronic"
    data["members"][1]["health"] = "disabled"
    data["conditions"][0].update(safe_drinking_water=False)
    full = evaluate(data)
    analyst = User(role=Role.COUNTY_ANALYST)

    shown = full.disclosed_to(analyst)

    signals = [r.code for r in shown.decision("monitoring").signals]
    assert "M-RISK-ILLNESS" not in signals and "M-RISK-DISABILITY" not in signals
    assert "M-RISK-WATER" in signals
    assert shown.risk_types == ("unsafe_water",)
    assert [d.status for d in shown.decisions] == [d.status for d in full.decisions]
    assert full.disclosed_to(User(role=Role.TOWNSHIP_REVIEWER)) is full


# --- years --------------------------------------------------------------------------------------


def test_a_2018_re_run_uses_the_2018_poverty_line() -> None:
    data = set_income(bundle(), year=2018, wage=9000)  # 3000 per person
    found = results(data, 2018)["E-INCOME"]
    assert (found.status, str(found.threshold)) == (PASS, "2995.00")  # national 2018 line
    assert found.version == "poverty_line@000000@2018-01-01"
    assert results(data, 2024)["E-INCOME"].status == UNKNOWN  # no 2024 income


def test_a_provincial_line_overrides_the_national_one_in_its_year_only() -> None:
    guizhou = set_income(bundle(village_code="520102100001"), year=2018, wage=9000)
    found = results(guizhou, 2018)["E-INCOME"]
    assert (found.status, str(found.threshold)) == (FAIL, "3535.00")
    assert found.version == "poverty_line@520000@2018-01-01"


def test_a_county_threshold_applies_to_its_year_and_not_the_next() -> None:
    yuanmou = bundle(village_code="532328101001")
    set_income(yuanmou, year=2023, wage=22500)  # 7500 per person
    in_2023 = results(yuanmou, 2023)["M-INCOME"]
    assert (in_2023.status, str(in_2023.threshold)) == (PASS, "8050.00")
    set_income(yuanmou, year=2024, wage=22500)
    in_2024 = results(yuanmou, 2024)["M-INCOME"]
    assert (in_2024.status, in_2024.version) == (FAIL, "monitoring_threshold@000000@2021-01-01")


def test_ages_are_counted_on_31_december_of_the_year() -> None:
    data = bundle()
    child = data["members"][2]
    child["student_status"] = "not_student"
    child["birth_date"] = dt.date(2009, 1, 1)  # 15 on 31 December 2024: still school age
    assert results(data)["E-EDUCATION"].status == FAIL
    child["birth_date"] = dt.date(2008, 12, 31)  # 16 on 31 December 2024
    assert results(data)["E-EDUCATION"].status == PASS


def test_months_of_monitoring_are_whole_months_to_31_december() -> None:
    data = monitored_household(monitoring_identified_on=dt.date(2023, 12, 31))
    assert results(data)["R-MONTHS"].value == 12
    data["household"]["monitoring_identified_on"] = dt.date(2025, 1, 1)  # after the year
    assert results(data)["R-MONTHS"].status == FAIL


def test_the_batch_gives_the_same_row_for_these_households() -> None:
    households = [
        bundle(),
        monitored_household(id=2, monitoring_identified_on=dt.date(2024, 3, 1)),
        set_income(bundle(id=3, village_code="532328101001"), year=2023, wage=22500),
    ]
    for hid, b in enumerate(households, start=1):
        b["household"]["id"] = hid
        for key in ("members", "incomes", "conditions", "measures"):
            for row in b[key]:
                row["household_id"] = hid
        for k, m in enumerate(b["members"]):
            m["id"] = hid * 10 + k
    for year in (2023, 2024):
        expected = {b["household"]["id"]: entry_row(b, year) for b in households}
        assert batch_rows(households, year) == expected
