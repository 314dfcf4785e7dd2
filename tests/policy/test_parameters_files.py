"""Bad parameter files are refused at load, naming the file and the line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from jingzhun.policy.parameters import (
    AddedParameter,
    Parameter,
    ParameterFileError,
    combine,
    load_directory,
)

HEADER = "# 注释\nname: notice_days_min\nunit: 天\nvalues:\n"  # values start on line 5


def _row(region: str = "000000", start: str = "2021-01-01", end: str | None = None) -> str:
    to = f"effective_to: {end}, " if end else ""
    return (
        f'  - {{region: "{region}", effective_from: {start}, {to}value: 5, '
        'source: "测试", confirmed: true}\n'
    )


def _load(tmp_path: Path, text: str, name: str = "notices.yaml") -> None:
    (tmp_path / name).write_text(text, "utf-8")
    load_directory(tmp_path)


def test_a_gap_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    rows = _row(end="2021-12-31") + _row(start="2022-01-02")
    with pytest.raises(ParameterFileError) as error:
        _load(tmp_path, HEADER + rows)
    assert "notices.yaml 第6行" in str(error.value)
    assert "空档" in str(error.value)


def test_periods_that_meet_at_midnight_are_accepted(tmp_path: Path) -> None:
    _load(tmp_path, HEADER + _row(end="2021-12-31") + _row(start="2022-01-01"))


def test_an_overlap_is_refused_naming_both_lines(tmp_path: Path) -> None:
    rows = _row(end="2021-12-31") + _row(region="520000") + _row(start="2021-12-31")
    with pytest.raises(ParameterFileError) as error:
        _load(tmp_path, HEADER + rows)
    message = str(error.value)
    assert message.startswith("notices.yaml 第7行")
    assert "第5行" in message and "重叠" in message


def test_an_open_period_followed_by_another_is_an_overlap(tmp_path: Path) -> None:
    with pytest.raises(ParameterFileError, match=r"notices\.yaml 第6行.*重叠"):
        _load(tmp_path, HEADER + _row() + _row(start="2023-01-01"))


def test_an_unknown_area_code_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ParameterFileError, match=r"notices\.yaml 第6行：区划代码“529999”"):
        _load(tmp_path, HEADER + _row() + _row(region="529999"))


def test_a_wrong_unit_is_refused_at_the_document_line(tmp_path: Path) -> None:
    text = HEADER.replace("unit: 天", "unit: 月")
    with pytest.raises(
        ParameterFileError, match=r"notices\.yaml 第2行：参数notice_days_min的单位应为“天”"
    ):
        _load(tmp_path, text + _row())


def test_an_unknown_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ParameterFileError, match="未知参数名"):
        _load(tmp_path, HEADER.replace("notice_days_min", "notice_days") + _row())


def test_a_value_without_confirmed_or_source_is_refused(tmp_path: Path) -> None:
    row = '  - {region: "000000", effective_from: 2021-01-01, value: 5, source: "x"}\n'
    with pytest.raises(ParameterFileError, match=r"第5行：confirmed"):
        _load(tmp_path, HEADER + row)
    row = '  - {region: "000000", effective_from: 2021-01-01, value: 5, confirmed: true}\n'
    with pytest.raises(ParameterFileError, match=r"第5行：请填写 source"):
        _load(tmp_path, HEADER + row)


def test_the_same_rules_hold_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(HEADER + _row(end="2022-12-31"), "utf-8")
    (tmp_path / "b.yaml").write_text(HEADER + _row(start="2022-06-01"), "utf-8")
    with pytest.raises(ParameterFileError, match=r"b\.yaml 第5行.*a\.yaml 第5行"):
        load_directory(tmp_path)


def _file_value(start: dt.date, end: dt.date | None) -> Parameter:
    return Parameter(
        "notice_days_min", "000000", start, end, Decimal(5), "天", "x", True, "n.yaml", 5
    )


def _added(start: dt.date, closes: str = "") -> AddedParameter:
    return AddedParameter(
        "notice_days_min", "000000", start, None, Decimal(6), "天", "y", True, "", 0,
        added_by="管理员", added_at=dt.datetime(2025, 3, 1, 9, 0), closes=closes,
    )  # fmt: skip


def test_an_added_value_closes_the_open_file_period_the_day_before() -> None:
    base = _file_value(dt.date(2014, 1, 1), None)
    s = combine([base], [_added(dt.date(2025, 1, 1), closes=base.version)])
    assert s.value("notice_days_min", on=dt.date(2024, 12, 31)).value == 5
    assert s.value("notice_days_min", on=dt.date(2025, 1, 1)).value == 6
    closed = s.value("notice_days_min", on=2024)
    assert closed.effective_to == dt.date(2024, 12, 31)
    assert closed.closed_by == "notice_days_min@000000@2025-01-01"


def test_an_added_value_that_did_not_close_the_file_period_is_an_overlap() -> None:
    with pytest.raises(
        ParameterFileError, match=r"管理员于2025-03-01在系统中添加的值.*n\.yaml 第5行"
    ):
        combine([_file_value(dt.date(2014, 1, 1), None)], [_added(dt.date(2025, 1, 1))])
