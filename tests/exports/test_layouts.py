"""What each format and layout contains: columns, rows, scope, masking, neutralisation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest

from jingzhun.core.formulas import neutralise, restore
from jingzhun.registry import actions, national
from jingzhun.registry.models import Income, Member
from tests import factories
from tests.exports.helpers import column, header_and_body, run_export

FORMATS = ["csv", "xlsx", "parquet"]
NATIONAL_HEADERS = [col.name for col in national.COLUMNS if col.record != "ignored"]


@pytest.fixture
def two_villages(world, household):
    """The cadre's household (3 people) and one in the sibling village (3 people)."""
    other = factories.make_household(
        world.actor(world.reviewer), world.sibling_village, number="140922100002001"
    )
    return household, other


@pytest.mark.parametrize("fmt", FORMATS)
def test_project_members_have_one_row_per_member_with_household_key(
    world, two_villages, tmp_path, fmt
):
    household, _ = two_villages
    rows, log = run_export(world.cadre, tmp_path, what="members", fmt=fmt)
    header, body = header_and_body(rows, "project", fmt)
    assert header[:3] == ["户编号", "行政村代码", "行政村"]
    assert {"姓名", "证件号码", "性别", "与户主关系", "出生日期", "联系电话"} <= set(header)
    assert "姓名（检索）" not in header and "版本" not in header
    assert len(body) == 3
    assert {r[0] for r in body} == {household.number}
    assert column(rows, "project", fmt, "姓名") == ["张建国", "李秀英", "張小明"]
    assert column(rows, "project", fmt, "与户主关系") == ["户主", "配偶", "之子"]
    assert log.row_count == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_project_households_and_incomes(world, two_villages, tmp_path, fmt):
    rows, _ = run_export(world.reviewer, tmp_path, what="households", fmt=fmt)
    header, body = header_and_body(rows, "project", fmt)
    assert {"户编号", "户类型", "银行账号", "户主姓名", "家庭人口数"} <= set(header)
    assert sorted(r[0] for r in body) == ["140922100001001", "140922100002001"]
    assert set(column(rows, "project", fmt, "户类型")) == {"脱贫户"}

    rows, _ = run_export(world.reviewer, tmp_path, what="incomes", fmt=fmt)
    header, body = header_and_body(rows, "project", fmt)
    assert {"年度", "工资性收入", "人均纯收入"} <= set(header)
    assert len(body) == 2
    expected = Income.objects.get(household=two_villages[0]).per_capita_net
    values = column(rows, "project", fmt, "人均纯收入")
    assert Decimal(str(values[0])).quantize(Decimal("0.01")) == expected


def test_incomes_follow_the_year_filter(world, household, tmp_path):
    actions.do_set_income(
        household, actor=world.actor(), year=2023, values={"wage": Decimal("9000")}
    )
    rows, _ = run_export(world.cadre, tmp_path, what="incomes", fmt="csv")
    assert sorted(column(rows, "project", "csv", "年度")) == ["2023", "2024"]
    rows, _ = run_export(world.cadre, tmp_path, what="incomes", fmt="csv", year=2023)
    assert column(rows, "project", "csv", "年度") == ["2023"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_other_villages_never_appear(world, two_villages, tmp_path, fmt):
    rows, log = run_export(world.cadre, tmp_path, fmt=fmt)
    assert set(column(rows, "project", fmt, "户编号")) == {"140922100001001"}
    rows, _ = run_export(world.outsider, tmp_path, fmt=fmt)
    assert header_and_body(rows, "project", fmt)[1] == []
    # An area outside the user's scope answers like nowhere: nothing.
    rows, log = run_export(world.cadre, tmp_path, fmt=fmt, area=world.sibling_village.code)
    assert header_and_body(rows, "project", fmt)[1] == []
    assert log.row_count == 0
    assert log.area_code == world.village.code  # logged where the cadre's inspectors look


def test_filters_of_the_list_page_apply(world, two_villages, tmp_path):
    rows, _ = run_export(
        world.reviewer, tmp_path, what="households", fmt="csv", area=world.sibling_village.code
    )
    assert column(rows, "project", "csv", "户编号") == ["140922100002001"]
    rows, _ = run_export(
        world.reviewer, tmp_path, what="households", fmt="csv", household_type="monitored"
    )
    assert column(rows, "project", "csv", "户编号") == []
    rows, _ = run_export(world.reviewer, tmp_path, what="members", fmt="csv", q="張小明")
    assert len(column(rows, "project", "csv", "姓名")) == 6  # every member of both households


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("persona", "masked"),
    [("cadre", False), ("approver", False), ("analyst", True), ("inspector", True)],
)
def test_personal_numbers_are_masked_by_role(world, household, tmp_path, fmt, persona, masked):
    user = getattr(world, persona)
    head = Member.objects.get(household=household, relation="head")
    rows, log = run_export(user, tmp_path, what="members", fmt=fmt)
    ids = column(rows, "project", fmt, "证件号码")
    if masked:
        assert head.id_number not in ids
        assert ids[0] == head.id_number[:4] + "*" * 10 + head.id_number[-4:]
    else:
        assert ids[0] == head.id_number
    assert log.masked is masked

    rows, _ = run_export(user, tmp_path, what="households", fmt=fmt)
    phone = column(rows, "project", fmt, "联系电话")[0]
    bank = column(rows, "project", fmt, "银行账号")[0]
    assert (phone, bank) == (
        ("139****5678", "*" * 15 + "8901") if masked else ("13912345678", "6228480012345678901")
    )
    rows, _ = run_export(user, tmp_path, layout="national", fmt=fmt)
    assert (column(rows, "national", fmt, "证件号码")[0] == head.id_number) is not masked


def test_formula_cells_are_neutralised_and_numbers_stay_numbers(world, tmp_path):
    evil = "=cmd|' /C calc'!A0"
    factories.make_household(
        world.actor(),
        world.village,
        number="140922100009001",
        address=evil,
        main_cause="other",
        cause_remark="@SUM(A1)",
    )
    rows, _ = run_export(world.cadre, tmp_path, what="households", fmt="csv")
    assert column(rows, "project", "csv", "住址") == ["'" + evil]
    assert column(rows, "project", "csv", "致贫原因说明") == ["'@SUM(A1)"]
    rows, _ = run_export(world.cadre, tmp_path, what="households", fmt="xlsx")
    assert column(rows, "project", "xlsx", "住址") == ["'" + evil]
    rows, _ = run_export(world.cadre, tmp_path, what="incomes", fmt="xlsx")
    assert isinstance(column(rows, "project", "xlsx", "工资性收入")[0], int | float)
    # Parquet is typed and not executed by spreadsheets: the raw text is kept.
    rows, _ = run_export(world.cadre, tmp_path, what="households", fmt="parquet")
    assert column(rows, "project", "parquet", "住址") == [evil]


@pytest.mark.parametrize("text", ["=1+1", "+86", "-3", "@A1", "\tx", "\rx"])
def test_neutralise_prefixes_triggers_and_restore_undoes_it(text):
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


def test_plain_text_and_apostrophes_are_left_alone():
    assert neutralise("张三") == "张三"
    assert neutralise("") == ""
    assert restore("'张三") == "'张三"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_national_layout_has_two_title_rows_and_the_header_on_row_3(
    world, household, tmp_path, fmt
):
    rows, log = run_export(world.cadre, tmp_path, layout="national", fmt=fmt)
    assert national.HEADER_ROW == 3
    assert rows[0][0] == "（自定义）监测对象信息"
    assert "2024" in rows[1][0]
    header = [h for h in rows[2] if h]
    assert header == NATIONAL_HEADERS
    assert all(national.match_column(h) is not None for h in header)
    assert len(rows) == 3 + 3  # one row per person
    assert log.layout == "national" and log.what == "members" and log.row_count == 3


def test_national_parquet_uses_the_national_column_names(world, household, tmp_path):
    rows, _ = run_export(world.cadre, tmp_path, layout="national", fmt="parquet")
    assert rows[0] == NATIONAL_HEADERS
    assert len(rows) == 1 + 3


def test_national_xlsx_round_trips_through_openpyxl_to_the_same_values(world, tmp_path):
    household = factories.make_household(
        world.actor(),
        world.village,
        number="140922100001002",
        household_type="monitored",
        monitoring_category="marginal",
        monitoring_identified_on=dt.date(2023, 3, 1),
        risks=[("illness", ""), ("unsafe_water", "")],
    )
    actions.do_set_conditions(
        household,
        actor=world.actor(),
        year=2024,
        values={"cultivated_land_mu": Decimal("3.50"), "is_dangerous_house": True},
    )
    run_export(world.cadre, tmp_path, layout="national", fmt="xlsx")
    path = tmp_path / "out-members-national.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["（自定义）监测对象信息"]
    header = [cell.value for cell in sheet[3]]
    rows = [
        dict(zip(header, (cell.value for cell in r), strict=True))
        for r in sheet.iter_rows(min_row=4)
    ]
    assert len(rows) == 3
    income = Income.objects.get(household=household, year=2024)
    members = list(Member.objects.filter(household=household).order_by("id"))
    for row, member in zip(rows, members, strict=True):
        assert row["县"] == world.county.name
        assert row["乡"] == world.township.name
        assert row["村"] == world.village.name
        assert row["户编号"] == household.number
        assert row["姓名"] == member.name
        assert row["证件号码"] == member.id_number
        assert row["证件类型"] == "居民身份证"
        assert row["出生日期"].date() == member.birth_date
        assert row["户类型"] == "监测户"
        assert row["监测对象类别"] == "边缘易致贫户"
        assert row["识别监测时间"].date() == dt.date(2023, 3, 1)
        assert row["致贫/返贫风险1"] == "因病"
        assert row["致贫/返贫风险2"] == "因安全饮水"
        assert row["致贫/返贫风险3"] is None
        assert Decimal(str(row["人均纯收入（元）"])).quantize(Decimal("0.01")) == (
            income.per_capita_net
        )
        assert row["工资性收入"] == float(income.wage)
        assert row["耕地面积（亩）"] == 3.5
        assert row["是否危房户"] == "是"
        assert row["是否通生活用电"] == "是"
        assert row["是否参加城乡居民基本医疗保险"] == "是"
        assert row["享受低保政策情况"] == "否"
    assert [r["性别"] for r in rows] == ["男", "女", "男"]
    assert [r["与户主关系"] for r in rows] == ["户主", "配偶", "之子"]


def test_national_layout_without_a_year_takes_the_latest_income_year(world, household, tmp_path):
    actions.do_set_income(
        household, actor=world.actor(), year=2025, values={"wage": Decimal("30000")}
    )
    rows, _ = run_export(world.cadre, tmp_path, layout="national", fmt="csv")
    assert "2025" in rows[1][0]
    wage = column(rows, "national", "csv", "工资性收入")
    assert wage == ["30000.00"] * 3
    rows, _ = run_export(world.cadre, tmp_path, layout="national", fmt="csv", year=2024)
    assert column(rows, "national", "csv", "工资性收入") == ["18000.00"] * 3


def test_xlsx_rows_beyond_a_sheets_limit_continue_on_a_second_sheet(
    world, household, tmp_path, monkeypatch
):
    from jingzhun.exports import writers

    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 3 + 2)  # titles + header + 2 rows per sheet
    run_export(world.cadre, tmp_path, layout="national", fmt="xlsx")
    book = openpyxl.load_workbook(tmp_path / "out-members-national.xlsx", read_only=True)
    first, second = book.worksheets
    assert second.title == "（自定义）监测对象信息(2)"
    assert [r[4] for r in first.iter_rows(min_row=4, values_only=True)] == ["张建国", "李秀英"]
    assert [r[4] for r in second.iter_rows(min_row=4, values_only=True)] == ["張小明"]
    assert next(second.iter_rows(min_row=3, max_row=3, values_only=True))[:3] == ("县", "乡", "村")


def test_a_failing_export_is_logged_as_failed_and_the_error_raised(
    world, household, tmp_path, monkeypatch
):
    from jingzhun.exports import service
    from jingzhun.exports.models import ExportLog

    def broken(table, path, progress):
        raise OSError("disk full")

    monkeypatch.setitem(service.WRITERS, "csv", broken)
    with pytest.raises(OSError, match="disk full"):
        run_export(world.cadre, tmp_path, fmt="csv")
    log = ExportLog.objects.get()
    assert log.status == "failed" and "disk full" in log.error and log.row_count is None
