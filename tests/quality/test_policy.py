"""Dated policy parameters: lookup rules and the loader's refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jingzhun.policy.parameters import (
    ParameterFileError,
    ParameterMissing,
    default_parameters,
    load_directory,
    value,
)
from jingzhun.quality.context import default_year


def test_the_county_override_wins_over_the_national_default() -> None:
    assert value("monitoring_threshold", on=2023, area_code="532328101001").value == 8050
    assert value("monitoring_threshold", on=2023, area_code="140922100001").value == 6000


def test_an_override_for_one_year_does_not_leak_into_the_next() -> None:
    p = value("monitoring_threshold", on=2024, area_code="532328")
    assert (p.value, p.region) == (6000, "000000")


def test_a_province_line_applies_to_its_counties() -> None:
    assert value("poverty_line", on=2018, area_code="520102").value == 3535
    assert value("poverty_line", on=2018, area_code="140922").value == 2995


def test_a_year_means_its_31_december_and_dates_switch_at_midnight() -> None:
    assert value("poverty_line", on=2016).value == 2952
    assert value("poverty_line", on=dt.date(2018, 12, 31)).value == 2995
    assert value("poverty_line", on=dt.date(2019, 1, 1)).value == 3218


def test_unconfirmed_values_say_so_with_their_source() -> None:
    p = value("poverty_line", on=2019)
    assert p.confirmed is False
    assert p.source.startswith("本系统默认值") and "核对" in p.source
    assert p.version == "poverty_line@000000@2019-01-01"
    assert value("poverty_line", on=2015).confirmed is True


def test_no_value_in_force_raises() -> None:
    with pytest.raises(ParameterMissing):
        value("monitoring_threshold", on=2019)


def test_the_required_parameters_are_present() -> None:
    s = default_parameters()
    assert value("min_months_before_elimination", on=2024).value == 6
    assert value("migrant_min_monthly_income", on=2024).value == 400
    assert (value("labour_age_min", on=2024).value, value("labour_age_max", on=2024).value) == (
        16,
        59,
    )
    assert value("compulsory_school_age_max", on=2024).value == Decimal(15)
    assert "poverty_line" in s.names


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "p.yaml").write_text(text, "utf-8")
    return tmp_path


HEADER = "name: monitoring_threshold\nunit: 元/人·年\nvalues:\n"
ROW = '  - {{region: "{r}", effective_from: {f}, {to}value: 6000, source: "x", confirmed: true}}\n'


def _row(region: str = "000000", start: str = "2021-01-01", end: str | None = None) -> str:
    return ROW.format(r=region, f=start, to=f"effective_to: {end}, " if end else "")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (_row(end="2021-12-31") + _row(start="2022-01-02"), "空档"),
        (_row(end="2021-12-31") + _row(start="2021-06-01"), "重叠"),
        (_row() + _row(start="2022-01-01"), "重叠"),
        (_row(region="999999"), "区划代码"),
    ],
)
def test_the_loader_refuses_bad_periods_and_codes_naming_file_and_line(
    tmp_path: Path, rows: str, message: str
) -> None:
    with pytest.raises(ParameterFileError) as error:
        load_directory(_write(tmp_path, HEADER + rows))
    assert message in str(error.value)
    assert "p.yaml 第" in str(error.value)


def test_the_loader_refuses_a_wrong_unit(tmp_path: Path) -> None:
    text = HEADER.replace("元/人·年", "元/月") + _row()
    with pytest.raises(ParameterFileError, match="单位应为"):
        load_directory(_write(tmp_path, text))


def test_the_loader_names_the_line_of_the_offending_value(tmp_path: Path) -> None:
    with pytest.raises(ParameterFileError, match=r"p\.yaml 第5行"):
        load_directory(_write(tmp_path, HEADER + _row(end="2021-12-31") + _row(start="2023-01-01")))


def test_the_default_review_year_turns_with_the_new_year_in_shanghai() -> None:
    # 00:30 on 1 January in Shanghai is 16:30 on 31 December in UTC: the review year is the one
    # just ended in China, whatever the server's clock says.
    with time_machine.travel(dt.datetime(2025, 1, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))):
        assert default_year() == 2024
    with time_machine.travel(dt.datetime(2024, 12, 31, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))):
        assert default_year() == 2023
