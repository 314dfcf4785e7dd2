"""Every figure of docs/domain.md is in the parameter files, for its year and region, with a
citation a county officer can look up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.policy.parameters import NATIONAL, UNITS, default_parameters, load_directory, value

# docs/domain.md, 农村贫困标准: the national rural poverty line by year (2017–2020 have no primary
# source).
POVERTY_LINE = {
    2011: (2536, True),
    2012: (2625, True),
    2013: (2736, True),
    2014: (2800, True),
    2015: (2855, True),
    2016: (2952, True),
    2017: (2952, False),
    2018: (2995, False),
    2019: (3218, False),
    2020: (4000, False),
}
WESTERN_PROVINCES = {
    "150000": "内蒙古",
    "450000": "广西",
    "500000": "重庆",
    "510000": "四川",
    "520000": "贵州",
    "530000": "云南",
    "540000": "西藏",
    "610000": "陕西",
    "620000": "甘肃",
    "630000": "青海",
    "640000": "宁夏",
    "650000": "新疆",
}
# A county of each western province, and counties elsewhere (Shanxi, Hebei, Jiangxi, Henan).
WESTERN_COUNTIES = ["150121", "450121", "500101", "510121", "520102", "532328", "540102"]
WESTERN_COUNTIES += ["610122", "620121", "630121", "640121", "650102"]
OTHER_COUNTIES = ["140922", "130123", "360703", "410122"]
EXIT_LIMITS = ("village_exit_incidence_max", "county_exit_incidence_max")


@pytest.mark.parametrize(("year", "expected"), POVERTY_LINE.items())
def test_the_national_poverty_line_of_each_year_is_the_published_one(
    year: int, expected: tuple[int, bool]
) -> None:
    p = value("poverty_line", on=year, area_code="140922")
    assert (p.value, p.confirmed, p.region) == (Decimal(expected[0]), expected[1], NATIONAL)
    assert p.unit == "元/人·年"


def test_guizhou_2018_uses_its_own_higher_line_and_only_in_2018() -> None:
    assert value("poverty_line", on=2018, area_code="520102").value == 3535
    assert value("poverty_line", on=2018, area_code="520102").region == "520000"
    assert value("poverty_line", on=2017, area_code="520102").value == 2952
    assert value("poverty_line", on=2019, area_code="520102").value == 3218


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2013, 12, 31), 2736),
        (dt.date(2014, 1, 1), 2800),
        (dt.date(2014, 12, 31), 2800),
        (dt.date(2015, 1, 1), 2855),
        (dt.date(2019, 12, 31), 3218),
        (dt.date(2020, 1, 1), 4000),
    ],
)
def test_the_line_switches_between_31_december_and_1_january(day: dt.date, expected: int) -> None:
    assert value("poverty_line", on=day).value == expected


def test_guizhou_override_ends_on_31_december_2018() -> None:
    assert value("poverty_line", on=dt.date(2018, 12, 31), area_code="520102").value == 3535
    assert value("poverty_line", on=dt.date(2019, 1, 1), area_code="520102").value == 3218
    assert value("poverty_line", on=dt.date(2017, 12, 31), area_code="520102").value == 2952


@pytest.mark.parametrize(
    ("year", "area", "expected", "confirmed"),
    [
        (2020, "140922", 6000, False),  # 1.5 × the 2020 line (2020 guidance)
        (2021, "140922", 6000, False),  # "6000" (unconfirmed)
        (2023, "532328", 8050, True),  # 元谋 2023 (local)
        (2023, "532301", 6000, False),  # a neighbouring county keeps the default
        (2024, "360703", 8500, True),  # 南康 2024 (local)
        (2024, "532328", 6000, False),  # 元谋's 2023 figure does not leak into 2024
        (2025, "360703", 6000, False),
    ],
)
def test_the_monitoring_threshold_by_area_and_year(
    year: int, area: str, expected: int, confirmed: bool
) -> None:
    p = value("monitoring_threshold", on=year, area_code=area)
    assert (p.value, p.confirmed) == (expected, confirmed)


def test_the_2020_monitoring_range_is_one_and_a_half_times_the_line() -> None:
    ratio = value("monitoring_range_ratio", on=2020).value
    assert ratio == Decimal("1.5")
    assert (
        value("monitoring_threshold", on=2020).value == ratio * value("poverty_line", on=2020).value
    )
    assert default_parameters().value_or_none("monitoring_range_ratio", on=2021) is None
    assert default_parameters().value_or_none("monitoring_threshold", on=2019) is None


def test_the_twelve_western_provinces_have_the_3_percent_limit() -> None:
    for name in (*EXIT_LIMITS, "comprehensive_incidence_max"):
        overrides = {
            p.region: p.value
            for p in default_parameters().all()
            if p.name == name and p.region != NATIONAL
        }
        assert overrides == dict.fromkeys(WESTERN_PROVINCES, Decimal(3)), name


@pytest.mark.parametrize("name", [*EXIT_LIMITS, "comprehensive_incidence_max"])
@pytest.mark.parametrize("year", [2016, 2018, 2020])
def test_western_counties_get_3_percent_and_the_others_2(name: str, year: int) -> None:
    for county in WESTERN_COUNTIES:
        assert value(name, on=year, area_code=county).value == 3, county
        assert value(name, on=year, area_code=county + "101001").value == 3  # a village
    for county in OTHER_COUNTIES:
        assert value(name, on=year, area_code=county).value == 2, county


def test_a_guizhou_county_has_3_and_a_shanxi_county_2_percent() -> None:
    assert value("county_exit_incidence_max", on=2018, area_code="522731").value == 3
    assert value("county_exit_incidence_max", on=2018, area_code="140922").value == 2
    assert value("village_exit_incidence_max", on=2018, area_code="140922100001").value == 2


@pytest.mark.parametrize(
    ("name", "expected"),
    [("wrong_exit_rate_max", 2), ("missed_poor_rate_max", 2), ("public_approval_min", 90)],
)
def test_the_assessment_limits_are_national_and_the_same_in_the_west(
    name: str, expected: int
) -> None:
    for area in ("140922", "520102", "650102"):
        p = value(name, on=2019, area_code=area)
        assert (p.value, p.unit, p.region) == (expected, "%", NATIONAL)


def test_notices_last_5_days_and_7_in_guizhou() -> None:
    assert value("notice_days_min", on=2024, area_code="140922").value == 5
    assert value("notice_days_min", on=2024, area_code="520102").value == 7
    assert value("notice_days_min", on=2016, area_code="520102").value == 7
    assert value("notice_days_min", on=2024).unit == "天"


def test_the_procedure_and_elimination_limits() -> None:
    assert value("monitoring_decision_max_days", on=2024).value == 15
    assert value("min_months_before_elimination", on=2024).value == 6
    assert value("stable_income_min_months", on=2024).value == 6


@pytest.mark.parametrize(
    ("name", "expected", "unit"),
    [
        ("alert_medical_stay_exited", 5000, "元/次"),
        ("alert_medical_stay_others", 20000, "元/次"),
        ("alert_outpatient_monthly", 500, "元/月"),
        ("alert_vehicle_value", 30000, "元"),
        ("alert_education_fees", 10000, "元/年"),
        ("alert_disaster_loss", 10000, "元/户"),
    ],
)
def test_the_department_alert_amounts_are_local_defaults_marked_unconfirmed(
    name: str, expected: int, unit: str
) -> None:
    p = value(name, on=2024, area_code="140922")
    assert (p.value, p.unit, p.confirmed) == (expected, unit, False)
    assert p.source.startswith("本系统默认值") and "请对照本省（市、县）" in p.source


def test_drinking_water_figures_are_present() -> None:
    assert value("drinking_water_min_litres", on=2018).value == 35
    assert value("water_fetch_max_minutes", on=2018).value == 30


def test_every_known_name_has_a_value_a_title_and_a_source() -> None:
    from jingzhun.policy.parameters import TITLES

    files = load_directory()
    assert set(files.names) == set(UNITS)
    assert set(TITLES) == set(UNITS)
    for p in files.all():
        assert p.source and p.unit == UNITS[p.name]
        assert p.file.endswith(".yaml") and p.line > 0


# A citation names a document a county officer can look up, never a file of this repository.
NOT_IN_A_CITATION = ("/", ".md", ".yaml", ".py", "DOMAIN")


def test_every_value_cites_a_document_and_never_a_file() -> None:
    for p in load_directory().all():
        assert p.source.strip(), p.version
        found = [part for part in NOT_IN_A_CITATION if part in p.source]
        assert not found, (p.version, p.source)


def test_every_unconfirmed_value_says_it_is_a_default_to_check() -> None:
    for p in load_directory().all():
        if not p.confirmed:
            assert "本系统默认值" in p.source, (p.version, p.source)
