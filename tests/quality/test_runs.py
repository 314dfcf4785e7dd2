"""Snapshot, backends, runs, exemptions and pages, on data built through the real actions."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test import override_settings
from django.urls import reverse

from jingzhun.analytics import snapshot as snapshot_module
from jingzhun.analytics.backend import DuckDBBackend, PostgresBackend
from jingzhun.analytics.schema import TABLES
from jingzhun.analytics.snapshot import write_snapshot
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import NotFound
from jingzhun.quality.actions import (
    do_exempt_finding,
    do_queue_quality_run,
    do_record_quality_run,
    village_score,
)
from jingzhun.quality.batch import FINDING_SCHEMA, run_checks
from jingzhun.quality.context import CheckContext
from jingzhun.quality.entry import findings_for_household
from jingzhun.quality.models import (
    Exemption,
    QualityCount,
    QualityFinding,
    QualityRun,
    RunStatus,
    VillageScore,
)
from jingzhun.quality.runner import execute_run
from jingzhun.quality.tasks import run_quality
from jingzhun.registry import actions
from tests import factories
from tests.conftest import login

YEAR = 2024
CTX = CheckContext(year=YEAR)


@pytest.fixture(autouse=True)
def _snapshot_dir(settings, tmp_path):
    settings.SNAPSHOT_DIR = tmp_path / "snapshot"


@pytest.fixture
def registry(world, household):
    """The cadre's clean household, one with a child marked as labour (Q-M-010), one deleted."""
    actor = world.actor()
    bad = factories.make_household(actor, world.village, number="140922100001002")
    child = bad.members.get(relation="son")
    actions.do_update_member(
        child, actor=actor, changes={"labour_skill": "ordinary"}, expected_version=child.version
    )
    gone = factories.make_household(
        world.actor(world.reviewer), world.sibling_village, number="140922100001003"
    )
    actions.do_delete_household(gone, actor=world.actor(world.reviewer), reason="重复登记")
    other = factories.make_household(
        world.actor(world.outsider), world.other_county_village, number="140921100001001"
    )
    return {"clean": household, "bad": bad, "child": child, "deleted": gone, "other": other}


def _keys(table) -> set[tuple]:
    return {(r["check_code"], r["household_id"], r["member_id"]) for r in table.to_pylist()}


def test_the_snapshot_writes_every_table_without_deleted_households(registry, tmp_path) -> None:
    info = write_snapshot(year=YEAR, out=tmp_path / "s")
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text("utf-8"))
    assert manifest["year"] == YEAR and manifest["schema_version"] == 1
    ids = pq.read_table(tmp_path / "s" / "households.parquet").column("id").to_pylist()
    assert registry["deleted"].pk not in ids
    assert registry["clean"].pk in ids and registry["other"].pk in ids
    members = pq.read_table(tmp_path / "s" / "members.parquet")
    assert members.num_rows == info.rows["members"] == 9
    for name, columns in TABLES.items():
        schema = pq.read_schema(tmp_path / "s" / f"{name}.parquet")
        assert schema.names == [c.name for c in columns]


def test_the_snapshot_streams_in_chunks_and_keeps_every_row(registry, tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot_module, "CHUNK_ROWS", 2)
    info = write_snapshot(year=YEAR, out=tmp_path / "s")
    assert info.rows["members"] == 9
    assert pq.ParquetFile(tmp_path / "s" / "members.parquet").metadata.num_row_groups >= 4


def test_the_snapshot_of_an_area_holds_only_that_area(registry, world, tmp_path) -> None:
    info = write_snapshot(year=YEAR, out=tmp_path / "s", area_code=world.county.code)
    assert info.rows["households"] == 2


def test_the_batch_finds_the_planted_error_on_the_snapshot(registry, tmp_path) -> None:
    write_snapshot(year=YEAR, out=tmp_path / "s")
    found = _keys(run_checks(DuckDBBackend(tmp_path / "s"), CTX))
    assert ("Q-M-010", registry["bad"].pk, registry["child"].pk) in found
    assert not any(k[1] == registry["clean"].pk for k in found)


def test_entry_time_findings_match_the_batch_for_a_stored_household(registry, tmp_path):
    write_snapshot(year=YEAR, out=tmp_path / "s")
    batch = {k for k in _keys(run_checks(DuckDBBackend(tmp_path / "s"), CTX))}
    entry = {f.key for f in findings_for_household(registry["bad"], year=YEAR)}
    assert entry == {k for k in batch if k[1] == registry["bad"].pk}


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_both_backends_give_the_same_findings(registry, tmp_path, backend) -> None:
    write_snapshot(year=YEAR, out=tmp_path / "s")
    expected = _keys(run_checks(DuckDBBackend(tmp_path / "s"), CTX))
    if backend == "postgres":
        if connection.vendor != "postgresql":
            pytest.skip(
                "PostgreSQL backend runs in the PostgreSQL pass (DATABASE_URL=postgres://…)"
            )
        got = _keys(run_checks(PostgresBackend(year=YEAR), CTX))
    else:
        got = expected
    assert got == expected
    assert ("Q-M-010", registry["bad"].pk, registry["child"].pk) in got


def test_a_run_stores_counts_per_check_and_village_and_scores(registry, world) -> None:
    run = do_queue_quality_run(
        actor=world.actor(world.approver), area_code="140922", year=YEAR, backend="duckdb"
    )
    stored, _ = execute_run(run, actor=world.actor(world.approver))
    assert stored.status == RunStatus.DONE
    count = QualityCount.objects.get(run=run, check_code="Q-M-010")
    assert (count.village_code, count.findings) == (world.village.code, 1)
    score = VillageScore.objects.get(run=run, village_code=world.village.code)
    assert (score.households, score.households_with_error, score.score) == (2, 1, 50)
    assert AuditEntry.objects.filter(action="record_quality_run", object_id=str(run.pk)).exists()


def test_village_score_is_100_without_households() -> None:
    assert village_score(0, 0) == 100
    assert village_score(3, 1) == Decimal("66.7")


def test_an_exempted_finding_is_left_out_of_the_next_run_and_counted_apart(registry, world):
    actor = world.actor(world.cadre)
    do_exempt_finding(
        actor=actor,
        check_code="Q-M-010",
        household_id=registry["bad"].pk,
        member_id=registry["child"].pk,
        reason="已核实：该生已辍学务农",
    )
    run = do_queue_quality_run(
        actor=actor, area_code=world.village.code, year=YEAR, backend="duckdb"
    )
    stored, _ = execute_run(run, actor=actor)
    count = QualityCount.objects.get(run=run, check_code="Q-M-010")
    assert (count.findings, count.exempted) == (0, 1)
    assert stored.exempted == 1
    assert AuditEntry.objects.filter(action="exempt_quality_finding").count() == 1


def test_an_exemption_needs_a_reason_and_changes_nothing_when_refused(registry, world) -> None:
    with pytest.raises(ValidationError) as error:
        do_exempt_finding(
            actor=world.actor(),
            check_code="Q-M-010",
            household_id=registry["bad"].pk,
            member_id=registry["child"].pk,
            reason=" ",
        )
    assert "理由" in str(error.value)
    assert not Exemption.objects.exists()


def test_an_exemption_outside_the_scope_answers_not_found(registry, world) -> None:
    with pytest.raises(NotFound):
        do_exempt_finding(
            actor=world.actor(world.outsider),
            check_code="Q-M-010",
            household_id=registry["bad"].pk,
            member_id=registry["child"].pk,
            reason="已核实无误的情况",
        )
    assert not Exemption.objects.exists()


def test_an_exemption_refuses_an_unknown_check_and_a_repeat(registry, world) -> None:
    kwargs = dict(
        actor=world.actor(),
        household_id=registry["bad"].pk,
        member_id=registry["child"].pk,
        reason="已核实无误的情况",
    )
    with pytest.raises(ValidationError, match="没有编号"):
        do_exempt_finding(check_code="Q-X-999", **kwargs)
    do_exempt_finding(check_code="Q-M-010", **kwargs)
    with pytest.raises(ValidationError, match="无需重复"):
        do_exempt_finding(check_code="Q-M-010", **kwargs)


def test_the_command_runs_stores_and_writes_a_json_report(registry, world, tmp_path, capsys):
    out = tmp_path / "report.json"
    call_command("quality", area=world.county.code, year=YEAR, format="json", out=str(out))
    printed = capsys.readouterr().out
    assert "Q-M-010 未满16周岁应为无劳动力：1" in printed
    assert "Q-M-040 中职、高职在校生所在监测户未享受雨露计划：0" in printed
    report = json.loads(out.read_text("utf-8"))
    assert {"check_code": "Q-M-010", "household_id": registry["bad"].pk}.items() <= next(
        r for r in report["findings"] if r["check_code"] == "Q-M-010"
    ).items()
    assert QualityRun.objects.filter(area_code=world.county.code, status="done").count() == 1


def test_the_command_writes_an_xlsx_report(registry, world, tmp_path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "report.xlsx"
    call_command("quality", area=world.county.code, year=YEAR, format="xlsx", out=str(out))
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["规则统计", "问题清单"]


def test_the_snapshot_command_writes_the_manifest(registry, tmp_path, capsys) -> None:
    call_command("snapshot", year=YEAR, out=str(tmp_path / "c"))
    assert (tmp_path / "c" / "manifest.json").exists()
    assert "households 3行" in capsys.readouterr().out


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def finished_run(registry, world):
    run = do_queue_quality_run(
        actor=world.actor(world.approver), area_code=world.county.code, year=YEAR, backend="duckdb"
    )
    execute_run(run, actor=world.actor(world.approver))
    return run


def test_the_quality_page_shows_counts_scores_and_trend_in_scope(client, world, finished_run):
    page = login(client, world.cadre).get(reverse("quality_home")).content.decode()
    assert "未满16周岁应为无劳动力" in page
    assert "质量得分" in page and "问题数变化趋势" in page
    assert reverse("export_new") + "?what=quality" in page  # the report, exported


def test_an_outsider_sees_no_run_of_another_county(client, world, finished_run) -> None:
    page = login(client, world.outsider).get(reverse("quality_home")).content.decode()
    assert "尚未运行数据质量检查" in page


def test_the_drill_down_links_to_the_record_to_fix(client, world, registry, finished_run):
    response = login(client, world.cadre).get(reverse("quality_check", args=["Q-M-010"]))
    page = response.content.decode()
    assert reverse("member_edit", args=[registry["child"].pk]) in page
    assert registry["bad"].number in page


def test_the_drill_down_hides_villages_outside_the_scope(client, world, registry, finished_run):
    page = login(client, world.sibling_cadre).get(reverse("quality_check", args=["Q-M-010"]))
    assert registry["bad"].number not in page.content.decode()


def test_the_drill_down_page_does_a_fixed_number_of_queries(
    client, world, finished_run, django_assert_max_num_queries
) -> None:
    login(client, world.approver)
    with django_assert_max_num_queries(14):
        client.get(reverse("quality_check", args=["Q-M-010"]))


def test_the_exemption_form_refuses_out_of_scope_with_404(client, world, registry, finished_run):
    response = login(client, world.outsider).post(
        reverse("quality_exempt"),
        {
            "check_code": "Q-M-010",
            "household_id": registry["bad"].pk,
            "member_id": registry["child"].pk,
            "reason": "已核实无误的情况",
        },
    )
    assert response.status_code == 404
    assert not Exemption.objects.exists()


def test_the_exemption_form_marks_the_finding(client, world, registry, finished_run) -> None:
    response = login(client, world.cadre).post(
        reverse("quality_exempt"),
        {
            "check_code": "Q-M-010",
            "household_id": registry["bad"].pk,
            "member_id": registry["child"].pk,
            "reason": "已核实无误的情况",
        },
        follow=True,
    )
    assert "已确认无误" in response.content.decode()
    assert Exemption.objects.count() == 1


@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
)
def test_the_run_button_runs_in_the_background_task(client, world, registry) -> None:
    response = login(client, world.approver).post(reverse("quality_run_start"), {"year": YEAR})
    assert response.status_code == 302
    run = QualityRun.objects.get()
    assert run.status == RunStatus.DONE and run.findings >= 1


def test_an_inspector_may_not_start_a_run(client, world) -> None:
    response = login(client, world.inspector).post(reverse("quality_run_start"), {"year": YEAR})
    assert response.status_code == 403
    assert not QualityRun.objects.exists()


def test_the_task_function_runs_a_queued_run(registry, world) -> None:
    run = do_queue_quality_run(
        actor=world.actor(world.approver), area_code=world.county.code, year=YEAR, backend="duckdb"
    )
    assert run_quality.call(run.pk) >= 1
    run.refresh_from_db()
    assert run.status == RunStatus.DONE


def test_the_run_status_fragment_polls_until_done(client, world, registry) -> None:
    run = do_queue_quality_run(
        actor=world.actor(world.approver), area_code=world.county.code, year=YEAR, backend="duckdb"
    )
    page = login(client, world.approver).get(reverse("quality_run_status", args=[run.pk]))
    assert 'hx-trigger="every 2s"' in page.content.decode()
    assert (
        login(client, world.outsider).get(reverse("quality_run_status", args=[run.pk])).status_code
        == 404
    )


def test_the_household_page_shows_the_quality_panel(client, world, registry) -> None:
    page = (
        login(client, world.cadre)
        .get(reverse("household_detail", args=[registry["bad"].pk]))
        .content.decode()
    )
    assert "数据质量提示" in page and "Q-M-010" in page


def test_the_catalogue_page_lists_every_check(client, world) -> None:
    page = login(client, world.analyst).get(reverse("quality_catalogue")).content.decode()
    assert "Q-H-041" in page and "Q-V-001" in page
    # Village checks say that they run in batch only; no check waits for data any more.
    assert "仅批量检查" in page and "待接入数据</span>" not in page


# --- assistance measures (帮扶措施) ------------------------------------------------------------


@pytest.fixture
def measured(world):
    """A monitored household with a 中职 student whose 2024 measures are 综合保障 only."""
    actor = world.actor()
    household = factories.make_household(
        actor,
        world.village,
        "140922100001005",
        household_type="monitored",
        monitoring_category="marginal",
        monitoring_identified_on=dt.date(2022, 3, 1),
        risks=[("schooling", "")],
    )
    son = household.members.get(relation="son")
    actions.do_update_member(
        son,
        actor=actor,
        changes={"student_status": "secondary_vocational"},
        expected_version=son.version,
    )
    actions.do_set_measures(household, actor=actor, year=YEAR, values={"basic_guarantee": "低保"})
    return household, son


def test_the_snapshot_holds_the_year_s_measures(measured, tmp_path) -> None:
    household, _ = measured
    info = write_snapshot(year=YEAR, out=tmp_path / "s")
    rows = pq.read_table(tmp_path / "s" / "measures.parquet").to_pylist()
    assert info.rows["measures"] == 1
    assert (rows[0]["household_id"], rows[0]["basic_guarantee"], rows[0]["yulu_plan"]) == (
        household.pk,
        "低保",
        False,
    )
    assert write_snapshot(year=YEAR - 1, out=tmp_path / "t").rows["measures"] == 0


def test_the_measure_checks_run_on_stored_data_at_entry_and_in_batch(measured, tmp_path):
    household, son = measured
    write_snapshot(year=YEAR, out=tmp_path / "s")
    batch = {k for k in _keys(run_checks(DuckDBBackend(tmp_path / "s"), CTX))}
    entry = {f.key for f in findings_for_household(household, year=YEAR)}
    assert {("Q-M-040", household.pk, son.pk), ("Q-H-041", household.pk, None)} <= entry
    assert entry == {k for k in batch if k[1] == household.pk}


def test_recording_the_yulu_plan_and_an_industry_measure_clears_both_findings(measured, world):
    household, _ = measured
    stored = household.measures.get(year=YEAR)
    actions.do_set_measures(
        household,
        actor=world.actor(),
        year=YEAR,
        values={"education_aid": "雨露计划", "industry_aid": "产业奖补"},
        expected_version=stored.version,
    )
    codes = {f.code for f in findings_for_household(household, year=YEAR)}
    assert not codes & {"Q-M-040", "Q-H-041"}


# --- village findings -------------------------------------------------------------------------


def _village_finding_run(world, village_code: str) -> QualityRun:
    run = do_queue_quality_run(
        actor=world.actor(world.approver), area_code=world.county.code, year=YEAR, backend="duckdb"
    )
    findings = pa.Table.from_pylist(
        [
            {
                "check_code": "Q-V-002",
                "household_id": None,
                "member_id": None,
                "village_code": village_code,
                "details": "2/3户缺少2024年收入",
            }
        ],
        schema=FINDING_SCHEMA,
    )
    return do_record_quality_run(
        run,
        actor=world.actor(world.approver),
        findings=findings,
        households_per_village={village_code: 3},
        area_prefix=world.county.scope_prefix,
        seconds=0.1,
    )


def test_a_village_finding_is_stored_without_a_household(world) -> None:
    run = _village_finding_run(world, world.village.code)
    finding = QualityFinding.objects.get(run=run)
    assert (finding.household_id, finding.member_id, finding.village_code) == (
        None,
        None,
        world.village.code,
    )
    count = QualityCount.objects.get(run=run, check_code="Q-V-002")
    assert (count.village_code, count.findings) == (world.village.code, 1)
    # A village warning is no household error: the village's score stays 100.
    assert VillageScore.objects.get(run=run, village_code=world.village.code).score == 100


def test_the_village_drill_down_links_to_the_village_s_household_list(client, world) -> None:
    _village_finding_run(world, world.village.code)
    page = login(client, world.cadre).get(reverse("quality_check", args=["Q-V-002"]))
    html = page.content.decode()
    assert world.village.name in html and "2/3户缺少2024年收入" in html
    assert f"{reverse('household_list')}?area={world.village.code}" in html
    assert "确认无误" not in html  # village findings are not exempted household by household


def test_the_village_drill_down_hides_villages_outside_the_scope(client, world) -> None:
    _village_finding_run(world, world.village.code)
    page = login(client, world.sibling_cadre).get(reverse("quality_check", args=["Q-V-002"]))
    assert world.village.code not in page.content.decode()


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_a_full_run_stores_the_village_finding_of_a_village_missing_its_incomes(world, backend):
    if backend == "postgres" and connection.vendor != "postgresql":
        pytest.skip("PostgreSQL backend runs in the PostgreSQL pass (DATABASE_URL=postgres://…)")
    actor = world.actor(world.approver)
    for n in range(2):  # two 脱贫户 registered without their 2024 income
        factories.make_household(actor, world.far_village, f"14092210000300{n}", members=False)
    run = do_queue_quality_run(
        actor=world.actor(world.approver), area_code=world.county.code, year=YEAR, backend=backend
    )
    execute_run(run, actor=world.actor(world.approver))
    finding = QualityFinding.objects.get(run=run, check_code="Q-V-002")
    assert (finding.household_id, finding.village_code) == (None, world.far_village.code)
    assert finding.details == "2/2户缺少2024年收入"


def test_each_count_on_the_quality_page_opens_exactly_its_households(
    finished_run, registry, world, client
) -> None:
    login(client, world.approver)
    page = client.get(reverse("quality_home"))
    row = next(r for r in page.context["per_check"] if r["check"].code == "Q-M-010")
    assert row["households"] == 1
    listed = client.get(row["url"])
    assert listed.context["total"] == 1
    assert [h.pk for h in listed.context["rows"]] == [registry["bad"].pk]
    # A township's households with an error-severity finding: the number its row shows.
    area = next(r for r in page.context["per_area"] if r["with_error"])
    errors = client.get(area["errors_url"])
    assert errors.context["total"] == area["with_error"] == 1
    # The village cadre of a sibling village sees none of them behind the same link.
    login(client, world.sibling_cadre)
    assert client.get(row["url"]).context["total"] == 0


def test_a_check_filter_names_an_unknown_check_instead_of_listing_everyone(world, client):
    login(client, world.approver)
    response = client.get(reverse("household_list"), {"check": "Q-NOPE"})
    assert response.status_code == 200
    assert "check" in response.context["errors"]
    assert response.context["total"] == 0 and response.context["rows"] == []


def test_a_city_viewer_sees_the_roll_up_of_the_latest_run_of_each_county_below(
    finished_run, registry, world, client
) -> None:
    # Another county's own run, newer: both are rolled up, none counted twice.
    run2 = do_queue_quality_run(
        actor=world.actor(world.outsider),
        area_code=world.other_county_village.code,
        year=YEAR,
        backend="duckdb",
    )
    execute_run(run2, actor=world.actor(world.outsider))
    login(client, world.city_viewer)
    page = client.get(reverse("quality_home"))
    assert [r.pk for r in page.context["summary"]["runs"]] == [run2.pk, finished_run.pk]
    row = next(r for r in page.context["per_check"] if r["check"].code == "Q-M-010")
    assert row["households"] == 1
    assert client.get(row["url"]).context["total"] == 1
    expected = VillageScore.objects.filter(run__in=[run2, finished_run]).aggregate(
        n=Sum("households")
    )["n"]
    assert page.context["summary"]["households"] == expected
    assert run2.area_code.startswith("140921") and expected > 2  # 定襄县's are counted too


def test_a_village_cadre_sees_the_villages_own_totals_not_the_county_run(
    finished_run, registry, world, client
) -> None:
    login(client, world.sibling_cadre)  # a village of the county with no household
    summary = client.get(reverse("quality_home")).context["summary"]
    assert (summary["households"] or 0, summary["findings"]) == (0, 0)
    login(client, world.cadre)
    summary = client.get(reverse("quality_home")).context["summary"]
    assert summary["households"] == 2 and summary["findings"] >= 1
