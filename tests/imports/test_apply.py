"""Staging, preview and apply against the real registry actions."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from jingzhun.areas.models import Area
from jingzhun.audit.models import AuditEntry
from jingzhun.core.masking import Disclosure
from jingzhun.imports import actions
from jingzhun.imports.models import Status
from jingzhun.imports.spreadsheets import write_failed_rows
from jingzhun.registry.models import Household, Income, Member
from tests.imports.builders import apply, family, stage, write_national

FULL = Disclosure(numbers=True, health=True)


def _snapshot():
    return (
        list(Household.objects.values_list("number", "version", "household_type").order_by("id")),
        list(Member.objects.values_list("id_number", "version", "name").order_by("id")),
        list(Income.objects.values_list("household_id", "year", "per_capita_net").order_by("id")),
        list(Area.objects.values_list("code", flat=True).order_by("code")),
        AuditEntry.objects.exclude(object_type="upload").count(),
    )


def test_preview_shows_what_will_be_created_before_anything_is_written(tmp_path, world):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    upload = stage(world.approver, path)
    assert upload.status == Status.WAITING
    assert upload.counts["households_create"] == 1
    assert upload.counts["members_create"] == 3
    assert not Household.objects.filter(number="140922100009001").exists()


def test_applying_creates_through_the_actions_with_the_upload_as_audit_source(tmp_path, world):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    upload = apply(stage(world.approver, path), world.approver)
    assert upload.status == Status.APPLIED
    household = Household.objects.get(number="140922100009001")
    assert household.member_count == 3
    assert household.head_name == "张建国"
    income = Income.objects.get(household=household, year=2023)
    assert income.per_capita_net == Decimal("8100.00")
    assert income.other_transfer == Decimal("1800.00")  # the national total lands here
    entries = AuditEntry.objects.filter(household=household)
    assert {e.action for e in entries} >= {"create_household", "add_member", "set_income"}
    assert all(e.source == "import" and e.source_ref == f"upload:{upload.pk}" for e in entries)
    assert all(e.actor_id == world.approver.pk for e in entries)


def test_reimporting_the_same_file_changes_nothing(tmp_path, world):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    apply(stage(world.approver, path), world.approver)
    before = _snapshot()
    again = stage(world.approver, path)
    assert again.counts["households_unchanged"] == 1
    assert again.counts["households_create"] == again.counts["households_change"] == 0
    apply(again, world.approver)
    assert _snapshot() == before


def test_a_changed_cell_is_previewed_old_to_new_and_applied(tmp_path, world):
    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    apply(stage(world.approver, path), world.approver)
    rows = family(world, "140922100009001")
    rows[2]["健康状况"] = "长期慢性病"
    upload = stage(world.approver, write_national(tmp_path / "n2.xlsx", rows))
    entry = upload.preview["entries"]["change"][0]
    son = next(m for m in entry["members"] if m["name"] == "张小明")
    assert son["changes"] == {"health": ["healthy", "chronic"]}
    apply(upload, world.approver)
    assert Member.objects.get(name="张小明").health == "chronic"


def test_a_household_with_one_refused_member_row_is_held_back_whole(tmp_path, world):
    good = family(world, "140922100009001", seq=1)
    bad = family(world, "140922100009002", seq=2)
    bad[1]["证件号码"] = bad[1]["证件号码"][:17] + ("0" if bad[1]["证件号码"][17] != "0" else "1")
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", good + bad))
    assert upload.counts["households_refused"] == 1
    problems = upload.preview["problems"]
    wrong = next(p for p in problems if p["row"] == 8)
    assert wrong["column"] == "证件号码"
    assert "校验位" in wrong["reason"]
    assert wrong["sheet"] == "（自定义）监测对象信息"
    assert {p["row"] for p in problems} == {7, 8, 9}  # the whole household, every row
    apply(upload, world.approver)
    assert Household.objects.filter(number="140922100009001").exists()
    assert not Household.objects.filter(number="140922100009002").exists()
    assert not Member.objects.filter(id_number=bad[0]["证件号码"]).exists()


def test_the_failed_rows_file_can_be_corrected_and_uploaded_again(tmp_path, world):
    bad = family(world, "140922100009002", seq=2)
    right_id = bad[1]["证件号码"]
    bad[1]["证件号码"] = right_id[:17] + ("0" if right_id[17] != "0" else "1")
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", bad))
    out = io.BytesIO()
    assert write_failed_rows(upload, out, disclosure=FULL) == 3
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    sheet = book.active
    header = [c.value for c in sheet[3]]
    assert "错误说明" in header
    id_col = header.index("证件号码")
    sheet.cell(row=5, column=id_col + 1, value=right_id)
    fixed = tmp_path / "fixed.xlsx"
    book.save(fixed)
    again = stage(world.approver, fixed)
    assert again.counts["households_create"] == 1, again.preview["problems"]
    assert again.counts["rows_refused"] == 0


def test_formula_injection_is_stored_as_text_and_neutralised_in_the_failed_rows(tmp_path, world):
    rows = family(world, "140922100009001")
    rows[0]["务工所在地"] = "=cmd|' /C calc'!A0"
    rows[1]["民族"] = "=cmd|' /C calc'!A0"  # refused: not a value of the list
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    assert upload.counts["households_refused"] == 1
    out = io.BytesIO()
    write_failed_rows(upload, out, disclosure=FULL)
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(v.startswith("=") for v in values)
    assert "'=cmd|' /C calc'!A0" in values
    # The same text in a free-text column of a valid household is stored as plain text.
    rows[1]["民族"] = "汉族"
    upload = apply(
        stage(world.approver, write_national(tmp_path / "n2.xlsx", rows)), world.approver
    )
    assert Member.objects.get(name="张建国").work_place == "=cmd|' /C calc'!A0"


def test_an_import_killed_half_way_leaves_the_database_as_before(tmp_path, world, monkeypatch):
    rows = [r for i in range(1, 4) for r in family(world, f"14092210000900{i}", seq=i)]
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    before = _snapshot()

    def killed(done: int) -> None:
        if done == 2:
            raise RuntimeError("进程被终止")

    monkeypatch.setattr(actions, "_after_household", killed)
    with pytest.raises(RuntimeError):
        apply(upload, world.approver)
    assert _snapshot() == before
    upload.refresh_from_db()
    assert upload.status == Status.WAITING
    assert "已全部撤销" in upload.error


def test_a_village_outside_the_users_scope_is_refused(tmp_path, world):
    rows = family(world, "140922100009001", village=world.sibling_village.name)
    upload = stage(world.cadre, write_national(tmp_path / "n.xlsx", rows))
    problem = upload.preview["problems"][0]
    assert problem["column"] == "村"
    assert "不在您的管辖范围内" in problem["reason"]
    apply(upload, world.cadre)
    assert not Household.objects.filter(number="140922100009001").exists()


def test_an_unknown_township_is_refused(tmp_path, world):
    rows = family(world, "140922100009001")
    for row in rows:
        row["乡(镇)"] = "不存在乡"
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    assert upload.counts["households_refused"] == 1
    assert "不存在乡" in upload.preview["problems"][0]["reason"]


def test_a_new_village_is_created_under_its_township_and_reported(tmp_path, world):
    rows = family(world, "140922100009001", village="新建村")
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    assert upload.preview["new_villages"] == [{"township": world.township.name, "name": "新建村"}]
    assert not Area.objects.filter(name="新建村").exists()
    apply(upload, world.approver)
    village = Area.objects.get(name="新建村")
    assert village.parent_id == world.township.pk
    assert Household.objects.get(number="140922100009001").village_id == village.pk
    assert AuditEntry.objects.filter(
        action="create_area", source_ref=f"upload:{upload.pk}"
    ).exists()


def test_a_stated_per_capita_income_that_does_not_add_up_is_warned(tmp_path, world):
    rows = family(world, "140922100009001")
    for row in rows:
        row["人均纯收入（元）"] = "9,999"
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    warnings = upload.preview["entries"]["create"][0]["warnings"]
    assert any("9999" in w and "8100" in w for w in warnings)
    apply(upload, world.approver)
    assert Income.objects.get(household__number="140922100009001").per_capita_net == Decimal("8100")


def test_a_member_registered_in_another_household_is_refused(tmp_path, world, household):
    head = household.members.get(relation="head")
    rows = family(world, "140922100009001")
    rows[0]["证件号码"] = head.id_number
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    assert any("另一户" in p["reason"] for p in upload.preview["problems"])


def test_dirty_cells_are_normalised_and_the_normalisation_is_reported(tmp_path, world):
    rows = family(world, "140922100009001")
    rows[0]["与户主关系"] = "戶主"
    rows[0]["出生日期"] = "19700304"
    rows[1]["证件号码"] = " " + rows[1]["证件号码"][:6] + " " + rows[1]["证件号码"][6:]
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows, trailing_empty=5))
    counts = upload.preview["note_counts"]
    assert any(k.startswith("与户主关系") for k in counts)
    assert any(k.startswith("出生日期") for k in counts)
    assert counts["证件号码：去除空格或分隔符"] == 1
    assert upload.counts["households_create"] == 1
    apply(upload, world.approver)
    assert Member.objects.filter(name="张建国", relation="head").exists()


def test_a_read_only_role_cannot_upload(tmp_path, world):
    from jingzhun.core.actions import PermissionDenied

    path = write_national(tmp_path / "n.xlsx", family(world, "140922100009001"))
    with pytest.raises(PermissionDenied):
        stage(world.inspector, path)


def test_a_csv_in_the_template_columns_is_imported(tmp_path, world):
    import csv

    rows = family(world, "140922100009001")
    path = tmp_path / "h.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    upload = apply(stage(world.approver, path, kind="households"), world.approver)
    assert upload.result["households_created"] == 1


def test_a_parquet_file_is_imported(tmp_path, world):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = family(world, "140922100009001")
    table = pa.table({k: [str(r.get(k, "")) for r in rows] for k in rows[0]})
    pq.write_table(table, tmp_path / "h.parquet")
    upload = apply(stage(world.approver, tmp_path / "h.parquet", kind="households"), world.approver)
    assert upload.result["households_created"] == 1


def test_the_preview_shows_entry_time_quality_warnings(tmp_path, world):
    rows = family(world, "140922100009001")
    rows[2]["出生日期"] = "2016-09-01"  # a child of seven …
    rows[2]["证件号码"] = rows[2]["证件号码"][:6] + "20160901" + rows[2]["证件号码"][14:17]
    from jingzhun.core.idnumber import check_character

    rows[2]["证件号码"] = rows[2]["证件号码"][:17] + check_character(rows[2]["证件号码"][:17])
    rows[2]["劳动技能"] = "普通劳动力"  # … marked as ordinary labour
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    assert upload.counts["households_create"] == 1, upload.preview["problems"]
    warnings = upload.preview["entries"]["create"][0]["warnings"]
    assert any("张小明" in w for w in warnings), warnings


def test_known_columns_that_are_not_stored_are_reported_not_dropped_silently(tmp_path, world):
    from tests.imports.builders import HEADER

    rows = [r | {"住房安全保障": "是"} for r in family(world, "140922100009001")]
    path = write_national(tmp_path / "n.xlsx", rows, header=[*HEADER, "住房安全保障", "备注栏"])
    upload = stage(world.approver, path)
    assert any("住房安全保障" in n for n in upload.preview["file_notes"])
    assert upload.preview["unknown_columns"] == ["备注栏"]


def test_a_monitored_household_with_risks_reimports_unchanged(tmp_path, world):
    rows = family(
        world,
        "140922100009001",
        **{
            "户类型": "监测户",
            "监测对象类别": "边缘易致贫户",
            "识别监测时间": "202205",
            "致贫/返贫风险1": "因病",
        },
    )
    path = write_national(tmp_path / "n.xlsx", rows)
    upload = apply(stage(world.approver, path), world.approver)
    assert upload.result["households_created"] == 1, upload.preview["problems"]
    household = Household.objects.get(number="140922100009001")
    assert [r.kind for r in household.risks.all()] == ["illness"]
    assert str(household.monitoring_identified_on) == "2022-05-01"
    again = stage(world.approver, path)
    assert again.counts["households_unchanged"] == 1, again.preview["entries"]["change"]
