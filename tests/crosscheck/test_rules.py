"""Every alert rule at its threshold, on both sides; the thresholds are the policy
parameters' (read for the household's village on the record's date)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.crosscheck.models import Record
from jingzhun.crosscheck.rules import RULES, Signal
from jingzhun.registry.models import Member
from tests import factories

pytestmark = pytest.mark.django_db


def signal(household, member=None, *, labour=1, **record) -> Signal:
    values = {"kind": "x", "row": 1, "name": "张建国", "event_date": dt.date(2026, 10, 1)} | record
    values.setdefault("details", {})
    return Signal(
        Record(**values), member or household.members.get(relation="head"), household, labour
    )


@pytest.fixture
def exited(world):
    return factories.make_household(world.actor(), world.village, number="140922100001001")


@pytest.fixture
def ordinary(world):
    return factories.make_household(
        world.actor(),
        world.village,
        number="140922100001002",
        household_type="ordinary",
        identified_on=None,
        exit_year=None,
        exited_on=None,
        main_cause="",
        poverty_attribute="",
        identification_standard="",
    )


def fires(rule: str, s: Signal) -> bool:
    return RULES[rule].check(s) is not None


@pytest.mark.parametrize(("amount", "expected"), [("4999.99", False), ("5000", True)])
def test_a_hospital_stay_of_an_exited_household_alerts_from_5000(exited, amount, expected):
    assert fires("medical_stay", signal(exited, amount=Decimal(amount))) is expected


@pytest.mark.parametrize(("amount", "expected"), [("19999.99", False), ("20000", True)])
def test_a_hospital_stay_of_another_household_alerts_from_20000(ordinary, amount, expected):
    assert fires("medical_stay", signal(ordinary, amount=Decimal(amount))) is expected


@pytest.mark.parametrize(("amount", "expected"), [("499.99", False), ("500", True)])
def test_outpatient_costs_alert_from_500_a_month(exited, amount, expected):
    assert fires("medical_outpatient", signal(exited, amount=Decimal(amount))) is expected


@pytest.mark.parametrize(("amount", "expected"), [("30000", False), ("30000.01", True)])
def test_a_vehicle_alerts_above_30000_in_a_registered_household(exited, amount, expected):
    assert fires("vehicle_value", signal(exited, amount=Decimal(amount))) is expected


def test_a_vehicle_in_an_ordinary_household_is_not_an_eligibility_alert(ordinary):
    assert not fires("vehicle_value", signal(ordinary, amount=Decimal("90000")))


@pytest.mark.parametrize(("amount", "expected"), [("9999.99", False), ("10000", True)])
def test_a_disaster_loss_alerts_from_10000(exited, amount, expected):
    assert fires("disaster_loss", signal(exited, amount=Decimal(amount))) is expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (dt.date(2018, 8, 31), False),  # 5 years old (born 2012-09-01)
        (dt.date(2018, 9, 1), True),  # 6: compulsory age begins
        (dt.date(2028, 8, 31), True),  # 15
        (dt.date(2028, 9, 1), False),  # 16
    ],
)
def test_a_dropout_alerts_only_at_compulsory_school_age(exited, on, expected):
    son = exited.members.get(relation="son")
    s = signal(exited, son, category="dropout", event_date=on)
    assert fires("school_dropout", s) is expected
    assert not fires("school_dropout", signal(exited, son, category="enrolled", event_date=on))


@pytest.mark.parametrize(
    ("rating", "expected"), [("A", False), ("B", False), ("C", True), ("D", True)]
)
def test_c_and_d_houses_alert(exited, rating, expected):
    assert fires("unsafe_house", signal(exited, category=rating)) is expected


@pytest.mark.parametrize("rule", ["payroll_staff", "business_owner", "urban_property"])
def test_eligibility_rules_alert_for_registered_households_only(exited, ordinary, rule):
    assert fires(rule, signal(exited, details={"employer": "县财政局"}))
    assert not fires(rule, signal(ordinary, details={"employer": "县财政局"}))


def test_a_death_alerts_while_the_member_is_listed(exited):
    member = exited.members.get(relation="head")
    assert fires("deceased_listed", signal(exited, member))
    Member.objects.filter(pk=member.pk).update(is_deleted=True)
    member.refresh_from_db()
    assert not fires("deceased_listed", signal(exited, member))


def test_a_new_disability_certificate_alerts_unless_the_registry_knows(exited):
    member = exited.members.get(relation="head")
    assert fires("new_disability", signal(exited, member, details={"grade": "二级"}))
    member.health = "disabled"
    assert not fires("new_disability", signal(exited, member))


def test_unemployment_and_stopped_insurance(exited):
    assert fires("unemployment", signal(exited, category="unemployed"))
    assert not fires("unemployment", signal(exited, category="employed"))
    assert fires("insurance_stopped", signal(exited, category="stopped"))
    assert not fires("insurance_stopped", signal(exited, category="insured"))


def test_assistance_without_labour_and_not_monitored(exited):
    assert fires("assistance_not_monitored", signal(exited, category="dibao", labour=0))
    assert not fires("assistance_not_monitored", signal(exited, category="dibao", labour=1))
    assert not fires("assistance_not_monitored", signal(exited, category="temporary", labour=0))
    exited.monitoring_category, exited.risk_eliminated = "unstable_exited", False
    assert not fires("assistance_not_monitored", signal(exited, category="tekun", labour=0))


def test_a_monitored_member_on_dibao_the_registry_does_not_show(exited):
    member = exited.members.get(relation="head")
    exited.monitoring_category, exited.risk_eliminated = "unstable_exited", False
    assert fires("assistance_category_mismatch", signal(exited, member, category="dibao"))
    member.dibao = True
    assert not fires("assistance_category_mismatch", signal(exited, member, category="dibao"))


def test_the_threshold_shown_is_the_parameter_version(exited):
    values = RULES["medical_stay"].check(signal(exited, amount=Decimal("6000")))
    assert values is not None
    threshold = dict((label, value) for label, value in values)["预警线"]
    assert "5,000" in threshold and "alert_medical_stay_exited@000000@2021-01-01" in threshold
