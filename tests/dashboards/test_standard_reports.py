"""Standard reports defined as configuration: the shipped definitions load, a bad one is
refused naming what is wrong, a report's figures match the data counted by hand, and it comes
out as a page, an xlsx and a PDF, and from the command line."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from jingzhun.reporting import periods
from jingzhun.reporting.build import build
from jingzhun.reporting.definitions import DefinitionError, definitions, parse
from tests.conftest import login


def test_the_shipped_reports_load() -> None:
    found = definitions()
    assert {"monitoring_weekly", "problems_monthly", "annual_summary"} <= set(found)
    assert [d.period for d in found.values()][:3] == ["week", "month", "year"]


BASE = {"code": "x", "title": "t", "period": "week"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (BASE | {"columns": [{"measure": "nope"}]}, "指标“nope”不存在"),
        (BASE | {"period": "day", "columns": [{"measure": "at_risk"}]}, "period “day”无效"),
        (BASE | {"columns": [{"ratio": ["at_risk"], "title": "r"}]}, "两个指标"),
        (BASE | {"columns": [{"ratio": ["at_risk", "households"]}]}, "请写 title"),
        (BASE | {"columns": [{"measure": "at_risk"}], "colour": 1}, "不认识的键：colour"),
        (BASE, "缺少columns"),
    ],
)
def test_a_bad_definition_is_refused_naming_the_file_and_the_fault(data, message) -> None:
    with pytest.raises(DefinitionError) as refused:
        parse(data, "mine.yaml")
    assert str(refused.value).startswith("mine.yaml：") and message in str(refused.value)


def test_periods_are_read_as_people_write_them() -> None:
    week = periods.parse("week", "2026-W50")
    assert (week.start, week.end) == (dt.date(2026, 12, 7), dt.date(2026, 12, 13))
    assert periods.parse("month", "2026-2").end == dt.date(2026, 2, 28)
    assert periods.parse("year", "2026").key == "2026"
    with pytest.raises(periods.PeriodError, match="2026-W48"):
        periods.parse("week", "48")
    with pytest.raises(periods.PeriodError, match="没有第54周"):
        periods.parse("week", "2026-W54")


def row_of(report, name):  # type: ignore[no-untyped-def]
    return dict(zip(report.headers, next(r for r in report.rows if r[0] == name), strict=True))


def test_the_annual_summary_counts_the_county_by_hand(world, county) -> None:
    report = build(
        world.approver, definitions()["annual_summary"], world.county,
        periods.parse("year", "2026"),
    )  # fmt: skip
    mine = row_of(report, world.township.name)
    assert mine["农户数（户）"] == 4
    assert mine["监测户（户）"] == 2
    assert mine["本年新识别监测对象（户）"] == 2
    assert mine["本年消除风险（户）"] == 1
    assert mine["风险未消除的监测对象（户）"] == 1
    assert mine["本年发现问题（个）"] == 1 and mine["本年整改销号（个）"] == 0
    assert mine["资金拨付占下达（%）"] is None  # nothing allocated: no ratio
    other = row_of(report, world.other_township.name)
    assert other["农户数（户）"] == 1
    totals = dict(zip(report.headers, report.totals, strict=True))
    assert totals["地区"] == "合计" and totals["农户数（户）"] == 5


def test_a_weekly_report_counts_only_that_week(world, county) -> None:
    week = build(
        world.approver, definitions()["monitoring_weekly"], world.county,
        periods.parse("week", "2026-W49"),  # 11-30 … 12-06: the household identified on 12-01
    )  # fmt: skip
    assert row_of(week, world.township.name)["本周新识别监测对象（户）"] == 1
    before = build(
        world.approver, definitions()["monitoring_weekly"], world.county,
        periods.parse("week", "2026-W47"),  # 11-16 … 11-22: none in this township
    )  # fmt: skip
    assert row_of(before, world.township.name)["本周新识别监测对象（户）"] == 0


def test_the_report_downloads_as_xlsx_and_pdf(client, world, county) -> None:
    login(client, world.approver)
    url = "/reports/annual_summary/?period=2026"
    page = client.get(url)
    assert page.status_code == 200 and world.township.name in page.content.decode()
    xlsx = client.get(url + "&format=xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any(row[0] == world.township.name and row[1] == 4 for row in values)
    pdf = client.get(url + "&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Type"] == "application/pdf"


def test_the_page_keeps_to_the_users_scope_and_says_a_bad_period(client, world, county) -> None:
    login(client, world.cadre)
    assert client.get(f"/reports/annual_summary/?area={world.county.code}").status_code == 404
    own = client.get("/reports/annual_summary/")
    assert own.status_code == 200 and world.village.name in own.content.decode()
    bad = client.get("/reports/problems_monthly/?period=2026-13")
    assert bad.status_code == 400 and "不是月份" in bad.content.decode()
    assert client.get("/reports/no_such_report/").status_code == 404


def test_the_command_writes_the_report(world, county, tmp_path) -> None:
    out = tmp_path / "annual.xlsx"
    stdout = StringIO()
    call_command(
        "report", "annual_summary", area=world.county.code, period="2026", out=str(out),
        stdout=stdout,
    )  # fmt: skip
    assert "已写出" in stdout.getvalue()
    sheet = openpyxl.load_workbook(out).active
    assert any(row[0].value == "合计" for row in sheet.iter_rows())
    pdf = tmp_path / "annual.pdf"
    call_command(
        "report", "annual_summary", area=world.county.code, period="2026", out=str(pdf),
        format="pdf", stdout=StringIO(),
    )  # fmt: skip
    assert pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="没有报表"):
        call_command("report", "nope", area=world.county.code, out=str(out))
    with pytest.raises(CommandError, match="不是年份"):
        call_command("report", "annual_summary", area=world.county.code, period="x", out=str(out))
    with pytest.raises(CommandError, match="不存在"):
        call_command("report", "annual_summary", area="999999", out=str(out))


def test_the_indicators_divide_at_risk_people_by_the_villages_rural_population(world, county):
    from jingzhun.areas.profiles import do_set_village_profile
    from jingzhun.registry import actions as registry
    from tests import factories

    birth = dt.date(1980, 1, 2)
    registry.do_add_member(
        county["new"], actor=world.actor(world.approver),
        data=factories.member_data("王建国", "head", birth, id_number=factories.id_male(birth)),
    )  # fmt: skip
    for village in (world.village, world.sibling_village):
        do_set_village_profile(
            village, actor=world.actor(world.reviewer), year=2026,
            values={"rural_population": 500},
        )  # fmt: skip
    report = build(
        world.approver, definitions()["indicators_yearly"], world.county,
        periods.parse("year", "2026"),
    )  # fmt: skip
    mine = row_of(report, world.township.name)
    assert mine["农业户籍人口（村情信息）（人）"] == 1000
    assert mine["风险未消除的监测对象人口（人）"] == 1
    assert mine["风险未消除监测对象人口占农村人口（%）"] == Decimal("0.1")
    other = row_of(report, world.other_township.name)
    assert other["风险未消除监测对象人口占农村人口（%）"] is None  # no profile: no denominator
