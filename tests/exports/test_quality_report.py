"""The quality report (质量报告) as an export: scope, masking, formats, exemptions, the command
line, the page, and ``jingzhun quality --format xlsx`` sharing the same report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import Actor
from jingzhun.core.masking import mask_free_text, mask_id_number
from jingzhun.exports.layouts import ExportSpec
from jingzhun.exports.models import ExportLog, ExportStatus
from jingzhun.exports.service import export_to_file, queue_export, run_queued_export
from jingzhun.quality.actions import (
    do_exempt_finding,
    do_queue_quality_run,
    do_record_quality_run,
    households_per_village,
    mark_run_started,
)
from jingzhun.quality.batch import FINDING_SCHEMA
from jingzhun.quality.checks import CATALOGUE, catalogue
from jingzhun.quality.runner import execute_run, latest_run_covering
from jingzhun.registry import actions
from jingzhun.registry.queries import HouseholdFilters
from tests import factories
from tests.conftest import login
from tests.exports.helpers import read_csv, read_rows, read_sheet

YEAR = 2024
HEADERS = [
    "规则编号",
    "规则",
    "严重程度",
    "层级",
    "县",
    "县代码",
    "乡镇",
    "乡镇代码",
    "行政村",
    "行政村代码",
    "户编号",
    "户主姓名",
    "成员姓名",
    "证件类型",
    "证件号码",
    "说明",
    "已确认无误",
    "确认理由",
]
# Starts with "=" (formula injection) and holds an 18-digit number (masked for some roles).
EVIL_REASON = "=已核实：残疾证号140922197003040011本人持有"
CHILD_REASON = "已核实：该生已辍学务农"


def _child_labourer(actor: Actor, village: Any, number: str, **kwargs: Any) -> Any:
    """A household whose schoolchild is marked as labour: Q-M-010 and Q-M-011 on the child."""
    house = factories.make_household(actor, village, number=number, **kwargs)
    child = house.members.get(relation="son")
    actions.do_update_member(
        child, actor=actor, changes={"labour_skill": "ordinary"}, expected_version=child.version
    )
    return house, child


def _run_county(world: Any) -> Any:
    run = do_queue_quality_run(
        actor=world.actor(world.approver), area_code=world.county.code, year=YEAR, backend="duckdb"
    )
    stored, _ = execute_run(run, actor=world.actor(world.approver))
    return stored


@pytest.fixture(autouse=True)
def _snapshot_dir(settings, tmp_path):
    settings.SNAPSHOT_DIR = tmp_path / "snapshot"


@pytest.fixture
def report(world, household):
    """In the cadre's village: a household with 因残 but no disabled member (Q-H-010) and a
    child labourer (Q-M-010, Q-M-011), then a county run, then two exemptions (the household
    finding, and Q-M-010 of the child; Q-M-011 of the same child stays open). In the sibling
    village: another child labourer (two findings the cadre must never see)."""
    actor = world.actor()
    bad, child = _child_labourer(
        actor, world.village, "140922100001002", risks=[("disability", "")]
    )
    sibling, sibling_child = _child_labourer(
        world.actor(world.reviewer), world.sibling_village, "140922100002001"
    )
    run = _run_county(world)
    do_exempt_finding(actor=actor, check_code="Q-H-010", household_id=bad.pk, reason=EVIL_REASON)
    do_exempt_finding(
        actor=actor,
        check_code="Q-M-010",
        household_id=bad.pk,
        member_id=child.pk,
        reason=CHILD_REASON,
    )
    return {
        "bad": bad,
        "child": child,
        "sibling": sibling,
        "sibling_child": sibling_child,
        "run": run,
    }


def export_report(
    user: Any, tmp_path: Path, fmt: str = "csv", **filters: Any
) -> tuple[Path, ExportLog]:
    path = tmp_path / f"quality-{user.username}.{fmt}"
    spec = ExportSpec(what="quality", format=fmt, filters=HouseholdFilters(**filters))
    log = export_to_file(spec, actor=Actor(user=user, source="form"), path=path)
    return path, log


def findings_of(path: Path, fmt: str) -> list[dict[str, Any]]:
    """The findings sheet as one dict per row (header on the first row in every format)."""
    rows = read_sheet(path, "问题清单") if fmt == "xlsx" else read_rows(path, fmt)
    header, body = rows[0], rows[1:]
    return [dict(zip(header, row, strict=True)) for row in body]


def _yes(fmt: str, value: bool) -> Any:
    if fmt == "parquet":
        return value
    return "是" if value else "否"


def _empty(fmt: str) -> Any:
    return "" if fmt == "csv" else None


# --- scope ---------------------------------------------------------------------------------


def test_a_village_cadre_gets_one_row_per_finding_of_their_village_only(report, world, tmp_path):
    path, log = export_report(world.cadre, tmp_path)
    rows = findings_of(path, "csv")
    assert [(r["规则编号"], r["成员姓名"]) for r in rows] == [
        ("Q-H-010", ""),
        ("Q-M-010", "張小明"),
        ("Q-M-011", "張小明"),
    ]
    assert {r["户编号"] for r in rows} == {report["bad"].number}
    assert report["sibling"].number not in path.read_text("utf-8-sig")
    first = rows[1]
    assert (first["县"], first["县代码"]) == (world.county.name, world.county.code)
    assert (first["乡镇"], first["乡镇代码"]) == (world.township.name, world.township.code)
    assert (first["行政村"], first["行政村代码"]) == (world.village.name, world.village.code)
    assert (first["规则"], first["严重程度"], first["层级"]) == (
        "未满16周岁应为无劳动力",
        "错误",
        "成员",
    )
    assert first["户主姓名"] == "张建国" and first["证件类型"] == "居民身份证"
    assert log.row_count == 3


def test_a_township_reviewer_gets_both_villages_and_an_area_filter_narrows(report, world, tmp_path):
    path, _ = export_report(world.reviewer, tmp_path)
    numbers = [r["户编号"] for r in findings_of(path, "csv")]
    assert sorted(numbers) == sorted([report["bad"].number] * 3 + [report["sibling"].number] * 2)
    path, _ = export_report(world.reviewer, tmp_path, area=world.sibling_village.code)
    assert {r["户编号"] for r in findings_of(path, "csv")} == {report["sibling"].number}


def test_an_area_outside_the_scope_exports_nothing_not_even_counts(report, world, tmp_path):
    path, log = export_report(world.cadre, tmp_path, fmt="xlsx", area=world.sibling_village.code)
    assert findings_of(path, "xlsx") == []
    checks = read_sheet(path, "规则统计")
    assert all(row[4] == 0 for row in checks[3:]), "no count of the sibling village leaks"
    assert read_sheet(path, "村统计")[3:] == []
    assert log.row_count == 0 and log.area_code == world.village.code


def test_the_household_filters_narrow_the_findings(report, world, tmp_path):
    path, _ = export_report(world.reviewer, tmp_path, q=report["sibling"].number)
    assert {r["户编号"] for r in findings_of(path, "csv")} == {report["sibling"].number}
    path, _ = export_report(world.reviewer, tmp_path, household_type="monitored")
    assert findings_of(path, "csv") == []


def test_a_household_deleted_since_the_run_drops_out(report, world, tmp_path):
    actions.do_delete_household(
        report["sibling"], actor=world.actor(world.reviewer), reason="重复登记"
    )
    path, _ = export_report(world.reviewer, tmp_path)
    assert {r["户编号"] for r in findings_of(path, "csv")} == {report["bad"].number}


def test_without_a_completed_run_the_report_is_empty(world, household, tmp_path):
    path, log = export_report(world.cadre, tmp_path, fmt="xlsx")
    assert findings_of(path, "xlsx") == []
    assert "尚无已完成的数据质量检查" in read_sheet(path, "规则统计")[1][0]
    assert log.row_count == 0


def test_the_year_filter_chooses_the_run(report, world, tmp_path):
    path, _ = export_report(world.cadre, tmp_path, year=YEAR)
    assert len(findings_of(path, "csv")) == 3
    path, _ = export_report(world.cadre, tmp_path, year=YEAR - 1)
    assert findings_of(path, "csv") == []


def test_the_latest_completed_run_covering_the_area_is_used(report, world, tmp_path):
    assert latest_run_covering(world.village) == report["run"]
    newer = _run_county(world)
    assert latest_run_covering(world.village) == newer
    assert latest_run_covering(world.village, year=YEAR - 1) is None
    # The newer run left out the exempted findings (counted apart): one open finding stays.
    path, _ = export_report(world.cadre, tmp_path)
    assert [r["规则编号"] for r in findings_of(path, "csv")] == ["Q-M-011"]


def test_a_village_checks_findings_follow_the_village_scope(report, world, tmp_path):
    """A village check's finding has no household: the cadre sees their village's, never the
    sibling village's, and not when a household filter is set."""
    check = next(ch for ch in catalogue() if ch.level == "village")
    run = do_queue_quality_run(
        actor=world.actor(world.approver), area_code=world.county.code, year=YEAR, backend="duckdb"
    )
    assert mark_run_started(run)
    findings = pa.Table.from_pylist(
        [
            {
                "check_code": check.code,
                "household_id": None,
                "member_id": None,
                "village_code": village.code,
                "details": "2组共4户收入相同",
            }
            for village in (world.village, world.sibling_village)
        ],
        schema=FINDING_SCHEMA,
    )
    do_record_quality_run(
        run,
        actor=world.actor(world.approver),
        findings=findings,
        households_per_village=households_per_village(world.county.scope_prefix),
        area_prefix=world.county.scope_prefix,
        seconds=0.1,
    )
    path, _ = export_report(world.cadre, tmp_path)
    rows = findings_of(path, "csv")
    assert [(r["规则编号"], r["行政村代码"], r["户编号"]) for r in rows] == [
        (check.code, world.village.code, "")
    ]
    assert (rows[0]["行政村"], rows[0]["层级"], rows[0]["说明"]) == (
        world.village.name,
        "村",
        "2组共4户收入相同",
    )
    assert rows[0]["已确认无误"] == "否"
    path, _ = export_report(world.reviewer, tmp_path)
    assert len(findings_of(path, "csv")) == 2
    path, _ = export_report(world.cadre, tmp_path, household_type="exited")
    assert findings_of(path, "csv") == []


# --- masking, exemptions, neutralisation, formats ----------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
@pytest.mark.parametrize("persona", ["approver", "analyst", "inspector"])
def test_id_numbers_and_numbers_in_reasons_are_masked_unless_the_role_sees_them(
    report, world, tmp_path, fmt, persona
):
    user = getattr(world, persona)
    path, log = export_report(user, tmp_path, fmt=fmt)
    masked = not user.sees_personal_numbers
    assert log.masked is masked and masked is (persona != "approver")
    rows = {(r["户编号"], r["规则编号"]): r for r in findings_of(path, fmt)}
    child_id = report["child"].id_number
    got = rows[(report["bad"].number, "Q-M-011")]["证件号码"]
    assert got == (mask_id_number(child_id) if masked else child_id)
    reason = rows[(report["bad"].number, "Q-H-010")]["确认理由"]
    expected = mask_free_text(EVIL_REASON) if masked else EVIL_REASON
    # Parquet keeps the raw text; CSV and xlsx neutralise the leading "=".
    assert reason == (expected if fmt == "parquet" else "'" + expected)
    assert ("140922197003040011" in reason) is not masked
    assert rows[(report["bad"].number, "Q-H-010")]["证件号码"] == _empty(fmt)


def test_an_exemption_marks_its_own_member_only(report, world, tmp_path):
    actor = world.actor()
    daughter = actions.do_add_member(
        report["bad"],
        actor=actor,
        data=factories.member_data(
            "张小红",
            "daughter",
            dt.date(2013, 2, 3),
            labour_skill="ordinary",
            education="primary",
            student_status="primary_6",
            id_number=factories.id_female(dt.date(2013, 2, 3)),
        ),
    )
    _run_county(world)
    do_exempt_finding(
        actor=actor,
        check_code="Q-M-011",
        household_id=report["bad"].pk,
        member_id=daughter.pk,
        reason="已核实：休学在家",
    )
    path, _ = export_report(world.cadre, tmp_path)
    marks = {
        (r["规则编号"], r["成员姓名"]): (r["已确认无误"], r["确认理由"])
        for r in findings_of(path, "csv")
    }
    assert marks[("Q-M-011", "张小红")] == ("是", "已核实：休学在家")
    assert marks[("Q-M-011", "張小明")] == ("否", "")
    assert marks[("Q-M-010", "张小红")] == ("否", "")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_every_format_reads_back_with_the_expected_rows_and_exemptions_marked(
    report, world, tmp_path, fmt
):
    path, log = export_report(world.cadre, tmp_path, fmt=fmt)
    header = read_sheet(path, "问题清单")[0] if fmt == "xlsx" else read_rows(path, fmt)[0]
    assert header == HEADERS
    got = [
        (r["规则编号"], r["户编号"], r["成员姓名"], r["已确认无误"], r["确认理由"])
        for r in findings_of(path, fmt)
    ]
    number = report["bad"].number
    neutral = EVIL_REASON if fmt == "parquet" else "'" + EVIL_REASON
    assert got == [
        ("Q-H-010", number, _empty(fmt), _yes(fmt, True), neutral),
        ("Q-M-010", number, "張小明", _yes(fmt, True), CHILD_REASON),
        ("Q-M-011", number, "張小明", _yes(fmt, False), _empty(fmt)),
    ]
    assert (log.what, log.format, log.layout, log.row_count) == ("quality", fmt, "project", 3)
    assert AuditEntry.objects.filter(action="export_data", object_id=str(log.pk)).exists()


def test_parquet_is_typed_and_names_the_run_in_its_metadata(report, world, tmp_path):
    path, _ = export_report(world.cadre, tmp_path, fmt="parquet")
    schema = pq.read_schema(path)
    assert str(schema.field("已确认无误").type) == "bool"
    assert schema.metadata[b"jingzhun.what"] == b"quality"
    assert schema.metadata[b"jingzhun.quality_runs"] == str(report["run"].pk).encode()
    assert schema.metadata[b"jingzhun.quality_years"] == str(YEAR).encode()


def test_the_xlsx_report_leads_with_counts_per_check_and_per_village(report, world, tmp_path):
    path, _ = export_report(world.reviewer, tmp_path, fmt="xlsx")
    import openpyxl

    assert openpyxl.load_workbook(path, read_only=True).sheetnames == [
        "规则统计",
        "村统计",
        "问题清单",
    ]
    checks = read_sheet(path, "规则统计")
    assert checks[0][0] == "数据质量检查报告" and f"#{report['run'].pk}" in checks[1][0]
    assert checks[2] == ["规则编号", "规则", "严重程度", "层级", "问题数", "已豁免", "未运行原因"]
    by_code = {row[0]: row for row in checks[3:]}
    # The run's stored counts in the reviewer's township: both villages.
    assert by_code["Q-M-010"][4:6] == [2, 0]
    assert by_code["Q-H-010"][4:6] == [1, 0]
    # Every catalogue check is listed; one that cannot run yet says why.
    assert set(by_code) == set(CATALOGUE)
    assert all(row[6] == (CATALOGUE[code].needs or None) for code, row in by_code.items())
    villages = read_sheet(path, "村统计")
    assert villages[2] == [
        "县",
        "县代码",
        "乡镇",
        "乡镇代码",
        "行政村",
        "行政村代码",
        "农户数",
        "有错误的农户数",
        "质量得分",
        "问题数",
        "已豁免",
    ]
    rows = {row[5]: row for row in villages[3:]}
    assert set(rows) == {world.village.code, world.sibling_village.code}
    assert rows[world.village.code][4] == world.village.name
    assert rows[world.village.code][6:] == [2, 1, 50, 3, 0]
    assert rows[world.sibling_village.code][6:] == [1, 1, 0, 2, 0]


def test_the_csv_query_count_does_not_grow_with_findings(report, world, tmp_path):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            export_report(world.reviewer, tmp_path)
        return len(captured)

    few = queries()
    for i in range(2, 8):
        _child_labourer(world.actor(world.reviewer), world.sibling_village, f"14092210000200{i}")
    _run_county(world)
    many = queries()
    assert few == many
    # Seven households of the sibling village share one income: Q-V-001 for the village too.
    assert ExportLog.objects.order_by("id").last().row_count == 1 + 7 * 2 + 1


# --- page, background, command line --------------------------------------------------------


def test_the_page_streams_the_report_as_csv_and_logs_it(client, report, world):
    response = login(client, world.analyst).post(
        "/exports/new/", {"what": "quality", "format": "csv", "layout": "project"}
    )
    assert isinstance(response, StreamingHttpResponse)
    assert 'filename="jingzhun-quality' in response["Content-Disposition"]
    rows = read_csv(b"".join(response.streaming_content))
    assert rows[0] == HEADERS and len(rows) == 1 + 5
    log = ExportLog.objects.get()
    assert (log.what, log.user, log.masked, log.row_count) == ("quality", world.analyst, True, 5)


def test_the_page_offers_the_report_and_refuses_it_in_the_national_layout(client, report, world):
    page = login(client, world.cadre).get("/exports/new/?what=quality")
    assert 'value="quality" selected' in page.content.decode()
    response = client.post(
        "/exports/new/", {"what": "quality", "format": "csv", "layout": "national"}
    )
    assert response.status_code == 400
    assert "质量报告只有本系统格式" in response.content.decode()
    assert not ExportLog.objects.exists()


def test_a_large_report_runs_in_the_background(report, world, settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    spec = ExportSpec(what="quality", format="xlsx")
    log = queue_export(spec, actor=Actor(user=world.cadre, source="form"))
    assert log.status == ExportStatus.QUEUED and log.what == "quality"
    result = run_queued_export(log.pk)
    log.refresh_from_db()
    assert (log.status, log.row_count) == (ExportStatus.DONE, 3)
    path = settings.EXPORT_DIR / result["file"]
    assert len(findings_of(path, "xlsx")) == 3


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_the_export_command_writes_the_report_as_the_named_user(
    report, world, tmp_path, fmt, capsys
):
    out = tmp_path / f"report.{fmt}"
    call_command("export", "--user", "analyst", "--what", "quality", "--out", str(out))
    assert "已导出 5 行" in capsys.readouterr().out
    rows = findings_of(out, fmt)
    assert len(rows) == 5
    assert all(
        r["证件号码"] == mask_id_number(report["child"].id_number)
        or r["证件号码"] == mask_id_number(report["sibling_child"].id_number)
        for r in rows
        if r["层级"] == "成员"
    )
    log = ExportLog.objects.get()
    assert (log.source, log.what, log.format, log.row_count) == ("command", "quality", fmt, 5)


def test_the_export_command_refuses_the_report_in_the_national_layout(report, world, tmp_path):
    with pytest.raises(CommandError, match="质量报告只有本系统格式"):
        call_command(
            "export",
            "--user",
            "cadre",
            "--what",
            "quality",
            "--layout",
            "national",
            "--out",
            str(tmp_path / "x.csv"),
        )
    assert not ExportLog.objects.exists()


def test_the_quality_command_writes_the_same_report_without_personal_numbers(
    report, world, tmp_path
):
    out = tmp_path / "run.xlsx"
    call_command("quality", area=world.county.code, year=YEAR, format="xlsx", out=str(out))
    import openpyxl

    assert openpyxl.load_workbook(out, read_only=True).sheetnames == ["规则统计", "问题清单"]
    rows = findings_of(out, "xlsx")
    assert "证件号码" not in rows[0] and "成员姓名" not in rows[0] and "户主姓名" not in rows[0]
    # The command's own run left out the two exempted findings (counted in 规则统计).
    assert sorted((r["户编号"], r["规则编号"]) for r in rows) == [
        (report["bad"].number, "Q-M-011"),
        (report["sibling"].number, "Q-M-010"),
        (report["sibling"].number, "Q-M-011"),
    ]
    checks = {row[0]: row for row in read_sheet(out, "规则统计")[3:]}
    assert checks["Q-M-010"][4:6] == [1, 1]
    assert checks["Q-H-010"][4:6] == [0, 1]
    assert not ExportLog.objects.exists()
